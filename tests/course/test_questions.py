from fractions import Fraction

import pytest

from labs.course.questions import AnswerError, Question, canonical_text, normalize, score, show_points

A = "bcrt1qh53dmdy3laazc2nlkh9mphd382c2gv4mmeffn5"
B = "bcrt1qdew968006j4smnxmn380qe3vk0nmuuwwv4cf07"
C = "bcrt1qtd83z8655vgkr4c52454l9yxvp2ftkn56t0sp0"


def q(kind, **kw):
    return Question("3.x", kind, "?", **kw)


def test_kinds_read_answers_as_investigators_write_them():
    assert normalize(q("address"), A.upper()) == A
    assert normalize(q("address_set"), f"{B}, {A}\n{A}") == sorted([A, B])
    assert normalize(q("tx_hash"), "0x" + "AB" * 32) == "0x" + "ab" * 32
    assert canonical_text(q("tx_hash"), "0x" + "ab" * 32) == "ab" * 32
    assert normalize(q("amount"), "44 614 190") == 44614190
    assert normalize(q("amount"), 10 ** 30) == 10 ** 30
    assert normalize(q("choice", choices=("fifo", "haircut")), " FIFO ") == "fifo"
    assert normalize(q("number"), 0.25) == "0.25"


@pytest.mark.parametrize("kind, value, says", [
    ("address", "Kestrel Exchange", "is not an address"),
    ("amount", 0.446, "must be exact, in base units"),
    ("amount", True, "is a number"),
    ("tx_hash", "abc", "64 hexadecimal"),
    ("choice", "lifo", "not one of the choices"),
    ("text", "   ", "write your answer"),
])
def test_wrong_kinds_say_what_is_wrong(kind, value, says):
    with pytest.raises(AnswerError, match=says):
        normalize(q(kind, choices=("fifo",), rubric=(("x",),)), value)


def test_address_sets_score_by_precision_and_recall():
    m = score(q("address_set", points=3), [A, B, "bcrt1qx2x9tnmlqwde7vxjep65fd0psezl7s7n9w6zap"], [A, B, C])
    assert m.points == Fraction(2) and m.verdict == "partly right"  # P = R = 2/3: F1 2/3 of 3 points
    assert "2 of the 3 addresses found; 1 of yours do not belong" in m.note
    assert score(q("address_set"), [A, B, C], [C, A, B]).verdict == "right"


def test_amount_tolerance_is_exact_integers():
    assert score(q("amount"), 1000, 1000).verdict == "right"
    assert score(q("amount"), 1001, 1000).verdict == "wrong"
    assert score(q("amount", tolerance=5), 1005, 1000).verdict == "right"
    assert score(q("amount", tolerance="0.5%"), 10 ** 20 + 5 * 10 ** 17, 10 ** 20).verdict == "right"
    assert score(q("amount", tolerance="0.5%"), 10 ** 20 + 5 * 10 ** 17 + 1, 10 ** 20).verdict == "wrong"


def test_free_text_by_rubric_and_the_unanswered():
    t = q("text", points=2, rubric=(("fifo", "first in"), ("court", "judge")))
    assert score(t, "Under FIFO the judge sees another amount", None if False else "").points == 2
    assert score(t, "it depends on fifo", "").points == 1
    assert score(t, None, "", recorded=False).verdict == "unanswered"
    assert score(q("amount"), "lots", 5).verdict == "invalid"
    assert score(q("amount"), 5, None).verdict == "not applicable"


def test_only_high_entropy_exact_answers_get_self_checks():
    assert q("address").self_checked and q("amount").self_checked and q("address_set").self_checked
    assert not q("amount", tolerance=1).self_checked
    assert not q("number").self_checked and not q("choice", choices=("a",)).self_checked


def test_points_show_two_decimals_from_fractions():
    assert [show_points(Fraction(n, 3)) for n in (1, 2, 30)] == ["0.33", "0.67", "10"]


def test_choices_that_come_from_the_case():
    def exchanges(bundle):
        """The exchanges of the case."""
        return {"b1": ("Kestrel Exchange",), "b2": ("Adriatic Coin", "Kestrel Exchange")}[bundle]

    c = q("choice", choices=exchanges)
    assert normalize(c, " kestrel EXCHANGE", "b1") == "Kestrel Exchange"
    with pytest.raises(AnswerError, match="not one of the choices: 'Kestrel Exchange'"):
        normalize(c, "Adriatic Coin", "b1")
    with pytest.raises(AnswerError, match="come from your case"):
        normalize(c, "Adriatic Coin")
    assert score(c, "adriatic coin", "Adriatic Coin", bundle="b2").verdict == "right"
    assert score(c, "Binance", "Adriatic Coin", bundle="b2").verdict == "invalid"
    assert c.choices_text == "The exchanges of the case"
