"""`tracelab evaluate`: every heuristic's error rates, measured against the keys of generated cases.

A court asks how often a technique is wrong. Here the truth is known: each case's key holds every
actor's addresses, every change output, CoinJoin, mixer note, bridge transfer and swap order
(``docs/key.md``). :func:`evaluate` generates seeded cases of one story per setting
(:mod:`.cases`: a difficulty, with no launderer mistake or with one), runs every heuristic on each
bundle's exports and tags as an investigator would, and scores each against the key
(:mod:`.scoring`): true positives, false positives and false negatives, with precision and recall
and their 95% Wilson intervals (:mod:`tracer.heuristics.rates`).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from .cases import BY_NAME, DIFFICULTIES, MISTAKES, generate, prices, setting_name, spec_text
from tracer.heuristics.rates import rates, wilson
from .scoring import Truth, score

__all__ = ["DIFFICULTIES", "MISTAKES", "Truth", "evaluate", "prices", "rates", "score", "spec_text", "wilson"]

ALL = "all"


def evaluate(cases=1, difficulties=("standard",), mistakes=None, background=800, seed=1, backend="auto",
             progress=None):
    """Score every heuristic on ``cases`` generated cases per setting.

    Parameters
    ----------
    cases : int
        Cases per setting, seeds ``seed`` to ``seed + cases - 1`` in every setting.
    difficulties : sequence of str
        Levels of :data:`DIFFICULTIES`.
    mistakes : sequence of str, optional
        Names of :data:`MISTAKES` to give a setting each, beside the setting without any
        (default: every one; ``[]``: the clean settings only).
    background : int
        Background transactions a case.
    progress : callable, optional
        ``progress(done, total, message)`` before and after each case.

    Returns
    -------
    dict
        ``rows``: one per heuristic and setting (and setting ``"all"``, every case added up), with
        ``tp``, ``fp``, ``fn`` and :func:`rates`; ``cases``: each case made; ``failed``: each case
        that could not be made or read, with the error (the others go on).
    """
    from tracer.heuristics import HEURISTICS, load, run
    from tracer.load.tagpack import load_tagpacks

    mistakes = [m.name for m in MISTAKES] if mistakes is None else list(mistakes)
    unknown = [d for d in difficulties if d not in DIFFICULTIES] + [m for m in mistakes if m not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown difficulty or mistake: {', '.join(map(repr, unknown))}")
    settings = [(d, m) for d in difficulties for m in [None, *mistakes]]
    names = [setting_name(d, m) for d, m in settings]
    totals, made, failed = {}, [], []
    total, done = len(settings) * cases, 0
    for (d, m), name in zip(settings, names, strict=True):
        for i in range(cases):
            if progress:
                progress(done, total, f"{name}: seed {seed + i}")
            with tempfile.TemporaryDirectory(prefix="tracelab-evaluate-") as tmp:
                try:
                    secs = generate(spec_text(d, m, seed + i, background), Path(tmp), backend)
                    bundle = Path(tmp) / "case"
                    t = load(bundle / "exports")
                    tags = load_tagpacks(bundle)
                    found = run(t, tags=tags, prices=prices())
                    scored = score(found.evidence, Truth.read(Path(tmp) / "case.key"), t)
                except Exception as e:  # noqa: BLE001 (a case that cannot be made is reported; the others go on)
                    failed.append({"setting": name, "seed": seed + i, "error": f"{type(e).__name__}: {e}"})
                    done += 1
                    continue
            made.append({"setting": name, "seed": seed + i, "generate_seconds": round(secs, 1),
                         "transfers": len(t), "skipped": sorted(found.skipped)})
            for h, counts in scored.items():
                for key in ((h, name), (h, ALL)):
                    totals[key] = tuple(a + b for a, b in zip(totals.get(key, (0, 0, 0)), counts, strict=True))
            done += 1
    if progress:
        progress(done, total, "done")
    order = {h: k for k, h in enumerate(HEURISTICS)}
    where = {n: k for k, n in enumerate([*names, ALL])}
    rows = [{"heuristic": h, "setting": s, "tp": tp, "fp": fp, "fn": fn, **rates(tp, fp, fn)}
            for (h, s), (tp, fp, fn) in sorted(totals.items(), key=lambda kv: (order.get(kv[0][0], len(order)),
                                                                                where[kv[0][1]]))]
    return {"rows": rows, "cases": made, "failed": failed, "seed": seed, "background": background,
            "settings": names}
