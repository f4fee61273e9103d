"""What ``tracelab evaluate`` measured, shipped with the heuristics, for reports that cite a rate.

``measured.json`` holds, for each heuristic, its true positives, false positives and misses over
every case of one evaluation run, and the command that made it (``--save-rates``); the rates and
their 95% Wilson intervals are computed from those integer counts (:mod:`.rates`). They are rates
on the lab's cases, whose truth is known, not on mainnet (``docs/heuristics.md``).
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from .rates import rates

PATH = Path(__file__).with_name("measured.json")


@cache
def _table():
    return json.loads(PATH.read_text())


def measured(heuristic):
    """The measured counts and rates of ``heuristic``, or None if it was not measured.

    Examples
    --------
    >>> m = measured("multi_input")
    >>> m["fp"] == 0 and m["precision"] == 1.0 and m["cases"] > 0
    True
    >>> measured("astrology") is None
    True
    """
    t = _table()
    counts = t["counts"].get(heuristic)
    if counts is None:
        return None
    tp, fp, fn = counts
    return {"heuristic": heuristic, "tp": tp, "fp": fp, "fn": fn, **rates(tp, fp, fn), "cases": t["cases"],
            "command": t["command"]}


def cite(heuristic):
    """One sentence for a report: the heuristic's measured precision and recall, or None.

    Examples
    --------
    >>> print(cite("bridge"))  # doctest: +ELLIPSIS
    measured on 90 lab cases: precision 99.51% (95% CI 99.25-99.68%, 21 wrong of 4281), recall 99.65% ...
    """
    m = measured(heuristic)
    if m is None:
        return None

    def pct(v):
        return f"{100 * v:.2f}"

    claims = m["tp"] + m["fp"]
    precision = ("no claims" if m["precision"] is None else
                 f"precision {pct(m['precision'])}% (95% CI {pct(m['precision_ci'][0])}-{pct(m['precision_ci'][1])}%, "
                 f"{m['fp']} wrong of {claims})")
    recall = ("" if m["recall"] is None else
              f", recall {pct(m['recall'])}% (95% CI {pct(m['recall_ci'][0])}-{pct(m['recall_ci'][1])}%)")
    return f"measured on {m['cases']} lab cases: {precision}{recall}"
