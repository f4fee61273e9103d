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
_TRACING = ("compare_rules", "deposits_into", "reached", "shares_at")
__all__ = ["AnswerNotAccepted", "Case", "CaseError", "CaseNotFound", "NotDone", "answer", "check", "compare_rules",
           "deposits_into", "open_case", "reached", "ready", "shares_at"]


def __getattr__(name):
    if name in _TRACING:
        from . import tracing

        return getattr(tracing, name)
    raise AttributeError(f"module 'labs.course' has no attribute {name!r}")


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
