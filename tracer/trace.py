"""Trace tainted value forward through account pools, in time order, by FIFO, LIFO or LIBR.

Every address (and, in the UTXO model, every transaction, which appears as a node between its
inputs and outputs) is a pool holding *lots*: ``[amount, tainted, hops, path]``. A transfer out
of a pool takes lots in the rule's order (FIFO: oldest first, Clayton's case; LIFO: newest first;
LIBR: clean value first, Re Hallett, so only the lowest intermediate balance stays traceable).
Each piece carrying taint becomes a flow row and a new lot at the receiver.
"""
from collections import deque

import pandas as pd

from tracer import transfers as T

FLOW_COLUMNS = ["hop", "tx_hash", "chain", "timestamp", "from", "to", "asset", "amount", "tainted",
                "kind", "path", "reason"]
ENDPOINT_COLUMNS = ["address", "asset", "amount", "hops", "path", "why"]
ACCOUNT_RULES = ("fifo", "lifo", "libr")


def trace_forward(transfers, source, rule="fifo", hops=6, stop=(), max_degree=None, start=None, end=None):
    """Follow everything ``source`` sent, forward, under an account-pool rule.

    Parameters
    ----------
    transfers : pandas.DataFrame
        A transfers table (:mod:`tracer.transfers`).
    source : str
        Address (EVM lower-case) whose outgoing value is wholly tainted.
    rule : {"fifo", "lifo", "libr"}
    hops : int
        Value that reached ``hops`` hops stops (an endpoint with why ``"hop limit"``).
    stop : iterable of str
        Addresses where tracing stops (attributed services).
    max_degree : int, optional
        Addresses with more distinct counterparties than this are endpoints (exchange-sized).
    start, end : int, optional
        Unix-time window; transfers outside it are ignored.

    Returns
    -------
    flows, endpoints : pandas.DataFrame
        ``flows`` has one row per tainted piece moved (``reason`` says why it was followed);
        ``endpoints`` where traced value stopped. ``endpoints.amount`` sums to what left the source.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [("c", "t1", 1, 1, "s", "a", "X", 10, "native", 0, -1),
    ...         ("c", "t2", 2, 2, "a", "b", "X", 4, "native", 0, -1),
    ...         ("c", "t3", 3, 3, "a", "fee", "X", 1, "fee", 0, -1)]
    >>> t = pd.DataFrame(rows, columns=T.COLUMNS)
    >>> flows, ends = trace_forward(t, "s")
    >>> ends[["address", "amount", "hops", "path"]].values.tolist()
    [['a', 5, 1, ['t1']], ['b', 4, 2, ['t1', 't2']], ['fee', 1, 2, ['t1', 't3']]]
    """
    if rule not in ACCOUNT_RULES:
        raise ValueError(f"rule {rule!r} is not an account-pool rule; use one of {ACCOUNT_RULES}")
    stop = set(stop)
    t = transfers
    if start is not None:
        t = t[t[T.TIMESTAMP] >= start]
    if end is not None:
        t = t[t[T.TIMESTAMP] <= end]
    heavy = set()
    if max_degree is not None:
        deg = pd.concat([t[[T.FROM, T.TO]], t[[T.TO, T.FROM]].set_axis([T.FROM, T.TO], axis=1)])
        n = deg.drop_duplicates().groupby(T.FROM).size()
        heavy = set(n[n > max_degree].index) - {source}
    t = T.sort(t)
    balance, lots, flows = {}, {}, []
    frozen = {}  # why an address does not pass taint on
    cols = [t[c].tolist() for c in (T.CHAIN, T.TX_HASH, T.TIMESTAMP, T.FROM, T.TO, T.ASSET, T.AMOUNT, T.KIND)]
    for chain, txh, ts, frm, to, asset, amount, kind in zip(*cols):
        kf, kt = (chain, frm, asset), (chain, to, asset)
        balance[kf] = balance.get(kf, 0) - amount
        balance[kt] = balance.get(kt, 0) + amount
        if frm == source:
            pieces = [[amount, amount, 0, []]]
        elif kf in lots and frm not in frozen:
            pieces = _take(lots[kf], amount, rule)
        else:
            pieces = []
        # a UTXO transaction is a pool of its own (inputs -> tx -> outputs): going through it is one
        # hop, and it appears once in a path
        through_tx = frm == txh
        for amt, tainted, h, path in pieces:
            if not tainted:
                continue
            hop, new_path = (h, path) if through_tx else (h + 1, path + [txh])
            why = "source sent it" if frm == source else f"{rule}: lot of tx {path[-1]} at {frm}"
            flows.append((hop, txh, chain, ts, frm, to, asset, amt, tainted, kind, new_path, why))
            if kt not in lots:
                held = max(balance[kt] - amount, 0)  # clean value held before the first taint
                lots[kt] = deque([[held, 0, 0, []]] if held else [])
            lots[kt].append([amt, tainted, hop, new_path])
            if to in stop:
                frozen[to] = "attributed service"
            elif to in heavy:
                frozen[to] = "maximum degree"
            elif hop >= hops and to != txh:
                frozen.setdefault(to, None)
        # value arriving clean at a pool that holds taint joins it as a clean lot
        if not any(p[1] for p in pieces) and kt in lots:
            lots[kt].append([amount, 0, 0, []])
    ends = {}
    for (chain, addr, asset), q in lots.items():
        for amt, tainted, h, path in q:
            if tainted:
                if addr in frozen and frozen[addr]:
                    why = frozen[addr]
                elif h >= hops:
                    why = "hop limit"
                else:
                    why = "fee" if addr == T.FEE_ADDRESS else "unspent"
                key = (addr, asset, tuple(path))
                e = ends.setdefault(key, [addr, asset, 0, h, list(path), why])
                e[2] += tainted
    flows = pd.DataFrame(flows, columns=FLOW_COLUMNS)
    endpoints = pd.DataFrame(sorted(ends.values(), key=lambda e: (e[3], e[0], e[4])), columns=ENDPOINT_COLUMNS)
    return flows, endpoints


def _take(q, amount, rule):
    """Take ``amount`` out of the lot deque ``q`` in the rule's order; returns the pieces."""
    pieces = []
    if rule == "libr":  # clean value leaves first
        order = sorted(range(len(q)), key=lambda i: (q[i][1] > 0, i))
        for i in order:
            if amount == 0:
                break
            lot = q[i]
            n = min(amount, lot[0])
            clean = lot[0] - lot[1]
            tk = max(0, n - clean)
            pieces.append([n, tk, lot[2], lot[3]])
            lot[0] -= n; lot[1] -= tk; amount -= n
        q_new = [x for x in q if x[0]]
        q.clear(); q.extend(q_new)
        return pieces
    while amount and q:
        lot = q[0] if rule == "fifo" else q[-1]
        n = min(amount, lot[0])
        # the taint inside a lot sits at its front: FIFO takes it first
        tk = min(n, lot[1])
        pieces.append([n, tk, lot[2], lot[3]])
        lot[0] -= n; lot[1] -= tk; amount -= n
        if not lot[0]:
            q.popleft() if rule == "fifo" else q.pop()
    return pieces  # anything beyond the lots came from value the data does not show: clean
