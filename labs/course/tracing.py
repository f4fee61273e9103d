"""Small steps an investigator takes on a trace, for notebooks: how much reached an address, which
deposit addresses fed an exchange, and what each rule credits each payment with at one address.

They read the tracer's results (:class:`tracer.result.TraceResult`, or its ``flows`` table) and
keep amounts exact: integers of base units throughout.
"""
from __future__ import annotations

import pandas as pd

ALL = "all payments"


def _flows(trace):
    return trace.flows if hasattr(trace, "flows") else trace


def reached(trace, address: str, source: str | None = None) -> int:
    """Traced value (base units) that arrived at ``address``: the ``tainted`` amounts of the flows
    into it, of every source or only of ``source`` (its label).

    Examples
    --------
    >>> f = pd.DataFrame({"source": ["v", "v", "w"], "from": ["a", "b", "a"], "to": ["b", "c", "c"],
    ...                   "tainted": [5, 2, 1]})
    >>> reached(f, "c"), reached(f, "c", source="w"), reached(f, " `c` ")
    (3, 1, 3)
    """
    from tracer.sources import clean_address

    f = _flows(trace)
    into = f[f["to"] == clean_address(address)]  # as copied from a table: EIP-55 case, backticks
    if source is not None:
        into = into[into["source"] == source]
    return int(sum(int(v) for v in into["tainted"]))


def deposits_into(trace, services) -> pd.DataFrame:
    """The addresses from which traced value went straight into a service (an exchange's hot wallet).

    At an exchange those are the customers' deposit addresses: the exchange knows who each
    belongs to, so a production order names them. Returns ``deposit, service`` (its label, when
    the trace carries tags), ``amount`` (traced value that arrived at the deposit address, all
    sources together) and ``payments`` (how many sources it came from), largest first.

    Examples
    --------
    >>> f = pd.DataFrame({"source": ["v", "v"], "tx_hash": ["t1", "t2"], "from": ["v", "d"], "to": ["d", "hot"],
    ...                   "tainted": [7, 7]})
    >>> deposits_into(f, {"hot"}).values.tolist()
    [['d', 'hot', 7, 1]]
    """
    flows, labels = _flows(trace), getattr(trace, "labels", {}) or {}
    services = set(services)
    pairs = set()
    into = flows[flows["to"].isin(services)]
    for tx, frm, to in zip(into["tx_hash"], into["from"], into["to"], strict=True):
        # at a UTXO transaction (its own pool) the senders are the addresses of its inputs
        senders = flows.loc[(flows["to"] == tx) & (flows["tx_hash"] == tx), "from"] if frm == tx else [frm]
        pairs |= {(s, to) for s in senders if s not in services}
    rows = []
    for deposit, service in sorted(pairs):
        arrived = flows[flows["to"] == deposit]
        amount = int(sum(int(v) for v in arrived["tainted"]))
        if amount:  # a sweep gathers other customers' deposits too: only traced ones count
            rows.append([deposit, labels.get(service, service), amount, arrived["source"].nunique()])
    out = pd.DataFrame(rows, columns=["deposit", "service", "amount", "payments"], dtype=object)
    return out.sort_values(["amount", "deposit"], ascending=[False, True], ignore_index=True)


def compare_rules(transfers, sources, rules=("fifo", "lifo", "haircut", "poison"), **options) -> pd.DataFrame:
    """Trace ``sources`` forward under each rule: one row per endpoint address, one column per rule
    (base units that stopped there, all sources together; 0 where a rule sends nothing), so the
    places where rules disagree show side by side. ``options`` go to :func:`tracer.trace`."""
    from tracer.trace import trace

    columns = {}
    for rule in rules:
        ends = trace(transfers, sources, rule=rule, **options).endpoints
        totals: dict[str, int] = {}
        for a, v in zip(ends["address"], ends["amount"], strict=True):
            totals[a] = totals.get(a, 0) + int(v)
        columns[rule] = totals
    index = sorted(set().union(*columns.values()))
    return pd.DataFrame({r: [columns[r].get(a, 0) for a in index] for r in rules},
                        index=pd.Index(index, name="address"), dtype=object)


def shares_at(transfers, sources, address: str, rules=("fifo", "lifo", "haircut"), **options) -> pd.DataFrame:
    """What of each source reached ``address`` under each rule, all sources traced together.

    One row per source (its label) and a last row ``all payments``; columns ``paid`` (what the
    source sent, in the asset it sent) and one per rule, base units. Under every rule the sources
    are traced at once, each its own colour, so no unit is credited to two of them.
    ``options`` go to :func:`tracer.trace` (``hops``, ``stop``...).
    """
    from tracer.sources import as_sources
    from tracer.trace import trace

    sources = as_sources(sources)
    names = [s.name for s in sources]
    table = {"paid": None}
    for rule in rules:
        result = trace(transfers, sources, rule=rule, **options)
        if table["paid"] is None:
            table["paid"] = [_sent(result, n) for n in names]
        table[rule] = [reached(result, address, n) for n in names]
    out = pd.DataFrame(table, index=pd.Index(names, name="source"), dtype=object)
    out.loc[ALL] = [sum(out[c]) for c in out.columns]
    return out


def _sent(result, source: str) -> int:
    """What ``source`` sent, in the asset it sent (value converted on the way is counted once)."""
    first = result.flows[(result.flows["source"] == source) & (result.flows["hop"] == 1)]
    sent = result.sent()
    sent = sent[(sent["source"] == source) & sent["asset"].isin(set(first["asset"]))]
    return int(sum(int(v) for v in sent["amount"]))


def sankey_groups(trace, asset: str | None = None) -> pd.DataFrame:
    """The groups on the right of ``tracer.plot.sankey(trace)``, as a table: ``group`` (a tag's
    label, or why untagged value stopped), ``amount`` (base units) and ``percent`` of all the value
    that stopped (one decimal, as the figure writes it), largest first. The figure's own grouping:
    what a trainee reads off the drawing, exactly.
    """
    from tracer.plot import layout, view
    from tracer.result import percent

    groups = layout.sankey_groups(view.view(trace, need_endpoints=True), asset)
    rows = sorted(groups.size.items(), key=lambda kv: (-kv[1], kv[0]))
    return pd.DataFrame([[g, int(x), percent(int(x), int(groups.total)).rstrip("%")] for g, x in rows],
                        columns=["group", "amount", "percent"], dtype=object)
