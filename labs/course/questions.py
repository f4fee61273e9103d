"""Questions and how an answer to each is read, compared and scored.

A question has a kind, and the kind says what an answer may be and how it is scored:

============  ==========================================  =========================================
kind          an answer is                                scored
============  ==========================================  =========================================
address       one address (EVM ``0x..`` or bech32)        exact (EVM addresses compared lower-case)
address_set   several addresses                           precision and recall: points x F1
tx_hash       one transaction hash                        exact
amount        an integer of base units (satoshi, wei)     exact, or within a stated tolerance
choice        one of the question's choices               exact
number        a number (a count, a share)                 exact, or within a stated tolerance
text          free text                                   a rubric of key ideas, each worth a share
============  ==========================================  =========================================

Points are exact fractions (:class:`fractions.Fraction`); they are shown with two decimals.
Only kinds whose answers cannot be guessed by trying a few values get self-checks in notebooks
(:data:`SELF_CHECKED`): an address, a set of addresses, a transaction hash, an exact amount.
"""
from __future__ import annotations

import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction

KINDS = ("address", "address_set", "tx_hash", "amount", "choice", "number", "text")
#: kinds an answer to which has too many possible values to be found by trying them
SELF_CHECKED = ("address", "address_set", "tx_hash", "amount")

_EVM_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_BECH32 = re.compile(r"^(bc|tb|bcrt)1[02-9ac-hj-np-z]{6,87}$")
_BASE58 = re.compile(r"^[123mn2][1-9A-HJ-NP-Za-km-z]{25,34}$")
_TX = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


class AnswerError(ValueError):
    """An answer that is not of the kind its question asks for (the message says what is wrong)."""


@dataclass(frozen=True)
class Question:
    """One question of a module.

    Parameters
    ----------
    id : str
        ``"<module number>.<name>"``, e.g. ``"3.cashout_deposit"``: the id trainees pass to
        ``course.answer`` and graders see in the gradebook.
    kind : str
        One of :data:`KINDS`.
    prompt : str
        What is asked, in one sentence.
    points : int
        What a right answer is worth.
    choices : tuple of str, or a function of the case's bundle folder giving them
        For ``choice``: the allowed answers. A function gives each case its own (the exchanges
        of the case's tags, say); its docstring's first line says what they are.
    tolerance : int or str
        For ``amount`` (base units) and ``number``: how far from the expected answer still counts
        as right. A string ending in ``%`` is relative to the expected answer (``"1%"``).
    rubric : tuple of tuple of str
        For ``text``: the key ideas, each a tuple of words or phrases any one of which shows it.
        Each idea found is worth an equal share of the points.
    look_again : str
        Shown in feedback when the answer is not right: where to look again (never the answer).
    """

    id: str
    kind: str
    prompt: str
    points: int = 1
    choices: tuple | Callable = ()
    tolerance: int | str = 0
    rubric: tuple = ()
    look_again: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"question {self.id}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if not re.fullmatch(r"\d+\.[a-z0-9_]+", self.id):
            raise ValueError(f"question id {self.id!r}: expected '<module number>.<name>', e.g. '3.cashout_deposit'")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"question {self.id}: a choice needs its choices")
        if self.kind == "text" and not self.rubric:
            raise ValueError(f"question {self.id}: free text needs a rubric")

    def options(self, bundle=None) -> tuple:
        """The allowed answers of a ``choice``, for the case in ``bundle`` when they depend on it."""
        if not callable(self.choices):
            return tuple(self.choices)
        if bundle is None:
            raise AnswerError(f"{self.id}: its choices come from your case, and no case was given")
        return tuple(self.choices(bundle))

    @property
    def choices_text(self) -> str:
        """The choices, or what they are when each case has its own."""
        if callable(self.choices):
            return (self.choices.__doc__ or "the case's own").strip().splitlines()[0].rstrip(".")
        return ", ".join(map(repr, self.choices))

    @property
    def self_checked(self) -> bool:
        """Whether notebooks may self-check it (high-entropy kinds, exact answers only)."""
        return self.kind in SELF_CHECKED and not (self.kind == "amount" and self.tolerance)


# -- reading an answer ---------------------------------------------------------------------
def _address(value, qid) -> str:
    if not isinstance(value, str):
        raise AnswerError(f"{qid}: an address is text, such as \"bcrt1q...\" or \"0x...\", not {type(value).__name__}")
    v = value.strip()
    if _EVM_ADDRESS.match(v):
        return v.lower()
    if _BECH32.match(v.lower()) and (v == v.lower() or v == v.upper()):
        return v.lower()
    if _BASE58.match(v):
        return v
    raise AnswerError(f"{qid}: {value!r} is not an address (copy it whole from a table: \"bcrt1q...\" or \"0x...\")")


def _integer(value, qid, what) -> int:
    if isinstance(value, bool):
        raise AnswerError(f"{qid}: {what} is a number, not {value}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d[\d_, ]*", value):
        return int(re.sub(r"[\s_,]", "", value))
    if hasattr(value, "base_units"):  # an amount that carries its own units
        return _integer(value.base_units, qid, what)
    if isinstance(value, float):
        raise AnswerError(f"{qid}: {what} must be exact, in base units (an integer such as 44614190), "
                          f"not the decimal {value!r}")
    raise AnswerError(f"{qid}: {what} must be an integer of base units, such as 44614190; got {value!r}")


def normalize(q: Question, value, bundle=None):
    """The canonical form of ``value`` as an answer to ``q`` (raises :class:`AnswerError`);
    ``bundle`` is the case's folder, for choices that come from the case.

    Examples
    --------
    >>> normalize(Question("3.x", "address", "?"), " 0xAbCdEf0123456789abcdef0123456789ABCDEF01 ")
    '0xabcdef0123456789abcdef0123456789abcdef01'
    >>> normalize(Question("3.x", "amount", "?"), "44,614,190")
    44614190
    >>> normalize(Question("3.x", "amount", "?"), 0.446)
    Traceback (most recent call last):
    ...
    labs.course.questions.AnswerError: 3.x: an amount must be exact, in base units (an integer such as 44614190), not the decimal 0.446
    """
    k, qid = q.kind, q.id
    if value is ... or value is None:
        raise AnswerError(f"{qid}: no answer given")
    if k == "address":
        return _address(value, qid)
    if k == "address_set":
        if isinstance(value, str):
            value = [v for v in re.split(r"[\s,;]+", value) if v]
        try:
            items = list(value)
        except TypeError:
            raise AnswerError(f"{qid}: give a list of addresses, such as [\"bcrt1q...\", \"bcrt1q...\"]") from None
        return sorted({_address(v, qid) for v in items})
    if k == "tx_hash":
        if not isinstance(value, str) or not _TX.match(value.strip()):
            raise AnswerError(f"{qid}: {value!r} is not a transaction hash (64 hexadecimal characters)")
        v = value.strip().lower()
        return v
    if k == "amount":
        return _integer(value, qid, "an amount")
    if k == "number":
        if isinstance(value, bool):
            raise AnswerError(f"{qid}: expected a number, got {value}")
        if isinstance(value, numbers.Integral):
            return int(value)
        try:
            d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
        except InvalidOperation:
            raise AnswerError(f"{qid}: {value!r} is not a number") from None
        if not d.is_finite():
            raise AnswerError(f"{qid}: {value!r} is not a finite number")
        return int(d) if d == d.to_integral_value() else format(d.normalize(), "f")
    if k == "choice":
        choices = q.options(bundle)
        if not isinstance(value, str):
            raise AnswerError(f"{qid}: pick one of {', '.join(map(repr, choices))}")
        for c in choices:
            if value.strip().lower() == c.lower():
                return c
        raise AnswerError(f"{qid}: {value!r} is not one of the choices: {', '.join(map(repr, choices))}")
    if k == "text":
        if not isinstance(value, str) or not value.strip():
            raise AnswerError(f"{qid}: write your answer as text between quotes")
        return value.strip()
    raise AssertionError(k)


def canonical_text(q: Question, value, bundle=None) -> str:
    """The text a self-check hashes: one spelling for every way of writing the same answer."""
    v = normalize(q, value, bundle)
    if q.kind == "tx_hash":
        v = v[2:] if v.startswith("0x") else v
    return ",".join(v) if isinstance(v, list) else str(v)


# -- scoring ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mark:
    """The score of one answer: ``points`` of ``max_points``, a verdict and, when not right, a note."""

    points: Fraction
    max_points: int
    verdict: str  # right, partly right, wrong, unanswered, invalid, not applicable
    note: str = ""
    detail: dict = field(default_factory=dict)


def _tolerance(q: Question, expected) -> Fraction:
    t = q.tolerance
    if isinstance(t, str) and t.endswith("%"):
        return abs(Fraction(expected)) * Fraction(t[:-1]) / 100
    return Fraction(t)


def _f1(given: list, expected: list) -> tuple[Fraction, dict]:
    g, e = set(given), set(expected)
    hit = len(g & e)
    if not g or not e or not hit:
        return Fraction(0), {"found": hit, "expected": len(e), "extra": len(g - e)}
    precision, recall = Fraction(hit, len(g)), Fraction(hit, len(e))
    return 2 * precision * recall / (precision + recall), {"found": hit, "expected": len(e), "extra": len(g - e)}


def _rubric(text: str, rubric) -> tuple[Fraction, dict]:
    low = " " + re.sub(r"\s+", " ", text.lower()) + " "
    found = [any(w.lower() in low for w in idea) for idea in rubric]
    return Fraction(sum(found), len(rubric)), {"ideas": len(rubric), "found": sum(found)}


def score(q: Question, given, expected, *, recorded: bool = True, bundle=None) -> Mark:
    """Score ``given`` (as recorded) against ``expected`` (from the trainee's key); ``bundle`` is
    the trainee's case folder, for choices that come from the case.

    ``expected`` None means the question does not apply to this case: it is worth nothing either way.

    Examples
    --------
    >>> q = Question("3.s", "address_set", "?", points=2)
    >>> score(q, ["0x" + "a" * 40, "0x" + "b" * 40], ["0x" + "a" * 40, "0x" + "c" * 40]).points
    Fraction(1, 1)
    >>> score(Question("3.a", "amount", "?", tolerance="1%"), 995, 1000).verdict
    'right'
    """
    if expected is None:
        return Mark(Fraction(0), 0, "not applicable", "this question does not apply to your case")
    if not recorded:
        return Mark(Fraction(0), q.points, "unanswered", q.look_again)
    try:
        g = normalize(q, given, bundle)
    except AnswerError as exc:
        return Mark(Fraction(0), q.points, "invalid", f"{exc}. {q.look_again}".strip())
    if q.kind == "text":
        share, detail = _rubric(g, q.rubric)
    elif q.kind == "address_set":
        share, detail = _f1(g, normalize(q, expected))
    elif q.kind in ("amount", "number"):
        e = normalize(q, expected)
        share, detail = Fraction(abs(Fraction(g) - Fraction(e)) <= _tolerance(q, e)), {}
    else:
        share, detail = Fraction(canonical_text(q, g, bundle) == canonical_text(q, expected, bundle)), {}
    points = share * q.points
    verdict = "right" if share == 1 else "wrong" if share == 0 else "partly right"
    note = "" if share == 1 else q.look_again
    if q.kind == "address_set" and share < 1:
        note = (f"{detail['found']} of the {detail['expected']} addresses found; {detail['extra']} of yours "
                f"do not belong. {q.look_again}").strip()
    elif q.kind == "text" and share < 1:
        note = (f"{detail['found']} of {detail['ideas']} key ideas found; your instructor reads every answer. "
                f"{q.look_again}").strip()
    return Mark(points, q.points, verdict, note, detail)


def show_points(p: Fraction) -> str:
    """Points with two decimals, rounded half to even (an exact fraction shown, never a float).

    Examples
    --------
    >>> show_points(Fraction(2, 3)), show_points(Fraction(1))
    ('0.67', '1')
    """
    d = (Decimal(p.numerator) / Decimal(p.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return str(int(d)) if d == d.to_integral_value() else str(d)
