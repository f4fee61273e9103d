"""Where things go on a figure, worked out without matplotlib: pure functions over a trace.

:func:`view` reads what a figure needs from a :class:`tracer.result.TraceResult` (or a flows
table and its endpoints): exact integer rows, the tags, each asset's decimals and symbol, and what
each address received in all. The rest places nodes, groups and labels; the figure modules
(:mod:`tracer.plot.flow_figure`, :mod:`tracer.plot.timeline_figure`, :mod:`tracer.plot.sankey_figure`) only draw.
Amounts stay exact integers here; floats appear only as positions and sizes.
"""
from dataclasses import dataclass, field
from decimal import Context, Decimal

from tracer import transfers as T
from tracer.plot import style

FLOW_NEEDS = ("hop", "tx_hash", "timestamp", "from", "to", "asset", "tainted")
ENDPOINT_NEEDS = ("address", "asset", "amount", "hops", "why")


def short_address(address, keep=6):
    """An address shortened for a label: its first ``keep`` and last 4 characters.

    Examples
    --------
    >>> short_address("0x12ab34cd56ef78ab90cd12ef34ab56cd78efcdef")
    '0x12ab…cdef'
    >>> short_address("fee")
    'fee'
    """
    a = str(address)
    return a if len(a) <= keep + 5 else f"{a[:keep]}…{a[-4:]}"


def format_amount(amount, decimals=None, asset=""):
    """``amount`` base units written for a figure: whole units rounded for reading, or raw units.

    Four decimals at or above one whole unit, three significant digits below it. Without
    ``decimals`` the raw integer is written. No float is involved.

    Examples
    --------
    >>> format_amount(123456789, 8, "BTC")
    '1.2346 BTC'
    >>> format_amount(8499670, 8, "BTC")
    '0.085 BTC'
    >>> format_amount(12 * 10**21, 18, "ETH")
    '12,000 ETH'
    >>> format_amount(1500, None, "USDT")
    '1,500 USDT'
    >>> format_amount(2**256 - 1, 6, "USDT")[:12]
    '115,792,089,'
    """
    label = short_address(asset) if str(asset).startswith("0x") else asset
    if decimals is None:
        return f"{int(amount):,} {label}".rstrip()
    d = Decimal(int(amount)).scaleb(-int(decimals))
    # enough digits for any uint256: the default context (28) cannot quantize 2**256 - 1
    d = d.quantize(Decimal("0.0001"), context=Context(prec=100)) if abs(d) >= 1 else Context(prec=3).plus(d)
    return f"{d.normalize():,f} {label}".rstrip()


def percent(part, whole):
    """A share written with one decimal, from integers (rounded half up).

    >>> percent(1, 3), percent(1, 10**6)
    ('33.3%', '<0.1%')
    """
    from tracer.result import percent as exact

    return exact(part, whole)


@dataclass
class View:
    """What a figure reads of a trace."""
    rows: list                      #: flows as dicts, exact ints
    ends: object = None             #: endpoints table or None
    tag: dict = field(default_factory=dict)       #: address -> (label, category)
    decimals: dict = field(default_factory=dict)
    symbols: dict = field(default_factory=dict)
    received: dict = field(default_factory=dict)  #: (address, asset) -> (amount, transfers), all in the data
    tags: object = None

    def fmt(self, amount, asset):
        return format_amount(amount, self.decimals.get(asset), self.symbols.get(asset, asset))

    def label(self, address):
        return style.label(address, self.tag)

    def category(self, address):
        return style.category(address, self.tag)

    @property
    def txs(self):
        """UTXO transactions: nodes between their inputs and outputs."""
        return {r["tx_hash"] for r in self.rows if r["from"] == r["tx_hash"] or r["to"] == r["tx_hash"]}


def view(trace, endpoints=None, *, tags=None, decimals=None, symbols=None, need_endpoints=False):
    """A :class:`View` of a trace result (its own endpoints, tags, decimals and symbols) or of a
    flows table; arguments given override what the result carries."""
    flows, received = trace, {}
    if hasattr(trace, "flows") and hasattr(trace, "endpoints"):
        flows = trace.flows
        endpoints = trace.endpoints if endpoints is None else endpoints
        tags = trace.tags if tags is None else tags
        decimals = {**trace.decimals, **(decimals or {})}
        symbols = {**trace.symbols, **(symbols or {})}
        got = trace.received()
        received = {(a, s): (int(v), int(n)) for a, s, v, n in zip(got["address"], got["asset"], got["amount"],
                                                                   got["transfers"])}
    rows = _rows(flows)
    if need_endpoints:
        if endpoints is None or len(endpoints) == 0:
            raise ValueError("the trace has no endpoints: nothing to draw")
        missing = [c for c in ENDPOINT_NEEDS if c not in endpoints.columns]
        if missing:
            raise ValueError(f"endpoints table lacks column(s) {missing}")
    found = {}
    for t in (flows, endpoints):
        if t is not None and "decimals" in getattr(t, "columns", ()):
            for a, d in zip(t["asset"], t["decimals"]):
                if d is not None and d == d:
                    found.setdefault(a, int(d))
    found.update(decimals or {})
    return View(rows, endpoints, style.tag_map(tags), found, dict(symbols or {}), received, tags)


def _rows(flows):
    """The flows as dicts with exact ints; a clear error for an empty or foreign table."""
    if flows is None or len(flows) == 0:
        raise ValueError("the trace is empty (no flows): nothing to plot; did the source send anything "
                         "in the data and time window?")
    missing = [c for c in FLOW_NEEDS if c not in flows.columns]
    if missing:
        raise ValueError(f"flows table lacks column(s) {missing}; pass the flows of a trace")
    cols = [flows[c].tolist() for c in FLOW_NEEDS]
    sources = flows["source"].tolist() if "source" in flows.columns else [None] * len(flows)
    rows = []
    for i, vals in enumerate(zip(*cols)):
        r = dict(zip(FLOW_NEEDS, vals))
        r["source"] = sources[i]
        for c in ("hop", "timestamp", "tainted"):
            try:
                r[c] = int(r[c])
            except (TypeError, ValueError):
                raise ValueError(f"flows row {i}: column {c} is not an integer: {r[c]!r}") from None
        rows.append(r)
    return rows


def sources(rows, txs):
    """Addresses sending at hop 1 that are not UTXO transactions: where the traces started."""
    found = sorted({r["from"] for r in rows if r["hop"] == 1 and r["from"] not in txs})
    return found or sorted({r["from"] for r in rows if r["hop"] == min(q["hop"] for q in rows)})


def endpoint_info(endpoints):
    """address -> {(asset, why): amount}."""
    if endpoints is None or len(endpoints) == 0:
        return {}
    out = {}
    for a, asset, amt, why in zip(endpoints["address"], endpoints["asset"], endpoints["amount"], endpoints["why"]):
        d = out.setdefault(a, {})
        d[(asset, why)] = d.get((asset, why), 0) + int(amt)
    return out


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
    return f"{hs[0]}" if len(hs) == 1 else f"{hs[0]}–{hs[-1]}"


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
        for n, p in zip(members, placed):
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
    hidden_fees: dict = field(default_factory=dict)  #: asset -> (amount, fees) too small to draw


def flow_layout(v, layout="hop", max_nodes=40):
    """Lay out the flow graph of view ``v``: pure, so it can be tested without drawing.

    >>> from tracer.handmade import account
    >>> from tracer.trace import trace
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
    hop, time, inflow = {}, {}, {}
    for s in srcs:
        hop[s], time[s] = 0.0, min(r["timestamp"] for r in rows if r["from"] == s)
    for r in sorted(rows, key=lambda r: is_fee(r["to"])):  # fee nodes last: beside their payer
        to = r["to"]
        h = r["hop"] - 0.5 if to in txs else hop[to[1]] + 0.5 if is_fee(to) else float(r["hop"])
        if to not in srcs:
            hop[to] = min(hop.get(to, h), h)
            time[to] = min(time.get(to, r["timestamp"]), r["timestamp"])
        inflow[(to, r["asset"])] = inflow.get((to, r["asset"]), 0) + r["tainted"]
    total = {}
    for r in rows:
        if r["from"] in srcs and r["hop"] == 1:
            total[r["asset"]] = total.get(r["asset"], 0) + r["tainted"]
    # a fee too small to see (under 1/200 of what was sent) would only clutter: counted in a note
    hidden = {}
    for (n, a), x in list(inflow.items()):
        if is_fee(n) and x * 200 < total.get(a, 0):
            amount, count = hidden.get(a, (0, 0))
            hidden[a] = (amount + x, count + 1)
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


def entries_of(endpoints, address):
    """The entry addresses through which value reached ``address`` (an attributed service)."""
    if endpoints is None or "entry" not in getattr(endpoints, "columns", ()):
        return set()
    return {e for a, e in zip(endpoints["address"], endpoints["entry"]) if a == address and isinstance(e, str) and e}


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
            zip(e["address"], e["asset"], e["amount"], e["hops"], e["why"]) if s == asset and int(x)]
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
    return SankeyGroups(group, gcat, gaddr, size, sinks, out, total, max(h for _, _, h, _ in ends))


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


def distinct_labels(v, addresses, width=30):
    """Labels for a list of addresses; two addresses sharing a tag label get their short address too."""
    import textwrap

    names = [textwrap.shorten(v.label(a), width, placeholder="…") for a in addresses]
    return [f"{n} ({short_address(a)})" if names.count(n) > 1 else n for n, a in zip(names, addresses)]


def who(srcs, v):
    return source_name(v, srcs[0]) if len(srcs) == 1 else f"{len(srcs)} sources"


def source_name(v, name, width=30):
    """A source on a figure: its tag label, a shortened address, or its own label (a victim's name).

    >>> source_name(View([]), "0x" + "5" * 40), source_name(View([]), "Ana Petrović")
    ('0x5555…5555', 'Ana Petrović')
    """
    import textwrap

    name = str(name)
    if name in v.tag:
        return textwrap.shorten(v.label(name), width, placeholder="…")
    return short_address(name) if " " not in name else textwrap.shorten(name, width, placeholder="…")
