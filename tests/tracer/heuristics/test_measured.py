"""The shipped rates and the docs that quote them say the same thing."""
import json
import re
from pathlib import Path

from tracer.heuristics.measured import PATH

DOCS = Path(__file__).resolve().parents[3] / "docs" / "heuristics.md"


def test_the_docs_table_of_all_cases_is_the_shipped_counts():
    """docs/heuristics.md's rows of setting ``all`` are ``measured.json``'s counts: a new
    ``tracelab evaluate --save-rates`` run is copied to both, or the docs quote rates no report cites."""
    docs, shipped = DOCS.read_text(), json.loads(PATH.read_text())
    rows = re.findall(r"^\| `([\w.]+)` \| all \| (\d+) \| (\d+) \| (\d+) \|", docs, re.M)
    assert {h: [int(x) for x in c] for h, *c in rows} == shipped["counts"]
    assert f"{shipped['cases']} cases" in docs
