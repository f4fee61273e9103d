"""What ``tracelab evaluate`` measured, shipped with the heuristics, for reports that cite a rate.

``measured.json`` holds, for each heuristic, its true positives, false positives and misses over
every case of one evaluation run, and the command that made it (``--save-rates``); the rates and
their 95% Wilson intervals are computed from those integer counts (:mod:`.rates`). They are rates
on the lab's cases, whose truth is known, not on mainnet (``docs/heuristics.md``).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .rates import rates

PATH = Path(__file__).with_name("measured.json")


@lru_cache(maxsize=16)
def _read(path, mtime_ns, size):
    return json.loads(Path(path).read_text())


def _table(path=None):
    """The rates file, the shipped one by default: read once, and again only when it changes (a
    report cites it once per heuristic; ``tracelab evaluate --save-rates`` may rewrite it)."""
    p = Path(PATH if path is None else path).resolve()
    st = p.stat()
    return _read(str(p), st.st_mtime_ns, st.st_size)


def measured(heuristic, path=None):
    """The measured counts and rates of ``heuristic``, or None if it was not measured.

    ``path``: another rates file (what ``tracelab evaluate --save-rates`` writes) instead of the
    shipped one.

    Examples
    --------
    >>> m = measured("multi_input")
    >>> m["fp"] == 0 and m["precision"] == 1.0 and m["cases"] > 0
    True
    >>> measured("astrology") is None
    True
    """
    t = _table(path)
    counts = t["counts"].get(heuristic)
    if counts is None:
        return None
    tp, fp, fn = counts
    return {"heuristic": heuristic, "tp": tp, "fp": fp, "fn": fn, **rates(tp, fp, fn), "cases": t["cases"],
            "command": t["command"]}


def cite(heuristic, path=None):
    """One sentence for a report: the heuristic's measured precision and recall, or None.

    Examples
    --------
    >>> print(cite("bridge"))  # doctest: +ELLIPSIS
    measured on 90 lab cases: precision 99.24% (95% CI 99.00-99.42%, 54 wrong of 7071), recall 99.32% ...
    """
    m = measured(heuristic, path)
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


def source(path=None):
    """Where the rates come from, in one sentence: the command, its cases and its setting.

    Examples
    --------
    >>> print(source())  # doctest: +ELLIPSIS
    `tracelab evaluate --cases 2 ... --seed 1`: 90 lab cases (seed 1, 800 background transactions a case), ...
    """
    t = _table(path)
    return (f"`{t['command']}`: {t['cases']} lab cases (seed {t['seed']}, {t['background']} background "
            "transactions a case), every setting of the run added up (setting `all`: each difficulty, with no "
            "launderer mistake and with each one); 95% Wilson score intervals; rates on the lab's cases, whose "
            "truth is known, not on mainnet (docs/heuristics.md)")
