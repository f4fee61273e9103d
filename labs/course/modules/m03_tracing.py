"""Module 03: tracing. One payment under each rule, all victims together in one trace, the
cash-out and whom to ask, what each rule credits each victim with there, backward to the
victims, the three figures, and why the rule matters in court.

The right answers come from the key (where the perpetrator cashed out) and from the tracer run on
the trainee's own bundle exactly as the solution notebook runs it. The module is for cases whose
cash-out is on the chain the victims paid on and whose money passes no CoinJoin: following value
across a bridge or a swap service is module 04's business, and past a CoinJoin no rule's figure is
one to ask an exchange with, so the grader says so for other cases rather than scoring them.
"""
from __future__ import annotations

from pathlib import Path

from ..questions import Question

TITLE = "Tracing: rules, many victims at once, the cash-out and whom to ask"
#: the catalog cases the module is written for (``unsupported`` says why another case is not)
CASES = ("investment-fraud",)
HOPS = 20
#: the rules compared at the cash-out, all victims traced together under each
RULES = ("fifo", "lifo", "haircut")


def exchanges(bundle) -> tuple[str, ...]:
    """The exchanges named in your case's tags."""
    from ..case import Case

    return Case(Path(bundle)).exchanges


QUESTIONS = [
    Question("3.rules_agree", "choice", "Traced forward from the first reported payment, do FIFO and haircut "
             "send it to the same places in the same amounts?", choices=("yes", "no"),
             look_again="Compare the fifo and haircut columns of the table of endpoints by rule."),
    Question("3.cashout_deposit", "address", "The deposit address at which the perpetrator cashed out.",
             points=2, look_again="Look at the deposit addresses that fed an exchange's hot wallet in the trace of "
             "all payments together: which one received most of the victims' money?"),
    Question("3.exchange", "choice", "The exchange to send the production order to.", choices=exchanges,
             look_again="Which exchange's hot wallet did the cash-out deposit address sweep into? Read the service "
             "column of the deposits table."),
    Question("3.cashout_amount", "amount", "What the perpetrator paid into that deposit address (base units).",
             look_again="Look up the transactions that paid the deposit address in the transfers table."),
    Question("3.haircut_all_victims", "amount", "Under haircut, how much of all the victims' money reached the "
             "cash-out deposit address, all payments traced together (base units)?",
             look_again="Read the haircut column of the 'all payments' row in the table of what each rule credits "
                        "each payment with at the cash-out."),
    Question("3.fifo_payments_at_cashout", "number", "Under FIFO, how many of the reported payments have any of "
             "their money at the cash-out deposit address?",
             look_again="Count the payments whose fifo figure is not 0 in the table of what each rule credits "
                        "each payment with at the cash-out (leave out the 'all payments' row)."),
    Question("3.first_payment_fifo", "amount", "Under FIFO, how much of the first reported payment reached the "
             "cash-out deposit address (base units)?",
             look_again="Read the fifo column of the row of payment #1 in the same table."),
    Question("3.first_payment_haircut", "amount", "Under haircut, how much of the first reported payment reached "
             "the cash-out deposit address (base units)?",
             look_again="Read the haircut column of the row of payment #1 in the same table."),
    Question("3.victims_reached", "address_set", "Traced backward from the cash-out deposit address under haircut, "
             "which of the reported victims' addresses does the money come from?", points=2,
             look_again="Keep the addresses of the backward trace that are in the payments' from column."),
    Question("3.hops_to_cashout", "number", "In the flow graph of all payments together, how many hops "
             "(transactions) from the victims' payments to the cash-out deposit address?", tolerance=1,
             look_again="Find the deposit address in the flow graph and read its hop on the axis below."),
    Question("3.days_to_cashout", "number", "How many whole days from the first reported payment to the "
             "cash-out?", tolerance=1,
             look_again="Compare the date of payment #1 in the payments table with the date the deposit address "
                        "was paid (the cell before the question prints both; the timeline shows the deposit)."),
    Question("3.exchange_share", "number", "In the Sankey diagram of all payments together, what percentage "
             "of the traced value stopped at the exchange's hot wallet that the cash-out deposit swept into?",
             tolerance=1, look_again="Find the hot wallet's group on the right of the Sankey diagram: its "
                                     "percentage is written beside it."),
    Question("3.why_rule_matters", "text", "In a few sentences: why does the tracing rule matter in court?",
             points=2, rubric=(
                 ("differ", "different", "disagree", "another amount", "other amount", "more", "less"),
                 ("fifo", "first in", "haircut", "pro rata", "proportion", "lifo", "poison"),
                 ("court", "judge", "defence", "defense", "prosecut", "evidence", "legal", "law"),
                 ("victim", "restitution", "confiscat", "seiz", "freez", "recover", "whose money", "claim"),
             ), look_again="Say what changes from one rule to another, and what a court decides with the figure."),
]


def cashout(key: dict) -> dict | None:
    """The perpetrator's cash-out at an exchange, from the key: the deposit address it paid the most
    into, with ``amount`` all it paid there (a key lists each deposit; 3.cashout_amount asks for the
    sum, as the trainee reads it off the transfers into the address)."""
    outs = [c for c in key.get("cashouts", []) if c.get("actor") == "perpetrator" and c.get("venue") == "exchange"]
    paid = {}
    for c in outs:
        where = _where(c)
        paid[where] = paid.get(where, 0) + int(c["amount"])
    if not paid:
        return None
    where = max(paid, key=paid.get)  # the first listed, on a tie
    first = next(c for c in outs if _where(c) == where)
    return {**first, "amount": str(paid[where])}


def _where(cashout: dict) -> tuple:
    return cashout.get("chain"), cashout.get("address"), cashout.get("asset")


def unsupported(key: dict) -> str | None:
    """Why this module cannot be graded on the case of ``key`` (None: it can)."""
    c = cashout(key)
    if c is None:
        return "the perpetrator does not cash out at an exchange in this case"
    if any(s.get("typology") == "coinjoin" for s in key.get("steps", [])):
        return "the money passes a CoinJoin in this case, past which no rule's figure is one to ask an exchange with"
    chains = {v.get("chain") for v in key.get("victims", [])}
    if chains != {c["chain"]}:
        return (f"the money is cashed out on another chain ({c['chain']}) than the victims paid on "
                f"({', '.join(sorted(map(str, chains)))}): following it across is module 04's")
    return None


def traced_answers(case, deposit: str) -> dict:
    """The answers the tracer gives on ``case`` (a :class:`labs.course.case.Case`) for ``deposit``,
    computed as the solution notebook computes them."""
    from tracer.trace import trace

    from ..tracing import ALL, compare_rules, deposits_into, sankey_groups, shares_at

    t, tags, sources = case.transfers, case.tags, case.sources
    first = sources[0]
    by_rule = compare_rules(t, first, ("fifo", "haircut"), hops=HOPS, stop=tags)
    at_cashout = shares_at(t, sources, deposit, RULES, hops=HOPS, stop=tags)
    together = trace(t, sources, rule="haircut", hops=HOPS, stop=tags)
    back = trace(t, deposit, direction="backward", rule="haircut", hops=HOPS, stop=tags)
    victims = sorted(set(back.flows["from"]) & set(case.payments["from"]))
    f = together.flows
    hops = f.loc[f["to"] == deposit, "hop"]
    cashed_out = case.first_paid(deposit)
    deposits = deposits_into(together, case.exchange_wallets)
    wallet = deposits.loc[deposits["deposit"] == deposit, "service"]
    groups = sankey_groups(together)
    share = groups.loc[groups["group"] == wallet.iloc[0], "percent"] if len(wallet) else ()
    return {
        "3.rules_agree": "yes" if list(by_rule["fifo"]) == list(by_rule["haircut"]) else "no",
        "3.haircut_all_victims": at_cashout.loc[ALL, "haircut"],
        "3.fifo_payments_at_cashout": sum(v > 0 for v in at_cashout["fifo"].drop(ALL)),
        "3.first_payment_fifo": at_cashout.loc[first.name, "fifo"],
        "3.first_payment_haircut": at_cashout.loc[first.name, "haircut"],
        "3.victims_reached": victims or None,
        "3.hops_to_cashout": int(hops.min()) if len(hops) else None,
        "3.days_to_cashout": (cashed_out - case.payments["date"].iloc[0]).days if cashed_out is not None else None,
        "3.exchange_share": share.iloc[0] if len(share) else None,
    }


def expected(key: dict, bundle: Path) -> dict:
    from ..case import Case

    out = dict.fromkeys(q.id for q in QUESTIONS)
    if unsupported(key):
        return out
    c = cashout(key)
    case = Case(Path(bundle))
    out.update({"3.cashout_deposit": c["address"], "3.cashout_amount": int(c["amount"]),
                "3.exchange": c["exchange"] if c.get("exchange") in case.exchanges else None,
                "3.why_rule_matters": ""})  # free text: scored by its rubric
    traced = traced_answers(case, c["address"].lower() if c["address"].startswith("0x") else c["address"])
    out.update(traced)
    return out
