"""Module 03: tracing. Forward under each rule, all victims together, the cash-out and whom to
ask, backward to the victims, the three figures, and why the rule matters in court.

The right answers come from the key (where the perpetrator cashed out) and from the tracer run on
the trainee's own bundle exactly as the solution notebook runs it. Questions that need a trace
do not apply (None) to a case whose cash-out is on another chain than the reported payments:
following value across a bridge or a swap service is module 04's business.
"""
from __future__ import annotations

from pathlib import Path

from ..questions import Question

TITLE = "Tracing: rules, many victims at once, the cash-out and whom to ask"
HOPS = 20
EXCHANGES = ("Kestrel Exchange", "Adriatic Coin")

QUESTIONS = [
    Question("3.rules_agree", "choice", "Traced forward from the first reported payment, do FIFO and haircut "
             "send it to the same places in the same amounts?", choices=("yes", "no"),
             look_again="Compare the FIFO and haircut columns of the table of endpoints by rule."),
    Question("3.cashout_deposit", "address", "The deposit address at which the perpetrator cashed out.",
             points=2, look_again="Look at the deposit addresses that fed an exchange's hot wallet in the trace of "
             "all victims together: which one received most of the victims' money?"),
    Question("3.exchange", "choice", "The exchange to send the production order to.", choices=EXCHANGES,
             look_again="Which exchange's hot wallet did the cash-out deposit address sweep into? Read its tag."),
    Question("3.cashout_amount", "amount", "What the perpetrator paid into that deposit address (base units).",
             look_again="Look up the transactions that paid the deposit address in the transfers table."),
    Question("3.haircut_all_victims", "amount", "Under haircut, how much of all the victims' money reached the "
             "cash-out deposit address, traced together (base units)?", tolerance="0.1%",
             look_again="Add up, over every victim's trace under haircut, what reached the deposit address."),
    Question("3.first_payment_fifo", "amount", "Under FIFO, how much of the first reported payment reached the "
             "cash-out deposit address (base units)?", tolerance="1%",
             look_again="Trace the first payment under FIFO and read what reached the deposit address."),
    Question("3.first_payment_haircut", "amount", "Under haircut, how much of the first reported payment reached "
             "the cash-out deposit address (base units)?", tolerance="1%",
             look_again="Trace the first payment under haircut and read what reached the deposit address."),
    Question("3.victims_reached", "address_set", "Traced backward from the cash-out deposit address under haircut, "
             "which of the reported victims' addresses does the money come from?", points=2,
             look_again="Keep the addresses of the backward trace that are in the payments' from column."),
    Question("3.hops_to_cashout", "number", "In the flow graph, how many hops (transactions) from the first "
             "payment to the cash-out deposit address?", tolerance=1,
             look_again="Count the columns of the flow graph from the first payment to the deposit address."),
    Question("3.days_to_cashout", "number", "In the timeline, how many whole days from the first reported "
             "payment to the cash-out?", tolerance=1,
             look_again="Read the dates of the first payment and of the deposit on the timeline."),
    Question("3.why_rule_matters", "text", "In a few sentences: why does the tracing rule matter in court?",
             points=2, rubric=(
                 ("differ", "different", "disagree", "another amount", "other amount", "more", "less"),
                 ("fifo", "first in", "haircut", "pro rata", "proportion", "lifo", "poison"),
                 ("court", "judge", "defence", "defense", "prosecut", "evidence", "legal", "law"),
                 ("victim", "restitution", "confiscat", "seiz", "freez", "recover", "whose money", "claim"),
             ), look_again="Say what changes from one rule to another, and what a court decides with the figure."),
]


def cashout(key: dict) -> dict | None:
    """The perpetrator's cash-out at an exchange (the largest, if several), from the key."""
    outs = [c for c in key.get("cashouts", []) if c.get("actor") == "perpetrator" and c.get("venue") == "exchange"]
    return max(outs, key=lambda c: int(c["amount"])) if outs else None


def traced_answers(case, deposit: str) -> dict:
    """The answers the tracer gives on ``case`` (a :class:`labs.course.case.Case`) for ``deposit``,
    computed as the solution notebook computes them."""
    from tracer.trace import trace

    from ..tracing import compare_rules, reached, trace_each

    t, stop, sources = case.transfers, case.services, case.payment_sources()
    first = {rule: trace(t, sources[0], rule=rule, hops=HOPS, stop=stop) for rule in ("fifo", "haircut")}
    table = compare_rules(t, sources[0], ("fifo", "haircut"), hops=HOPS, stop=stop)

    all_flows, _ = trace_each(t, sources, rule="haircut", hops=HOPS, stop=stop)
    back_flows, _ = trace(t, deposit, direction="backward", rule="haircut", hops=HOPS, stop=stop)
    victims = sorted(set(back_flows["from"]) & set(case.payments["from"]))
    into = first["haircut"][0]
    hops = into.loc[into["to"] == deposit, "hop"]
    when = t.loc[t["to"] == deposit, "timestamp"]
    return {
        "3.rules_agree": "yes" if list(table["fifo"]) == list(table["haircut"]) else "no",
        "3.haircut_all_victims": reached(all_flows, deposit),
        "3.first_payment_fifo": reached(first["fifo"][0], deposit),
        "3.first_payment_haircut": reached(first["haircut"][0], deposit),
        "3.victims_reached": victims or None,
        "3.hops_to_cashout": int(hops.min()) if len(hops) else None,
        "3.days_to_cashout": (int(when.min()) - _first_time(case)) // 86400 if len(when) else None,
    }


def _first_time(case) -> int:
    t = case.transfers
    return int(t.loc[t["tx_hash"] == case.payments["tx"].iloc[0], "timestamp"].min())


def expected(key: dict, bundle: Path) -> dict:
    from ..case import Case

    out = dict.fromkeys(q.id for q in QUESTIONS)
    out["3.why_rule_matters"] = ""  # free text: scored by its rubric
    c = cashout(key)
    if c is None:
        return out
    out.update({"3.cashout_deposit": c["address"], "3.cashout_amount": int(c["amount"]),
                "3.exchange": c["exchange"] if c.get("exchange") in EXCHANGES else None})
    case = Case(Path(bundle))
    if case.payments.empty or {v.get("chain") for v in key.get("victims", [])} != {c["chain"]}:
        return out  # the trace would have to cross chains
    out.update(traced_answers(case, c["address"]))
    return out
