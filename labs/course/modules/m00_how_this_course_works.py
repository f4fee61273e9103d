"""Module 00: how the course works. Open your case, read it, record an answer and check it."""
from __future__ import annotations

from pathlib import Path

from ..questions import Question

TITLE = "How this course works: open your case, record and check an answer"

QUESTIONS = [
    Question("0.first_payment_tx", "tx_hash",
             "The transaction hash of the earliest payment reported in your case file.",
             look_again="The reported payments are in time order; copy the whole hash of the first row."),
    Question("0.reports", "number", "How many payments were reported?",
             look_again="Count the rows of the reported payments (one victim may have paid several times)."),
    Question("0.total_reported", "amount", "The total of the reported payments, in base units.",
             look_again="Add up the amount column of the reported payments; it is already in base units."),
    Question("0.self_check", "choice", "What does course.check tell you about an answer?",
             choices=("the right answer", "right or not right", "other trainees' answers"),
             look_again="Read the paragraph on self-checks again."),
]


def expected(key: dict, bundle: Path) -> dict:
    victims = sorted(key["victims"], key=lambda v: (v["time"], v["tx"]))
    assets = {v.get("asset", "ETH") for v in victims}
    return {
        "0.first_payment_tx": victims[0]["tx"],
        "0.reports": len(victims),
        "0.total_reported": sum(int(v["amount"]) for v in victims) if len(assets) == 1 else None,
        "0.self_check": "right or not right",
    }
