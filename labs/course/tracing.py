"""Small steps an investigator takes on a trace, for notebooks: how much reached an address, and
which deposit addresses fed an exchange. They read the tracer's ``flows`` table only."""
from __future__ import annotations

import pandas as pd


def reached(flows: pd.DataFrame, address: str) -> int:
    """Traced value (base units) that arrived at ``address``: the sum of ``tainted`` into it.

    Examples
    --------
    >>> f = pd.DataFrame({"from": ["a", "b", "a"], "to": ["b", "c", "c"], "tainted": [5, 2, 1]})
    >>> reached(f, "c")
    3
    """
    return int(sum(int(v) for v in flows.loc[flows["to"] == address, "tainted"]))


def trace_each(transfers, sources, **options):
    """Trace every source on its own (the tracer's ``trace``), flows and endpoints tagged by source.

    Under haircut a pool passes each source's share on in proportion, so the traces add up (to
    within a unit of rounding per source). Under FIFO and LIFO they do not: each trace alone
    puts its taint first in line, so adding them counts some value twice.
    """
    from tracer.trace import trace

    flows, ends = [], []
    for n, s in enumerate(sources):
        f, e = trace(transfers, s, **options)
        flows.append(f.assign(source=n))
        ends.append(e.assign(source=n))
    return pd.concat(flows, ignore_index=True), pd.concat(ends, ignore_index=True)


def deposits_into(flows: pd.DataFrame, services) -> pd.DataFrame:
    """The addresses from which traced value went straight into a service (an exchange's hot wallet).

    At an exchange those are the customers' deposit addresses: the exchange knows who each
    belongs to, so a production order names them. Returns ``deposit, service, amount`` (traced
    value that arrived at the deposit address), largest first.

    Examples
    --------
    >>> f = pd.DataFrame({"tx_hash": ["t1", "t2"], "from": ["v", "d"], "to": ["d", "hot"], "tainted": [7, 7]})
    >>> deposits_into(f, {"hot"}).values.tolist()
    [['d', 'hot', 7]]
    """
    services = set(services)
    rows = []
    into = flows[flows["to"].isin(services)]
    for tx, frm, to in zip(into["tx_hash"], into["from"], into["to"]):
        if frm == tx:  # a UTXO transaction's pool: its inputs came from the deposit addresses
            senders = flows.loc[(flows["to"] == tx) & (flows["tx_hash"] == tx), "from"]
        else:
            senders = [frm]
        rows += [(s, to) for s in senders if s not in services]
    out = pd.DataFrame(sorted(set(rows)), columns=["deposit", "service"])
    out["amount"] = [reached(flows, d) for d in out["deposit"]]
    out = out[out["amount"] > 0]  # a sweep gathers other customers' deposits too: only traced ones count
    return out.sort_values(["amount", "deposit"], ascending=[False, True], ignore_index=True)


def compare_rules(transfers, source, rules=("fifo", "lifo", "haircut", "poison"), **options) -> pd.DataFrame:
    """Trace ``source`` forward under each rule: one row per endpoint address, one column per rule
    (base units that stopped there, 0 where a rule sends nothing), so disagreements show side by side."""
    from tracer.trace import trace

    columns = {}
    for rule in rules:
        _, ends = trace(transfers, source, rule=rule, **options)
        totals: dict[str, int] = {}
        for a, v in zip(ends["address"], ends["amount"]):
            totals[a] = totals.get(a, 0) + int(v)
        columns[rule] = totals
    index = sorted(set().union(*columns.values()))
    return pd.DataFrame({r: [columns[r].get(a, 0) for a in index] for r in rules}, index=pd.Index(index, name="address"),
                        dtype=object)
