"""A trace written as a markdown report: where the value stopped and whose it is, what the trace
rests on (:mod:`tracer.heuristics.citations`: each heuristic with its measured error rates, or
none), and the transactions behind each endpoint.

``tracelab trace ... --report FILE`` writes one for any trace (plain or ``--follow``), and
``tracelab demo`` builds its report from the same parts. Amounts are exact, in whole units of
their asset; every row names its transactions.
"""
from __future__ import annotations

import hashlib
from pathlib import Path


def md(value):
    """``value`` as text that cannot break a markdown table."""
    return str(value).replace("|", "\\|")


def who_gets_what(result, title="Who gets what back", who="source") -> list[str]:
    """Where the traced value stopped, largest first, and each source's share of it (``who``: what
    a source is called, as "victim"); of one source, the endpoints alone (its share is all)."""
    many = len(result.sources) > 1
    cols = ["endpoint", "label", "entry", "why", "total"] + ([who, "amount", "share"] if many else [])
    lines = [f"## {title}", "",
             "Where the traced value stopped, largest first" + (f", and each {who}'s share of it" if many else "")
             + ". At an attributed service the entry address is the one the value reached it through (an exchange "
             "customer's deposit address): the production order asks for the customer behind it.", "",
             "| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    previous = None
    for r in result.shares().itertuples():
        key = (r.chain, r.address, r.asset, r.why, r.entry)
        head = key != previous
        previous = key
        cells = [f"`{r.address}`" if head else "", md(r.label or "") if head else "",
                 f"`{r.entry}`" if head and r.entry else "", r.why if head else "",
                 result.amount(r.total, r.asset) if head else ""]
        if many:
            cells += [md(r.source), result.amount(r.amount, r.asset), r.percent]
        lines.append("| " + " | ".join(cells) + " |")
    note = onward_note(result)
    return lines + (["", note] if note else []) + [""]


def onward_note(result):
    """What to do where traced value stopped at a DeFi contract (a bridge, a swap pool), a mixer or
    an instant swap service, or None: a contract has no customer records to produce, a mixer's
    withdrawals are linked to its deposits by heuristics only, and what a swap service paid out for
    a deposit is on another chain. ``result``: a trace, plain or followed."""
    followed = hasattr(result, "legs")
    first = result.results[0] if followed else result
    ends = result.final() if followed else result.endpoints
    at = _stopped_at(first.tags, ends, _utxo_chains(result.flows))
    contracts, mixers, swaps = at["defi"], at["mixer"], at["swap"]
    notes = []
    if contracts:
        onward = ("; follow the value through it to where it went next (`tracelab trace --follow bridge,swap`, "
                  "which says which heuristic carries it on)") if first.direction == "forward" and not followed \
            else ""
        notes.append(f"{', '.join(contracts)}: a contract, not a custodian. It keeps no customer records to "
                     f"produce{onward}.")
    if mixers and first.direction == "forward":
        notes.append(f"{', '.join(mixers)}: a mixer. The chain does not say which withdrawal pays out which "
                     "deposit; `tracelab heuristics --only mixer` lists the links heuristics find (the same "
                     "address, gas funding, timing), each with its confidence.")
    if swaps and first.direction == "forward":
        notes.append(f"{', '.join(swaps)}: an instant swap service. Its order records (the production order, "
                     "for the deposit address in the entry column) say what it paid out for the deposit, on "
                     "another chain; `tracelab trace --follow swap --price SYMBOL=PRICE ...` follows the payout "
                     "that matches in amount and time, a heuristic, with its measured error rates.")
    return " ".join(notes) or None


def _utxo_chains(flows):
    from tracer.result import utxo_transactions

    txs = utxo_transactions(flows)
    return {c for c, f in zip(flows["chain"], flows["from"], strict=True) if f in txs}


def _stopped_at(tags, endpoints, utxo=()):
    """``{"defi": labels, "mixer": labels, "swap": labels}``: the DeFi contracts (GraphSense
    categories ``defi``, ``defi_bridge``, ...), mixers and instant swap services (an exchange whose
    label says so) where traced value stopped as at an attributed service. A mixer on a UTXO chain
    (a CoinJoin coordinator's fee address) is left out: the mixer heuristics link pool deposits
    on account chains, and a CoinJoin is followed through its transaction."""
    from tracer.heuristics.services import MIXER, SWAP_LABEL

    found = {"defi": [], "mixer": [], "swap": []}
    if tags is None or "category" not in tags.columns:
        return found
    kinds = {}
    for a, label, c in zip(tags["address"], tags["label"], tags["category"], strict=True):
        if not (isinstance(a, str) and isinstance(c, str)):
            continue
        kind = "defi" if c.startswith("defi") else "mixer" if c in MIXER else \
            "swap" if SWAP_LABEL.search(str(label)) else None
        if kind:
            kinds[a.lower()] = (kind, str(label))
    at = endpoints[endpoints["why"] == "attributed service"]
    stopped = {kinds[a] for a, c in zip(at["address"], at["chain"], strict=True)
               if a in kinds and not (c in utxo and kinds[a][0] == "mixer")}
    for kind, label in sorted(stopped, key=lambda k: k[1]):
        found[kind].append(label)
    return found


def transactions(result, who="source") -> list[str]:
    """Each endpoint with the transactions that brought the value there (and whose value it was,
    when several sources are traced)."""
    many = len(result.sources) > 1
    cols = ["endpoint"] + ([who] if many else []) + ["amount", "hops", "why", "transactions"]
    lines = ["## The transactions behind each endpoint", "",
             "| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    e = result.endpoints
    for r in e[e["why"] != "converted"].sort_values(["amount", "address"], ascending=[False, True]).itertuples():
        lines.append(f"| `{r.address}` | " + (f"{md(r.source)} | " if many else "")
                     + f"{result.amount(r.amount, r.asset)} | {r.hops} | {r.why} | {_hashes(r.path)} |")
    return lines + [""]


def legs(followed) -> list[str]:
    """The legs of a trace that follows heuristics, each with its heuristic, confidence and reason."""
    lines = ["## The legs", "",
             "Leg 0 is the trace itself; each other leg goes on where a heuristic says the value went, from the "
             "leg that reached its start. A leg that is not exact carries at most the amounts shown (its note "
             "says why).", "",
             "| leg | from leg | heuristic | confidence | start | exact | reason |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for g in followed.legs.itertuples():
        why = g.reason if g.note is None else f"{g.reason} ({g.note})"
        lines.append(f"| {g.leg} | {'' if g.parent is None else g.parent} | {g.heuristic or 'none'} | "
                     f"{g.confidence or ''} | `{g.start}` | {'yes' if g.exact else 'no'} | {md(why)} |")
    return lines + [""]


def stops(followed) -> list[str]:
    """Where the value of a trace that follows heuristics stops for good, leg by leg: each endpoint
    once per source, with how many transfers brought it there."""
    lines = ["## Where the value stops", "",
             "| leg | endpoint | label | entry | why | amount | transfers | source | transactions |",
             "| --- | --- | --- | --- | --- | --- | ---: | --- | --- |"]
    for e in followed.stops().itertuples():
        amount = followed.results[int(e.leg)].amount(e.amount, e.asset)
        lines.append(f"| {e.leg} | `{e.address}` | {md(e.label or '')} | {f'`{e.entry}`' if e.entry else ''} | "
                     f"{e.why} | {amount} | {e.transfers} | {md(e.source)} | {_hashes(e.txs)} |")
    note = onward_note(followed)
    return lines + (["", note] if note else []) + [""]


def _hashes(path):
    """An endpoint's path as the report's cell: each transaction once, in order."""
    return ", ".join(f"`{h}`" for h in dict.fromkeys(path))


def data_line(data) -> str:
    """What was traced: each path given, and the hash of a bundle's manifest where there is one."""
    parts = []
    for d in data:
        p = Path(d)
        manifest = p / "MANIFEST.sha256" if p.is_dir() else None
        if manifest is not None and manifest.is_file():
            digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
            parts.append(f"`{p.resolve().name}/` (MANIFEST.sha256 hashes to `{digest}`)")
        else:
            parts.append(f"`{p}`")
    return "Data: " + ", ".join(parts) + "."


def report(result, transfers, data=(), tags=None, title=None, rates=None) -> str:
    """The markdown report of ``result`` (a :class:`tracer.result.TraceResult` or a
    :class:`tracer.heuristics.follow.FollowedTrace`) over ``transfers``; ``rates``: a rates file
    other than the shipped one (:mod:`tracer.heuristics.measured`).

    Examples
    --------
    >>> import tracer as tr
    >>> from tracer.heuristics.examples import tx, utxo
    >>> t = utxo(tx("a" * 64, [("src", 10_000)], [("p", 6_000), ("q", 3_900)]))
    >>> text = report(tr.trace(t, "src", hops=2), t)
    >>> [line for line in text.splitlines() if line.startswith("#")]  # doctest: +NORMALIZE_WHITESPACE
    ['# Trace report: fifo forward from src', '## Who gets what back', '## What this trace relies on',
     '## The transactions behind each endpoint']
    """
    from tracer.heuristics.citations import section

    followed = hasattr(result, "legs")
    first = result.results[0] if followed else result
    names = ", ".join(s.name for s in first.sources[:4]) + (f" and {len(first.sources) - 4} more"
                                                            if len(first.sources) > 4 else "")
    lines = [f"# {title or f'Trace report: {first.rule} {first.direction} from {names}'}", ""]
    if data:
        lines += [data_line(data), ""]
    lines += [f"Rule: {first.rule}, {first.direction}, at most {first.hops} hops"
              + (", stopping at attributed services" if first.tags is not None else "") + "."
              + (" Several sources are traced together, each its own colour, so no unit is counted for two."
                 if len(first.sources) > 1 else ""), ""]
    if followed:
        lines += legs(result) + stops(result)
    else:
        lines += who_gets_what(result, "Who gets what back" if result.direction == "forward" else
                               "Where the value came from")
    lines += section(result, transfers, tags, path=rates)
    if not followed:
        lines += transactions(result)
    return "\n".join(lines) + "\n"
