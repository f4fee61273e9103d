"""The course: what a trainee's notebook calls, and the tools behind it.

In a notebook::

    from labs import course
    case = course.open_case()                          # your bundle: case/ beside the notebook
    course.answer("0.first_payment_tx", "c8d0b8...")   # recorded in answers.json beside the notebook
    course.check("0.first_payment_tx")                 # right or not right (never the answer)
    course.shares_at(case.transfers, case.sources, "bcrt1q...", hops=20)   # steps on a trace (.tracing)

Behind it: :mod:`labs.course.modules` (each module's questions and how its right answers are
computed from a trainee's key), :mod:`labs.course.selfcheck` (salted hashes in the bundle),
:mod:`labs.course.build` (solutions -> exercises), :mod:`labs.course.grade` (the grader) and
:mod:`labs.course.lab` (JupyterLab for a trainee).
"""
from .answers import AnswerNotAccepted, NotDone, answer, check
from .case import Case, CaseError, CaseNotFound, open_case

#: steps on a trace (:mod:`labs.course.tracing`), loaded with pandas when first used
_TRACING = ("compare_rules", "deposits_into", "reached", "sankey_groups", "shares_at")
__all__ = ["AnswerNotAccepted", "Case", "CaseError", "CaseNotFound", "NotDone", "answer", "check", "compare_rules",
           "deposits_into", "measured", "open_case", "reached", "ready", "sankey_groups", "shares_at"]


def __getattr__(name):
    if name in _TRACING:
        from . import tracing

        return getattr(tracing, name)
    raise AttributeError(f"module 'labs.course' has no attribute {name!r}")


def measured(heuristic: str) -> str:
    """What a heuristic's error rates were where the truth was known, to quote with it: its
    precision and recall on the lab's cases with their 95% intervals, and the command that measured
    them (``tracer/heuristics/measured.json``, ``docs/heuristics.md``).

    Examples
    --------
    >>> print(measured("deposit_address"))  # doctest: +ELLIPSIS
    deposit_address: measured on 90 lab cases: precision 100.00% (95% CI ...), recall ...
    Measured with `tracelab evaluate ...`: 90 lab cases ...
    """
    from tracer.heuristics.measured import cite, source

    sentence = cite(heuristic)
    if sentence is None:
        raise ValueError(f"{heuristic!r}: no measured rates (docs/heuristics.md lists the heuristics measured)")
    return f"{heuristic}: {sentence}.\nMeasured with {source()}."


def ready(**decisions):
    """Stop with "not done yet" while a decision the next steps need is still ``...``.

    Examples
    --------
    >>> ready(rule="fifo")
    >>> ready(rule=...)
    Traceback (most recent call last):
    ...
    labs.course.answers.NotDone: fill in rule (where the cell has ...), then run the cell again.
    """
    missing = [name for name, value in decisions.items() if value is ...]
    if missing:
        raise NotDone(f"fill in {', '.join(missing)} (where the cell has ...), then run the cell again.")
