"""Where things go on a figure, worked out without matplotlib: pure functions over a trace.

:func:`tracer.plot.view.view` reads what a figure needs from a trace result; the functions here
place nodes, groups and labels; the figure modules
(:mod:`tracer.plot.flow_figure`, :mod:`tracer.plot.timeline_figure`, :mod:`tracer.plot.sankey_figure`) only draw.
Amounts stay exact integers here; floats appear only as positions and sizes.
"""
from dataclasses import dataclass, field

from tracer import transfers as T
from tracer.plot import style
from tracer.plot.view import endpoint_info, entries_of, short_address, source_name, sources


def spread(ys, gap):
    """Positions at or below ``ys`` (listed top to bottom), each at least ``gap`` below the previous.

    Examples
    --------
    >>> spread([1.0, 0.99, 0.5], 0.1)
    [1.0, 0.9, 0.5]
    """
    out = []
    for v in ys:
        out.append(v if not out else min(v, out[-1] - gap))
    return out


def hops_text(by_hop):
    hs = sorted(by_hop)
    return f"{hs[0]}" if len(hs) == 1 else f"{hs[0]}–{hs[-1]}"  # noqa: RUF001 (a range takes an en dash)


def layered(nodes, hop, edges):
    """y of each node: columns by x, each node near the amount-weighted mean y of its predecessors.

    >>> layered(["s", "a", "b"], {"s": 0, "a": 1, "b": 1}, {("s", "a", "X"): 5, ("s", "b", "X"): 5})
    {'s': 0.0, 'a': -0.5, 'b': 0.5}
    """
    weight = {}
    for (u, v, _), amt in edges.items():
        weight[(u, v)] = weight.get((u, v), 0) + amt
    peak = max(weight.values(), default=1) or 1
    y = {}
    for col in sorted({hop[n] for n in nodes}):
        members = [n for n in nodes if hop[n] == col]
        bary = {}
        for n in members:
            preds = [(y[u], w / peak) for (u, v), w in weight.items() if v == n and u in y]
            total = sum(w for _, w in preds)
            bary[n] = sum(p * w for p, w in preds) / total if total else 0.0
        members.sort(key=lambda n: (bary[n], str(n)))
        placed = []
        for n in members:
            placed.append(bary[n] if not placed else max(bary[n], placed[-1] + 1.0))
        shift = sum(bary[n] for n in members) / len(members) - sum(placed) / len(placed)
        for n, p in zip(members, placed, strict=True):
            y[n] = p + shift
    return y


def fee_node(payer):
    """Value paid as a fee goes nowhere further: one small fee node beside each payer."""
    return ("fee", payer)


def is_fee(node):
    return isinstance(node, tuple) and node[0] == "fee"


def name(node):
    return f"{node[0]}@{node[1]}" if isinstance(node, tuple) else str(node)


@dataclass
class FlowLayout:
    """Nodes of a flow graph and where they sit (``x``: hop or time; ``y``)."""
    nodes: list
    hop: dict
    time: dict
    inflow: dict
    edges: dict
    groups: dict
    y: dict
    sources: list
    txs: set
    ends: dict
    total: dict
    last: int
    hidden_fees: dict = field(default_factory=dict)  #: asset -> (amount, fee transfers) too small to draw


def flow_layout(v, layout="hop", max_nodes=40):
    """Lay out the flow graph of view ``v``: pure, so it can be tested without drawing.

    >>> from tracer.handmade import account
    >>> from tracer.trace import trace
    >>> from tracer.plot.view import view
    >>> g = flow_layout(view(trace(account([("t1", "s", "a", 10), ("t2", "a", "b", 4)]), "s")))
    >>> g.nodes, g.hop["b"], g.edges[("a", "b", "X")]
    (['s', 'a', 'b'], 2.0, 4)
    """
    if layout not in ("hop", "time"):
        raise ValueError(f"layout {layout!r}: use 'hop' or 'time'")
    rows = [dict(r) for r in v.rows]
    txs = v.txs
    srcs = sources(rows, txs)
    for r in rows:
        if r["to"] == T.FEE_ADDRESS:
            r["to"] = fee_node(r["from"])
    hop, time, inflow, transfers = {}, {}, {}, {}
    for s in srcs:
        hop[s], time[s] = 0.0, min(r["timestamp"] for r in rows if r["from"] == s)
    for r in sorted(rows, key=lambda r: is_fee(r["to"])):  # fee nodes last: beside their payer
        to = r["to"]
        h = r["hop"] - 0.5 if to in txs else hop[to[1]] + 0.5 if is_fee(to) else float(r["hop"])
        if to not in srcs:
            hop[to] = min(hop.get(to, h), h)
            time[to] = min(time.get(to, r["timestamp"]), r["timestamp"])
        inflow[(to, r["asset"])] = inflow.get((to, r["asset"]), 0) + r["tainted"]
        transfers[(to, r["asset"])] = transfers.get((to, r["asset"]), 0) + 1
    total = {}
    for r in rows:
        if r["from"] in srcs and r["hop"] == 1:
            total[r["asset"]] = total.get(r["asset"], 0) + r["tainted"]
    # a fee too small to see (under 1/200 of what was sent) would only clutter: counted in a note
    hidden = {}
    for (n, a), x in list(inflow.items()):
        if is_fee(n) and x * 200 < total.get(a, 0):
            amount, count = hidden.get(a, (0, 0))
            hidden[a] = (amount + x, count + transfers[(n, a)])  # a payer pays a fee per transaction
            del inflow[(n, a)]
    small = {n for n in hop if is_fee(n) and not any(m == n for m, _ in inflow)}
    rows = [r for r in rows if r["to"] not in small]
    for n in small:
        del hop[n], time[n]

    def share(node):  # largest share of any asset's total this node received (float: ranking only)
        return max((x / total.get(a, x) for (n, a), x in inflow.items() if n == node and x), default=0.0)

    # too many nodes: the least-reached go into one "others" node per column; an attributed service
    # where value stopped (where a data request goes) is always shown
    ends = endpoint_info(v.ends)
    service = {a for a, d in ends.items() if any(why == "attributed service" for _, why in d)}
    ranked = sorted((n for n in hop if n not in srcs and not is_fee(n)),
                    key=lambda n: (n not in service, -share(n), hop[n], str(n)))
    keep = set(srcs) | set(ranked[:max(max_nodes - len(srcs), 1)])
    keep |= {n for n in hop if is_fee(n) and n[1] in keep}
    alias = {n: n if n in keep else ("others", hop[n]) for n in hop}
    groups = {}
    for n, a in alias.items():
        if a != n:
            groups.setdefault(a, []).append(n)
            hop[a] = a[1]
            time[a] = min(time.get(a, time[n]), time[n])
    edges = {}
    for r in rows:
        u, w = alias[r["from"]], alias[r["to"]]
        if u != w:
            edges[(u, w, r["asset"])] = edges.get((u, w, r["asset"]), 0) + r["tainted"]
    nodes = sorted(set(keep) | set(groups), key=lambda n: (hop[n], str(n)))
    placed = [n for n in nodes if not is_fee(n)]
    y = layered(placed, hop, {k: x for k, x in edges.items() if not is_fee(k[1])})
    for n in nodes:  # a fee node sits just below its payer, clear of the edges leaving it
        if is_fee(n):
            y[n] = y.get(n[1], 0.0) - 0.45
    if layout == "time":
        # simultaneous nodes (a transaction and its outputs) would overlap: one row per node,
        # in time order, like a waterfall
        order = sorted(nodes, key=lambda n: (time[n], hop[n], y[n], str(n)))
        y = {n: -float(i) for i, n in enumerate(order)}
    return FlowLayout(nodes, hop, time, inflow, edges, groups, y, srcs, txs, ends, total,
                      int(max(hop[n] for n in nodes)), hidden)


def node_text(v, g, n):
    """What a node of the flow graph says: who it is, what it sent, got or received, and where
    value stopped there."""
    if n in g.groups:
        return f"+{len(g.groups[n])} others"
    if is_fee(n):
        got = {a: x for (m, a), x in g.inflow.items() if m == n}
        return "fee " + ", ".join(v.fmt(x, a) for a, x in sorted(got.items()))
    text = v.label(n)
    if n in g.sources:
        assets = sorted({r["asset"] for r in v.rows if r["from"] == n})
        if n in g.txs:  # a transaction (or its outputs) is the source: say whose it is
            names = sorted({str(r["source"]) for r in v.rows if r["from"] == n and r["hop"] == 1 and r["source"]})
            text = ", ".join(source_name(v, x) for x in names) or short_address(n)
        return f"source: {text}\nsent " + ", ".join(
            v.fmt(sum(r["tainted"] for r in v.rows if r["from"] == n and r["hop"] == 1 and r["asset"] == a), a)
            for a in assets)
    lines = []
    for (m, a), x in sorted(g.inflow.items(), key=str):
        if m != n:
            continue
        got = v.received.get((n, a))
        if got and got[0] > x:  # the address received more than the traced part: say so
            lines.append(f"received {v.fmt(got[0], a)} in {got[1]} transfer{'s' if got[1] > 1 else ''}; "
                         f"{v.fmt(x, a)} traced")
        elif n not in g.ends:
            lines.append(f"got {v.fmt(x, a)}")
    if n in g.ends:
        lines.append("; ".join(f"{v.fmt(x, a)} {why}" for (a, why), x in sorted(g.ends[n].items())))
        entries = sorted(entries_of(v.ends, n))
        if entries:  # where the data request points: the customer's deposit address
            lines.append("entered through " + (short_address(entries[0]) if len(entries) == 1 else
                                               f"{len(entries)} addresses"))
    return "\n".join([text] + lines)


@dataclass
class SankeyGroups:
    """Endpoint groups of one asset's Sankey, and the sources feeding it."""
    group: dict       #: group -> {hop: amount}
    category: dict    #: group -> category
    addresses: dict   #: group -> set of addresses
    size: dict        #: group -> amount
    sinks: list       #: groups in the order drawn, top to bottom
    sources: dict     #: source -> amount sent
    total: int
    last: int
    first: int = 1    #: the first hop where the asset moves (later when a conversion made it)


def sankey_groups(v, asset=None, top=8):
    """Endpoint groups of a Sankey: a tag label, or for untagged addresses why value stopped;
    the ``top`` largest, the rest one ``other`` group. Sources are the traces' own names when the
    flows carry them (several victims), else the addresses sending at hop 1."""
    e = v.ends
    assets = sorted(set(e["asset"]))
    if asset is None and len(assets) > 1:
        raise ValueError(f"the endpoints hold several assets {assets}; pass asset= to draw one")
    asset = asset or assets[0]
    if asset not in assets:
        raise ValueError(f"asset {asset!r} is not among the endpoints' assets {assets}")
    txs = v.txs
    srcs = set(sources(v.rows, txs))
    out = {}
    for r in v.rows:
        if r["from"] in srcs and r["hop"] == 1 and r["asset"] == asset:
            key = r["source"] if r["source"] is not None else v.label(r["from"])
            out[key] = out.get(key, 0) + r["tainted"]
    ends = [(a, int(x), max(int(h), 1), why) for a, s, x, h, why in
            zip(e["address"], e["asset"], e["amount"], e["hops"], e["why"], strict=True) if s == asset and int(x)]
    total = sum(x for _, x, _, _ in ends)
    if not total:
        raise ValueError(f"no {asset} reached an endpoint: nothing to draw")
    group, gcat, gaddr = {}, {}, {}
    for addr, amt, h, why in ends:
        if addr in v.tag:
            g, c = v.tag[addr][0], v.category(addr)
        elif addr == T.FEE_ADDRESS:
            g, c = "fees", style.FEE_CATEGORY
        else:
            g, c = f"untagged, {why}", style.UNTAGGED
        group.setdefault(g, {})
        group[g][h] = group[g].get(h, 0) + amt
        gcat[g] = c
        gaddr.setdefault(g, set()).add(addr)
    size = {g: sum(x.values()) for g, x in group.items()}
    shown = sorted(group, key=lambda g: (-size[g], g))
    if len(shown) > top:
        rest, shown = shown[top - 1:], shown[:top - 1]
        merged = {}
        for g in rest:
            for h, x in group[g].items():
                merged[h] = merged.get(h, 0) + x
        other = f"other ({len(rest)} groups)"
        group[other], gcat[other], size[other] = merged, style.OTHER, sum(merged.values())
        gaddr[other] = set().union(*(gaddr[g] for g in rest))
        shown.append(other)

    def mean_hop(g):
        return sum(h * x for h, x in group[g].items()) / size[g]

    # later hops leave the trunk higher up: sinks ordered that way cross the fewest bands
    sinks = sorted([g for g in shown if gcat[g] != style.OTHER], key=lambda g: (-mean_hop(g), -size[g], g))
    sinks += [g for g in shown if gcat[g] == style.OTHER]
    first = min((int(r["hop"]) for r in v.rows if r["asset"] == asset), default=1)
    return SankeyGroups(group, gcat, gaddr, size, sinks, out, total, max(h for _, _, h, _ in ends), max(first, 1))


def timeline_rows(v, lane="address"):
    """Flows for a timeline: pieces of one transfer (several sources, several lots) as one
    marker; flows into a UTXO transaction left out (its outputs, at the same time, carry them)."""
    if lane not in ("hop", "address"):
        raise ValueError(f"lane {lane!r}: use 'hop' or 'address'")
    merged = {}
    for r in v.rows:
        if r["to"] == r["tx_hash"]:
            continue
        k = (r["tx_hash"], r["from"], r["to"], r["asset"], r["hop"] if lane == "hop" else None)
        if k in merged:
            merged[k]["tainted"] += r["tainted"]
        else:
            merged[k] = dict(r)
    rows = list(merged.values())
    if not rows:
        raise ValueError("the trace has no flows out of its UTXO transactions: nothing to draw")
    return rows


