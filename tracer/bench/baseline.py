"""The baselines ``tracelab bench tracer`` measures the tracer against: plain networkx breadth-first
traces of the same transfers table, one for the account model (address to address, in time order)
and one for the UTXO model (transaction to transaction, output by output), and the checks of
what a FIFO trace and its baseline must agree on.
"""
import math
from bisect import bisect_right

from tracer import transfers as T


def networkx_trace(table, source, hops=6):
    """A plain networkx breadth-first trace: the baseline ``tracelab bench tracer`` compares to.

    What it does, exactly:

    1. builds a ``networkx.DiGraph`` with an edge ``from -> to`` for every pair that transacts;
       the edge keeps the positions of its transfers in the table's time order
       (:func:`tracer.transfers.sort`) and their amounts;
    2. breadth-first from ``source``, level by level up to ``hops`` levels, in time order: an
       address reached at position ``p`` reaches a counterparty through its first transfer to it
       after ``p`` (``source`` counts as reached before everything). An address keeps its
       earliest arrival, and its hop count is the level where it was first reached;
    3. amounts: each reached address with fewer than ``hops`` hops passes on everything it sends
       after its arrival (poison by reachability, no allocation): ``received`` sums that per
       counterparty.

    It allocates nothing (no FIFO): its reached set and amounts bound a FIFO trace from above.
    Every address a FIFO trace of the same table reaches is reached here, in as many or fewer
    hops, and receives at least the tainted amount the FIFO trace gives it.

    Returns
    -------
    dict
        ``hops``: address -> hop count; ``arrival``: address -> table position of the earliest
        arrival; ``received``: address -> amount (exact int).

    Examples
    --------
    >>> from tracer.handmade import account
    >>> r = networkx_trace(account([("t0", "a", "z", 7), ("t1", "s", "a", 10), ("t2", "a", "b", 4)]), "s")
    >>> r["hops"], r["received"]
    ({'s': 0, 'a': 1, 'b': 2}, {'a': 10, 'b': 4})
    """
    import networkx as nx

    t = T.sort(table)
    pairs = {}
    for i, (frm, to, amount) in enumerate(zip(t[T.FROM].tolist(), t[T.TO].tolist(), t[T.AMOUNT].tolist(), strict=True)):
        at = pairs.get((frm, to))
        if at is None:
            pairs[frm, to] = at = ([], [])
        at[0].append(i)
        at[1].append(amount)
    g = nx.DiGraph()
    g.add_edges_from((u, v, {"at": at, "amount": amount}) for (u, v), (at, amount) in pairs.items())
    del pairs
    arrival, level = {source: -1}, {source: 0}
    frontier = {source: -1} if source in g else {}
    for h in range(1, hops + 1):
        reached = {}
        for u, t0 in frontier.items():
            for v, edge in g.adj[u].items():
                k = bisect_right(edge["at"], t0)
                if k < len(edge["at"]):
                    first = edge["at"][k]
                    if first < min(arrival.get(v, math.inf), reached.get(v, math.inf)):
                        reached[v] = first
        for v, first in reached.items():
            arrival[v] = first
            level.setdefault(v, h)
        frontier = reached
    received = {}
    for u, t0 in arrival.items():
        if level[u] >= hops:
            continue
        for v, edge in g.adj[u].items():
            k = bisect_right(edge["at"], t0)
            if k < len(edge["at"]):
                received[v] = received.get(v, 0) + sum(edge["amount"][k:])
    return {"hops": level, "arrival": arrival, "received": received}


class Disagreement(Exception):
    """The tracer's trace and the networkx baseline disagree where they must agree."""


def compare(flows, baseline, source):
    """Check what a FIFO trace and :func:`networkx_trace` must agree on; returns the counts.

    Raises :class:`Disagreement` naming the first address where they disagree.
    """
    fifo_hops, fifo_amount = {}, {}
    for to, hop, amount in zip(flows["to"].tolist(), flows["hop"].tolist(), flows["tainted"].tolist(), strict=True):
        fifo_hops[to] = min(hop, fifo_hops.get(to, hop))
        fifo_amount[to] = fifo_amount.get(to, 0) + amount
    _within(fifo_hops, baseline["hops"], "reached")
    _below({a: v for a, v in fifo_amount.items() if a != source}, baseline["received"])
    first_nx = {a for a, h in baseline["hops"].items() if h == 1 and baseline["received"].get(a, 0) > 0}
    _same_first(fifo_hops, first_nx, "direct recipients")
    return {"reached_fifo": len(fifo_hops), "reached_networkx": len(baseline["hops"]) - 1}


def networkx_utxo_trace(table, source, hops=6):
    """A plain networkx breadth-first trace of a UTXO table, output by output: the baseline of the
    bitcoin-etl half of ``tracelab bench tracer``.

    What it does, exactly:

    1. builds a ``networkx.DiGraph`` whose nodes are the transactions, with an edge from the
       transaction that made an output to the one that spends it (each input row's
       :data:`tracer.transfers.SPENT_TX`), and notes each transaction's outputs (and fee);
    2. breadth-first from ``source``, level by level up to ``hops`` levels: level 1 is every
       transaction that spends an output paid to ``source``, level ``k + 1`` every transaction
       that spends an output of one at level ``k`` (a transaction keeps its first level);
    3. amounts: every output (and fee) of every transaction reached counts as received by its
       address (poison by reachability, no allocation).

    Its reached set and amounts bound a FIFO trace of the same table from above: every transaction
    a FIFO trace goes through is reached here, in as many or fewer hops, and every address
    receives at least the tainted amount the FIFO trace gives it.

    Returns
    -------
    dict
        ``hops``: transaction -> level; ``received``: address -> amount (exact int).

    Examples
    --------
    >>> from tracer.handmade import utxo
    >>> t = utxo([("t1", [("s", 10, None)], [("a", 6), ("b", 3)]), ("t2", [("a", 6, "t1:0")], [("c", 6)])])
    >>> r = networkx_utxo_trace(t, "s", hops=2)
    >>> r["hops"], r["received"]
    ({'t1': 1, 't2': 2}, {'a': 6, 'b': 3, 'fee': 1, 'c': 6})
    """
    import networkx as nx

    txh, frm, to = table[T.TX_HASH].tolist(), table[T.FROM].tolist(), table[T.TO].tolist()
    amount, spent = table[T.AMOUNT].tolist(), table[T.SPENT_TX].tolist()
    g = nx.DiGraph()
    outs, first = {}, set()
    for h, f, t, a, s in zip(txh, frm, to, amount, spent, strict=True):
        if f == h:  # an output or the fee
            outs.setdefault(h, []).append((t, a))
        elif t == h:  # an input
            if f == source:
                first.add(h)
            if isinstance(s, str):
                g.add_edge(s, h)
    level = dict.fromkeys(first, 1)
    frontier = list(first)
    for k in range(2, hops + 1):
        nxt = []
        for u in frontier:
            if u in g:
                for v in g.successors(u):
                    if v not in level:
                        level[v] = k
                        nxt.append(v)
        frontier = nxt
    received = {}
    for h in level:
        for t, a in outs.get(h, ()):
            received[t] = received.get(t, 0) + a
    return {"hops": level, "received": received}


def compare_utxo(flows, baseline):
    """Check what a FIFO trace of a UTXO table and :func:`networkx_utxo_trace` must agree on;
    returns the counts. Raises :class:`Disagreement` naming the first place they disagree."""
    hop, got = {}, {}
    for h, f, to, k, amount in zip(flows["tx_hash"].tolist(), flows["from"].tolist(), flows["to"].tolist(),
                                   flows["hop"].tolist(), flows["tainted"].tolist(), strict=True):
        hop[h] = min(k, hop.get(h, k))
        if f == h:
            got[to] = got.get(to, 0) + amount
    _within(hop, baseline["hops"], "went through")
    _below(got, baseline["received"])
    _same_first(hop, {h for h, k in baseline["hops"].items() if k == 1}, "first transactions")
    return {"reached_fifo": len(hop), "reached_networkx": len(baseline["hops"])}


def _within(fifo_hops, nx_hops, verb):
    """Everything FIFO reached, networkx reached too, in as many or fewer hops."""
    for a, h in fifo_hops.items():
        if a not in nx_hops:
            raise Disagreement(f"FIFO {verb} {a}, networkx did not")
        if nx_hops[a] > h:
            raise Disagreement(f"{a}: networkx hop {nx_hops[a]} > FIFO hop {h}")


def _below(fifo_amount, nx_received):
    """No address got more FIFO taint than networkx lets through to it."""
    for a, v in fifo_amount.items():
        if v > nx_received.get(a, 0):
            raise Disagreement(f"{a}: FIFO taint {v} above what networkx lets through")


def _same_first(fifo_hops, nx_first, what):
    """The first hop is the same both ways: no allocation changes who a source paid."""
    fifo_first = {a for a, h in fifo_hops.items() if h == 1}
    if fifo_first != nx_first:
        raise Disagreement(f"{what} differ: {sorted(fifo_first ^ nx_first)[:3]}")
