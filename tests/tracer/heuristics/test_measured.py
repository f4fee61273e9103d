"""The shipped rates and the docs that quote them say the same thing."""
import re
from pathlib import Path

from tracer.heuristics.measured import PATH, _table

DOCS = Path(__file__).resolve().parents[3] / "docs" / "heuristics.md"


def test_the_docs_table_of_all_cases_is_the_shipped_counts():
    """docs/heuristics.md's rows of setting ``all`` are ``measured.json``'s counts: a new
    ``tracelab evaluate --save-rates`` run is copied to both, or the docs quote rates no report cites."""
    rows = re.findall(r"^\| `([\w.]+)` \| all \| (\d+) \| (\d+) \| (\d+) \|", DOCS.read_text(), re.M)
    shipped = _table(PATH)
    assert {h: [int(x) for x in c] for h, *c in rows} == shipped["counts"]
    assert f"{shipped['cases']} cases" in DOCS.read_text()
