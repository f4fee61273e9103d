"""Plots of a trace: a flow graph, a timeline and a Sankey-style flow, drawn with matplotlib.

Every function takes the ``flows`` table of :func:`tracer.trace.trace_forward` first, draws into
``ax`` (a new figure when ``None``) and returns the Axes. Amounts stay exact integers until the
last step: they become floats only to size a line, a marker or a band, and the amounts written on
a figure are rounded for reading (the report's tables carry the exact values). Tags (the table of
:func:`tracer.load.tagpack.load_tagpacks`) name and colour addresses by label and category.
The flows of several traces may be concatenated: every address that sent at hop 1 is a source.
"""
import os
import textwrap
from datetime import datetime, timezone
from decimal import Context, Decimal

import matplotlib.pyplot as plt
from matplotlib import dates as mdates
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, PathPatch, Rectangle
from matplotlib.path import Path

from tracer import transfers as T

FLOW_NEEDS = ("hop", "tx_hash", "timestamp", "from", "to", "asset", "tainted")
ENDPOINT_NEEDS = ("address", "asset", "amount", "hops", "why")
UNTAGGED, FEE_CATEGORY, OTHER = "untagged", "fee", "other"
# fixed colours, so a category looks the same in every figure and every report
_FIXED = {UNTAGGED: "#9e9e9e", FEE_CATEGORY: "#d9c27a", OTHER: "#cfcfcf"}
_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
            "#e377c2", "#bcbd22", "#393b79", "#637939", "#843c39"]
SOURCE_COLOUR = "#c00000"
_FONT = 8


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
    text = f"{d.normalize():,f}"
    return f"{text} {label}".rstrip()


def flow_graph(flows, endpoints=None, tags=None, layout="hop", ax=None, max_nodes=40, decimals=None,
               edge_labels=12, title=None):
    """Draw the trace as a graph: addresses left to right by hop (or time), edges as wide as the taint.

    UTXO transactions (where ``from`` or ``to`` is the transaction hash) are small black points
    between their inputs and outputs. Nodes are labelled with their tag label or a shortened
    address and coloured by tag category; the source has a red ring; endpoints are squares whose
    label says where the value stopped and why. Edge widths are proportional to the tainted
    amount (within an asset), and the largest edges are labelled with it.

    Parameters
    ----------
    flows : pandas.DataFrame
        ``flows`` of :func:`tracer.trace.trace_forward` (other columns are ignored).
    endpoints : pandas.DataFrame, optional
        Its ``endpoints``: marks where value stopped and why.
    tags : pandas.DataFrame, optional
        TagPack table (address, label, category, ...); an address's most confident tag is used.
    layout : {"hop", "time"}
        x is the hop count from the source, or the UTC time value first arrived.
    ax : matplotlib.axes.Axes, optional
    max_nodes : int
        Beyond this many nodes, those receiving the least taint are merged into one
        "+N others" node per column.
    decimals : dict, optional
        Asset -> decimals, for amounts in whole units (else a ``decimals`` column, else raw units).
    edge_labels : int
        How many of the largest edges get their amount written.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from tracer.trace import trace_forward
    >>> rows = [("c", "t1", 1, 1, "s", "a", "X", 10, "native", 0, -1),
    ...         ("c", "t2", 2, 2, "a", "b", "X", 4, "native", 0, -1)]
    >>> flows, ends = trace_forward(pd.DataFrame(rows, columns=T.COLUMNS), "s")
    >>> ax = flow_graph(flows, ends)
    >>> sorted(p.get_gid() for p in ax.patches if isinstance(p, FancyArrowPatch))
    ['edge:a->b', 'edge:s->a']
    >>> plt.close(ax.figure)
    """
    if layout not in ("hop", "time"):
        raise ValueError(f"layout {layout!r}: use 'hop' or 'time'")
    rows = _rows(flows)
    tag = _tags(tags)
    dec = _decimals(flows, endpoints, decimals)
    txs = {r["tx_hash"] for r in rows if r["from"] == r["tx_hash"] or r["to"] == r["tx_hash"]}
    sources = _sources(rows, txs)
    ends = _endpoint_info(endpoints)

    # value paid as a fee goes nowhere further: one small fee node per column (or per transaction)
    # keeps the graph from arcing back to a single far-away "fee" node
    for r in rows:
        if r["to"] == T.FEE_ADDRESS:
            r["to"] = ("fee", r["from"])

    # nodes: first hop and first time each is reached, and the taint it received
    hop, time, inflow = {}, {}, {}
    for s in sources:
        hop[s], time[s] = 0.0, min(r["timestamp"] for r in rows if r["from"] == s)
    for r in sorted(rows, key=lambda r: isinstance(r["to"], tuple)):  # fee nodes last: beside their payer
        to = r["to"]
        h = r["hop"] - 0.5 if to in txs else hop[to[1]] + 0.5 if isinstance(to, tuple) else float(r["hop"])
        if to not in sources:
            hop[to] = min(hop.get(to, h), h)
            time[to] = min(time.get(to, r["timestamp"]), r["timestamp"])
        inflow[(to, r["asset"])] = inflow.get((to, r["asset"]), 0) + r["tainted"]
    total = {}
    for r in rows:
        if r["from"] in sources and r["hop"] == 1:
            total[r["asset"]] = total.get(r["asset"], 0) + r["tainted"]

    def share(node):  # largest share of any asset's total this node received (float: ranking only)
        return max((v / total.get(a, v) for (n, a), v in inflow.items() if n == node and v), default=0.0)

    # too many nodes: the least-reached go into one "others" node per column
    ranked = sorted((n for n in hop if n not in sources), key=lambda n: (-share(n), hop[n], str(n)))
    keep = set(sources) | set(ranked[:max(max_nodes - len(sources), 1)])
    alias = {n: n if n in keep else ("others", hop[n]) for n in hop}
    groups = {}
    for n, a in alias.items():
        if a != n:
            groups.setdefault(a, []).append(n)
            hop[a] = a[1]
            time[a] = min(time.get(a, time[n]), time[n])

    edges = {}
    for r in rows:
        u, v = alias[r["from"]], alias[r["to"]]
        if u == v:
            continue
        key = (u, v, r["asset"])
        edges[key] = edges.get(key, 0) + r["tainted"]
    nodes = sorted(set(keep) | set(groups), key=lambda n: (hop[n], str(n)))
    y = _layered(nodes, hop, edges, sources)
    last = int(max(hop[n] for n in nodes))
    if layout == "time":
        # simultaneous nodes (a transaction and its outputs) would overlap: one row per node,
        # in time order, like a waterfall
        order = sorted(nodes, key=lambda n: (time[n], hop[n], y[n], str(n)))
        y = {n: -float(i) for i, n in enumerate(order)}

    def x_of(n):
        return mdates.date2num(_utc(time[n])) if layout == "time" else hop[n]

    if ax is None:
        if layout == "time":
            size = (15.0, max(4.5, 0.32 * len(nodes) + 1.8))
        else:
            tallest = max(sum(1 for m in nodes if hop[m] == hop[n]) for n in nodes)
            size = (min(22.0, max(9.0, 1.6 * (last + 1) + 3.5)), max(5.0, 0.95 * tallest + 2.0))
        ax = plt.subplots(figsize=size)[1]

    peak = {}
    for (u, v, a), amt in edges.items():
        peak[a] = max(peak.get(a, 0), amt)
    ranked_edges = sorted(edges, key=lambda k: (-(edges[k] / peak[k[2]]), str(k)))
    # UTXO edges are short and their amounts are on the node labels
    labelled = [k for k in ranked_edges if k[0] not in txs and k[1] not in txs][:edge_labels]
    for key in sorted(edges, key=lambda k: (edges[k] / peak[k[2]], str(k))):  # wide edges on top
        u, v, a = key
        frac = edges[key] / peak[a] if peak[a] else 0.0
        # edges backwards, or straight down a column, bow so they do not run through other nodes
        back = x_of(v) <= x_of(u) if layout == "time" else hop[v] <= hop[u]
        arrow = FancyArrowPatch((x_of(u), y[u]), (x_of(v), y[v]), arrowstyle="-|>", mutation_scale=10,
                                linewidth=0.6 + 7.4 * frac, color="#4a6fa5", alpha=0.55,
                                connectionstyle=f"arc3,rad={0.2 if back else 0.0}",
                                shrinkA=7, shrinkB=7, zorder=1, gid=f"edge:{_name(u)}->{_name(v)}")
        ax.add_patch(arrow)
        if key in labelled:
            ax.annotate(format_amount(edges[key], dec.get(a), a),
                        ((x_of(u) + x_of(v)) / 2, (y[u] + y[v]) / 2), fontsize=_FONT - 1, ha="center",
                        va="center", color="#1d3557", zorder=4,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))

    cats = {}
    side = "right" if layout == "time" else "below"
    for n in nodes:
        xs, ys = x_of(n), y[n]
        if n in groups:
            ax.scatter([xs], [ys], s=160, marker="D", c="white", edgecolors="#777777", zorder=3, gid=f"node:{_name(n)}")
            _node_text(ax, xs, ys, f"+{len(groups[n])} others", side=side)
            continue
        if n in txs:
            ax.scatter([xs], [ys], s=14, c="black", zorder=3, gid=f"tx:{n}")
            continue
        if isinstance(n, tuple):  # a fee node
            got = {a: v for (m, a), v in inflow.items() if m == n}
            cats[FEE_CATEGORY] = True
            ax.scatter([xs], [ys], s=90, marker="s", c=_FIXED[FEE_CATEGORY], edgecolors="#333333", linewidths=0.8,
                       zorder=3, gid=f"node:{_name(n)}")
            _node_text(ax, xs, ys, "fee " + ", ".join(format_amount(v, dec.get(a), a) for a, v in sorted(got.items())),
                       side=side)
            continue
        cat = _category(n, tag)
        cats[cat] = True
        colour = _colour(cat, tag)
        is_src = n in sources
        ax.scatter([xs], [ys], s=320 if is_src else 170, marker="s" if n in ends else "o", c=colour,
                   edgecolors=SOURCE_COLOUR if is_src else "#333333", linewidths=3 if is_src else 0.8,
                   zorder=3, gid=f"node:{n}")
        text = _label(n, tag)
        if is_src:
            text = f"source: {text}\nsent " + ", ".join(
                format_amount(sum(r["tainted"] for r in rows if r["from"] == n and r["hop"] == 1 and r["asset"] == a),
                              dec.get(a), a) for a in sorted({r["asset"] for r in rows if r["from"] == n}))
        elif n not in ends:
            text += "\ngot " + ", ".join(format_amount(v, dec.get(a), a) for (m, a), v in sorted(inflow.items(), key=str)
                                         if m == n)
        if n in ends:
            amounts = ends[n]
            text += "\n" + "; ".join(f"{format_amount(v, dec.get(a), a)} {why}"
                                     for (a, why), v in sorted(amounts.items()))
        _node_text(ax, xs, ys, text, bold=is_src, side=side)

    if layout == "time":
        ax.xaxis_date(tz=timezone.utc)
        loc = mdates.AutoDateLocator(tz=timezone.utc)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, tz=timezone.utc))
        ax.set_xlabel("time value first reached the address (UTC)", fontsize=_FONT + 1)
        xs = [x_of(n) for n in nodes]
        pad = max((max(xs) - min(xs)) * 0.08, 1 / 24)
        ax.set_xlim(min(xs) - pad, max(xs) + pad)
    else:
        ax.set_xticks(range(last + 1), ["source"] + [f"hop {h}" for h in range(1, last + 1)])
        ax.set_xlabel("hops from the source" + (" (UTXO transactions sit half-way)" if txs else ""), fontsize=_FONT + 1)
        ax.set_xlim(-0.6, last + 0.8)
    ys = [y[n] for n in nodes]
    ax.set_ylim(min(ys) - (0.6 if layout == "time" else 1.0), max(ys) + 0.6)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=_FONT + 1)
    handles = [Patch(color=_colour(c, tag), label=c) for c in _ordered(cats)]
    handles += [Line2D([], [], marker="o", ls="", ms=10, mfc="white", mec=SOURCE_COLOUR, mew=2.5, label="source"),
                Line2D([], [], marker="s", ls="", ms=8, mfc="white", mec="#333333", label="endpoint (why it stopped)")]
    if txs:
        handles.append(Line2D([], [], marker="o", ls="", ms=3.5, color="black", label="UTXO transaction"))
    handles.append(Line2D([], [], color="#4a6fa5", lw=4, alpha=0.55, label="edge width ∝ tainted amount"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=_FONT, frameon=False,
              title="category / mark", title_fontsize=_FONT + 1)
    sent = ", ".join(format_amount(v, dec.get(a), a) for a, v in sorted(total.items()))
    shown = f"; {len(groups)} groups of smaller nodes merged" if groups else ""
    ax.set_title(title or f"Flow of traced value: {_who(sources, tag)} sent {sent}{shown}", fontsize=_FONT + 3)
    ax.figure.tight_layout()
    return ax


def timeline(flows, tags=None, ax=None, lane="address", max_lanes=20, decimals=None, annotate=5, title=None):
    """Draw when tainted value moved: one marker per flow at its UTC time, sized by the amount.

    Flows into a UTXO transaction are left out: its outputs, at the same time, carry the same
    value; pieces of one transfer are summed. Markers are coloured by the receiver's tag category;
    the largest are labelled.

    Parameters
    ----------
    flows : pandas.DataFrame
    tags : pandas.DataFrame, optional
    ax : matplotlib.axes.Axes, optional
    lane : {"address", "hop"}
        One row per receiving address (the ``max_lanes`` receiving most, in the order value first
        reached them), or one row per hop.
    max_lanes : int
    decimals : dict, optional
        Asset -> decimals (else a ``decimals`` column, else raw units).
    annotate : int
        How many of the largest flows get their receiver and amount written.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from tracer.trace import trace_forward
    >>> rows = [("c", "t1", 1, 1700000000, "s", "a", "X", 10, "native", 0, -1),
    ...         ("c", "t2", 2, 1700003600, "a", "b", "X", 4, "native", 0, -1)]
    >>> flows, _ = trace_forward(pd.DataFrame(rows, columns=T.COLUMNS), "s")
    >>> ax = timeline(flows)
    >>> len(ax.collections[0].get_offsets())
    2
    >>> plt.close(ax.figure)
    """
    if lane not in ("hop", "address"):
        raise ValueError(f"lane {lane!r}: use 'hop' or 'address'")
    every = _rows(flows)
    # pieces of one transfer (several lots, or several traces concatenated) are one marker
    merged = {}
    for r in every:
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
    tag = _tags(tags)
    dec = _decimals(flows, None, decimals)
    peak = {}
    for r in rows:
        peak[r["asset"]] = max(peak.get(r["asset"], 0), r["tainted"])
    if lane == "hop":
        lanes = sorted({r["hop"] for r in rows})
        lane_of = {h: i for i, h in enumerate(lanes)}
        names = [f"hop {h}" for h in lanes]
        key = lambda r: lane_of[r["hop"]]  # noqa: E731
    else:
        got = {}
        for r in rows:
            got[r["to"]] = got.get(r["to"], 0) + r["tainted"] / peak[r["asset"]]
        top = sorted(got, key=lambda a: (-got[a], a))[:max_lanes]
        first = {a: min(r["timestamp"] for r in rows if r["to"] == a) for a in top}
        top.sort(key=lambda a: (first[a], a))
        lane_of = {a: i for i, a in enumerate(top)}
        names = _distinct_labels(top, tag)
        if len(got) > len(top):
            names.append(f"{len(got) - len(top)} others")
        key = lambda r: lane_of.get(r["to"], len(top))  # noqa: E731
    ax = ax or plt.subplots(figsize=(10.0, max(3.5, 0.45 * len(names) + 2.2)))[1]
    order = sorted(range(len(rows)), key=lambda i: (-rows[i]["tainted"] / peak[rows[i]["asset"]], i))
    xs = [mdates.date2num(_utc(rows[i]["timestamp"])) for i in order]
    ys = [key(rows[i]) for i in order]
    sizes = [25 + 575 * rows[i]["tainted"] / peak[rows[i]["asset"]] for i in order]
    cats = [_category(rows[i]["to"], tag) for i in order]
    ax.scatter(xs, ys, s=sizes, c=[_colour(c, tag) for c in cats], alpha=0.75, edgecolors="#333333",
               linewidths=0.6, zorder=3, gid="flows")
    for i, x, yv in list(zip(order, xs, ys))[:annotate]:
        r = rows[i]
        what = format_amount(r["tainted"], dec.get(r["asset"]), r["asset"])
        if lane == "hop":
            what += f" → {textwrap.shorten(_label(r['to'], tag), 30, placeholder='…')}"
        ax.annotate(what, (x, yv),
                    xytext=(8, 9), textcoords="offset points", fontsize=_FONT, zorder=4,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.4, -0.6)  # the first hop (or first address reached) at the top
    ax.xaxis_date(tz=timezone.utc)
    loc = mdates.AutoDateLocator(tz=timezone.utc)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, tz=timezone.utc))
    span = max(xs) - min(xs)
    pad = max(span * 0.05, 1 / 48)
    ax.set_xlim(min(xs) - pad, max(xs) + max(span * 0.25, 1 / 12))  # room for the labels at the right
    ax.set_xlabel("time (UTC)", fontsize=_FONT + 1)
    ax.set_ylabel("hop" if lane == "hop" else "receiving address", fontsize=_FONT + 1)
    ax.tick_params(labelsize=_FONT + 1)
    ax.grid(axis="x", color="#e5e5e5", zorder=0)
    handles = [Patch(color=_colour(c, tag), label=c) for c in _ordered(dict.fromkeys(cats))]
    asset = sorted(peak)[0]
    for f in (1, 0.25):
        handles.append(Line2D([], [], marker="o", ls="", color="#bbbbbb", mec="#333333",
                              ms=(25 + 575 * f) ** 0.5,
                              label=format_amount(peak[asset] * (4 if f == 1 else 1) // 4, dec.get(asset), asset)))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=_FONT, frameon=False,
              title="receiver category / amount", title_fontsize=_FONT + 1, labelspacing=1.2)
    ax.set_title(title or f"Timeline of traced value: {len(rows)} transfers from {_who(_sources(every, _txs(flows)), tag)}",
                 fontsize=_FONT + 3)
    ax.figure.tight_layout()
    return ax


def sankey(flows, endpoints, tags=None, ax=None, top=8, asset=None, decimals=None, title=None):
    """Draw a Sankey-style flow: sources, then the value still moving after each hop, then endpoints.

    Bands are proportional to the amount. At each hop the value that stopped there leaves the
    trunk towards its endpoint group on the right: a tag label (with its category colour), or for
    untagged addresses why the value stopped (unspent, fee, hop limit...). The ``top`` groups
    holding most are shown; the rest are one "other" group.

    Parameters
    ----------
    flows, endpoints : pandas.DataFrame
        From :func:`tracer.trace.trace_forward` (or several traces concatenated).
    tags : pandas.DataFrame, optional
    ax : matplotlib.axes.Axes, optional
    top : int
    asset : str, optional
        Required when the endpoints hold several assets (their amounts do not add up).
    decimals : dict, optional
        Asset -> decimals (else a ``decimals`` column, else raw units).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from tracer.trace import trace_forward
    >>> rows = [("c", "t1", 1, 1, "s", "a", "X", 10, "native", 0, -1),
    ...         ("c", "t2", 2, 2, "a", "b", "X", 4, "native", 0, -1)]
    >>> flows, ends = trace_forward(pd.DataFrame(rows, columns=T.COLUMNS), "s")
    >>> ax = sankey(flows, ends)
    >>> sorted(p.get_gid() for p in ax.patches if str(p.get_gid()).startswith("sink:"))
    ['sink:untagged, unspent']
    >>> plt.close(ax.figure)
    """
    rows = _rows(flows)
    if endpoints is None or len(endpoints) == 0:
        raise ValueError("the trace has no endpoints: nothing to draw")
    missing = [c for c in ENDPOINT_NEEDS if c not in endpoints.columns]
    if missing:
        raise ValueError(f"endpoints table lacks column(s) {missing}")
    assets = sorted(set(endpoints["asset"]))
    if asset is None and len(assets) > 1:
        raise ValueError(f"the endpoints hold several assets {assets}; pass asset= to draw one")
    asset = asset or assets[0]
    if asset not in assets:
        raise ValueError(f"asset {asset!r} is not among the endpoints' assets {assets}")
    dec = _decimals(flows, endpoints, decimals).get(asset)
    tag = _tags(tags)
    txs = {r["tx_hash"] for r in rows if r["from"] == r["tx_hash"] or r["to"] == r["tx_hash"]}
    sources = _sources(rows, txs)
    out = {}
    for r in rows:
        if r["from"] in sources and r["hop"] == 1 and r["asset"] == asset:
            out[r["from"]] = out.get(r["from"], 0) + r["tainted"]
    ends = [(e.address, int(e.amount), max(int(e.hops), 1), e.why)
            for e in endpoints[endpoints["asset"] == asset].itertuples(index=False) if int(e.amount)]
    total = sum(a for _, a, _, _ in ends)
    if not total:
        raise ValueError(f"no {asset} reached an endpoint: nothing to draw")
    fmt = lambda v: format_amount(v, dec, asset)  # noqa: E731

    # endpoint groups: a tag label, else why an untagged address stopped
    group, gcat, gaddr = {}, {}, {}
    for addr, amt, h, why in ends:
        if addr in tag:
            g, c = tag[addr][0], _category(addr, tag)
        elif addr == T.FEE_ADDRESS:
            g, c = "fees", FEE_CATEGORY
        else:
            g, c = f"untagged, {why}", UNTAGGED
        group.setdefault(g, {})
        group[g][h] = group[g].get(h, 0) + amt
        gcat[g] = c
        gaddr.setdefault(g, set()).add(addr)
    size = {g: sum(v.values()) for g, v in group.items()}
    shown = sorted(group, key=lambda g: (-size[g], g))
    if len(shown) > top:
        rest = shown[top - 1:]
        shown = shown[:top - 1]
        merged = {}
        for g in rest:
            for h, v in group[g].items():
                merged[h] = merged.get(h, 0) + v
        other = f"other ({len(rest)} groups)"
        group[other], gcat[other], size[other] = merged, OTHER, sum(merged.values())
        gaddr[other] = set().union(*(gaddr[g] for g in rest))
        shown.append(other)
    last = max(h for _, _, h, _ in ends)

    def mean_hop(g):
        return sum(h * v for h, v in group[g].items()) / size[g]

    # later hops leave the trunk higher up: sinks ordered that way cross the fewest bands
    sinks = sorted([g for g in shown if gcat[g] != OTHER], key=lambda g: (-mean_hop(g), -size[g], g))
    sinks += [g for g in shown if gcat[g] == OTHER]

    ax = ax or plt.subplots(figsize=(12.0, max(5.0, 0.55 * len(sinks) + 3.0)))[1]
    gap = 0.12 / max(len(sinks) - 1, 1)
    w = 0.06
    x_sink = last + 1.2

    def h_of(v):
        return v / total  # heights in fractions of the total (float only here)

    # sources, stacked at the left
    srcs = sorted(out, key=lambda s: (-out[s], s))
    if len(srcs) > top:
        srcs, extra = srcs[:top - 1], srcs[top - 1:]
        out = {**{s: out[s] for s in srcs}, f"{len(extra)} other sources": sum(out[s] for s in extra)}
        srcs.append(f"{len(extra)} other sources")
    src_total = sum(out.values()) or total
    sgap = 0.12 / max(len(srcs) - 1, 1)
    top_y, trunk_y = 1.0, 1.0
    left, right = [], []  # (y, text) of labels, placed once the scale is known
    for s in srcs:
        hgt = h_of(out[s]) * total / src_total
        ax.add_patch(Rectangle((-w / 2, top_y - hgt), w, hgt, color=SOURCE_COLOUR, gid=f"source:{s}"))
        _band(ax, w / 2, top_y, top_y - hgt, 1 - w / 2, trunk_y, trunk_y - hgt, "#e8a0a0", 0.55)
        name = s if s not in sources else _label(s, tag)
        left.append((top_y - hgt / 2, f"{textwrap.shorten(name, 30, placeholder='…')}: {fmt(out[s])}"))
        top_y -= hgt + sgap
        trunk_y -= hgt

    # the trunk: what is still moving after each hop, top-aligned, thinning as value stops
    moving = {k: sum(a for _, a, h, _ in ends if h >= k) for k in range(1, last + 1)}
    sink_top, y_sink = {}, 1.0
    for g in sinks:
        sink_top[g] = y_sink
        ax.add_patch(Rectangle((x_sink - w / 2, y_sink - h_of(size[g])), w, h_of(size[g]),
                               color=_colour(gcat[g], tag), gid=f"sink:{g}"))
        n = len(gaddr[g])
        where = "transaction fees" if gcat[g] == FEE_CATEGORY else f"{n} addresses" if n > 1 else \
            short_address(next(iter(gaddr[g])))
        right.append((y_sink - h_of(size[g]) / 2,
                      f"{textwrap.shorten(g, 34, placeholder='…')} — {fmt(size[g])} ({_percent(size[g], total)})\n"
                      f"{where}, hop {_hops(group[g])}"))
        y_sink -= h_of(size[g]) + gap
    sink_fill = dict(sink_top)
    for k in range(1, last + 1):
        hk = h_of(moving[k])
        ax.add_patch(Rectangle((k - w / 2, 1 - hk), w, hk, color="#6c757d", gid=f"hop:{k}"))
        ax.text(k, 1 + 0.015, fmt(moving[k]), ha="center", va="bottom", fontsize=_FONT - 1, rotation=0)
        nxt = moving.get(k + 1, 0)
        if nxt:
            _band(ax, k + w / 2, 1, 1 - h_of(nxt), k + 1 - w / 2, 1, 1 - h_of(nxt), "#adb5bd", 0.5)
        y0 = 1 - h_of(nxt)
        for g in sinks:
            v = group[g].get(k, 0)
            if not v:
                continue
            hv = h_of(v)
            _band(ax, k + w / 2, y0, y0 - hv, x_sink - w / 2, sink_fill[g], sink_fill[g] - hv,
                  _colour(gcat[g], tag), 0.45)
            sink_fill[g] -= hv
            y0 -= hv

    ax.set_xticks([0] + list(range(1, last + 1)) + [x_sink],
                  ["sources" if len(srcs) > 1 else "source"] + [f"hop {k}" for k in range(1, last + 1)] + ["endpoints"])
    ax.tick_params(labelsize=_FONT + 1, length=0)
    ax.set_xlim(-1.6, x_sink + 2.6)
    bottom = min(y_sink, top_y) - 0.03
    ax.set_ylim(bottom, 1.06)
    # labels of thin bars would overlap: push them apart, with a leader line to their bar
    line = (_FONT + 3) / 72 / (ax.figure.get_figheight() * 0.75) * (1.06 - bottom)
    for x_bar, x_text, ha, labels, n in ((-w / 2, -w * 2.5, "right", left, 1), (x_sink + w / 2, x_sink + w * 2.5, "left", right, 2)):
        placed = _spread([yv for yv, _ in labels], n * line)
        for (yv, text), yt in zip(labels, placed):
            ax.annotate(text, (x_bar, yv), xytext=(x_text, yt), ha=ha, va="center", fontsize=_FONT,
                        arrowprops=dict(arrowstyle="-", color="#999999", lw=0.6, shrinkA=0, shrinkB=0)
                        if abs(yt - yv) > line / 3 else None)
    ax.set_yticks([])
    for side in ("left", "right", "top", "bottom"):
        ax.spines[side].set_visible(False)
    cats = _ordered(dict.fromkeys(gcat[g] for g in sinks))
    ax.legend(handles=[Patch(color=_colour(c, tag), label=c) for c in cats], loc="upper center",
              bbox_to_anchor=(0.5, -0.06), fontsize=_FONT, frameon=False, title="endpoint category",
              title_fontsize=_FONT + 1, ncols=min(len(cats), 4))
    ax.set_title(title or f"Where the traced value went: {fmt(total)} from {_who(sources, tag)}; "
                 "band widths ∝ amount, grey = still moving after each hop", fontsize=_FONT + 3)
    ax.figure.tight_layout()
    return ax


def save(ax, path, dpi=110):
    """Save the figure of ``ax`` as PNG with no software or date in it, so the bytes repeat.

    Examples
    --------
    >>> import os, tempfile
    >>> fig, ax = plt.subplots()
    >>> p = os.path.join(tempfile.mkdtemp(), "f.png")
    >>> save(ax, p)
    >>> b"matplotlib" in open(p, "rb").read()
    False
    >>> plt.close(fig)
    """
    ax.figure.savefig(path, dpi=dpi, format="png", metadata={"Software": None})


def save_all(flows, endpoints, prefix, tags=None, decimals=None):
    """Draw the flow graph, the timeline and a Sankey per asset, save each as ``{prefix}{name}.png``
    (:func:`save`) and close it; return ``[(file name, caption)]`` in that order.

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from tracer.trace import trace_forward
    >>> rows = [("c", "t1", 1, 1, "s", "a", "X", 10, "native", 0, -1)]
    >>> flows, ends = trace_forward(pd.DataFrame(rows, columns=T.COLUMNS), "s")
    >>> [name for name, _ in save_all(flows, ends, os.path.join(tempfile.mkdtemp(), "case-"))]
    ['case-flow.png', 'case-timeline.png', 'case-sankey.png']
    """
    figures = [("flow", "Flow graph: who passed the value on, hop by hop; edge widths follow the amounts",
                lambda: flow_graph(flows, endpoints, tags=tags, decimals=decimals)),
               ("timeline", "Timeline: when the value reached each address",
                lambda: timeline(flows, tags=tags, decimals=decimals))]
    assets = sorted(set(endpoints["asset"]))
    for asset in assets:  # a Sankey adds amounts: one asset each
        figures.append(("sankey" if len(assets) == 1 else f"sankey-{asset}",
                        f"Where the {asset} went: value still moving after each hop, and where it stopped",
                        lambda asset=asset: sankey(flows, endpoints, tags=tags, asset=asset, decimals=decimals)))
    written = []
    for name, caption, draw in figures:
        ax = draw()
        path = f"{prefix}{name}.png"
        save(ax, path)
        plt.close(ax.figure)
        written.append((os.path.basename(path), caption))
    return written


# --- helpers -----------------------------------------------------------------------------------

def _rows(flows):
    """The flows as dicts with exact ints; a clear error for an empty or foreign table."""
    if flows is None or len(flows) == 0:
        raise ValueError("the trace is empty (no flows): nothing to plot; did the source send anything "
                         "in the data and time window?")
    missing = [c for c in FLOW_NEEDS if c not in flows.columns]
    if missing:
        raise ValueError(f"flows table lacks column(s) {missing}; pass the flows of trace_forward")
    cols = [flows[c].tolist() for c in FLOW_NEEDS]
    rows = []
    for i, vals in enumerate(zip(*cols)):
        r = dict(zip(FLOW_NEEDS, vals))
        for c in ("hop", "timestamp", "tainted"):
            try:
                r[c] = int(r[c])
            except (TypeError, ValueError):
                raise ValueError(f"flows row {i}: column {c} is not an integer: {r[c]!r}") from None
        rows.append(r)
    return rows


def _txs(flows):
    return {h for h, f, t in zip(flows["tx_hash"], flows["from"], flows["to"]) if h in (f, t)}


def _sources(rows, txs):
    """Addresses sending at hop 1 that are not UTXO transactions: where the traces started."""
    found = sorted({r["from"] for r in rows if r["hop"] == 1 and r["from"] not in txs})
    return found or sorted({r["from"] for r in rows if r["hop"] == min(q["hop"] for q in rows)})


def _tags(tags):
    """address -> (label, category) from a TagPack table; an address's most confident (else first) tag wins."""
    if tags is None or len(tags) == 0:
        return {}
    for c in ("address", "label"):
        if c not in tags.columns:
            raise ValueError(f"tags table lacks column {c!r}; pass the table of load_tagpacks")
    if "confidence_level" in tags.columns:  # several packs may tag an address: the most confident first
        tags = tags.sort_values("confidence_level", ascending=False, kind="stable", na_position="last")
    cats = tags["category"] if "category" in tags.columns else [None] * len(tags)
    out = {}
    for a, label, cat in zip(tags["address"], tags["label"], cats):
        if not isinstance(a, str):  # a tag on a transaction, not an address
            continue
        a = a.lower() if a.startswith("0x") else a
        out.setdefault(a, (str(label), cat if isinstance(cat, str) and cat else "tagged"))
    return out


def _decimals(flows, endpoints, decimals):
    """asset -> decimals, from the argument or a ``decimals`` column of either table."""
    found = {}
    for t in (flows, endpoints):
        if t is not None and "decimals" in getattr(t, "columns", ()):
            for a, d in zip(t["asset"], t["decimals"]):
                if d is not None and d == d:
                    found.setdefault(a, int(d))
    found.update(decimals or {})
    return found


def _endpoint_info(endpoints):
    """address -> {(asset, why): amount}."""
    if endpoints is None or len(endpoints) == 0:
        return {}
    out = {}
    for a, asset, amt, why in zip(endpoints["address"], endpoints["asset"], endpoints["amount"], endpoints["why"]):
        d = out.setdefault(a, {})
        d[(asset, why)] = d.get((asset, why), 0) + int(amt)
    return out


def _category(address, tag):
    if address in tag:
        return tag[address][1]
    return FEE_CATEGORY if address == T.FEE_ADDRESS else UNTAGGED


def _label(address, tag):
    if address in tag:
        return tag[address][0]
    return "fees" if address == T.FEE_ADDRESS else short_address(address)


def _distinct_labels(addresses, tag, width=30):
    """Labels for a list of addresses; two addresses sharing a tag label get their short address too."""
    names = [textwrap.shorten(_label(a, tag), width, placeholder="…") for a in addresses]
    return [f"{n} ({short_address(a)})" if names.count(n) > 1 else n for n, a in zip(names, addresses)]


def _who(sources, tag):
    if len(sources) == 1:
        return _label(sources[0], tag)
    return f"{len(sources)} sources"


def _ordered(cats):
    """Categories in a fixed order: tagged ones alphabetically, then fee, untagged, other."""
    tail = [c for c in (FEE_CATEGORY, UNTAGGED, OTHER) if c in cats]
    return sorted(c for c in cats if c not in tail) + tail


def _colour(cat, tag):
    if cat in _FIXED:
        return _FIXED[cat]
    # by position among all categories in the tag table, so a figure's colours do not depend on which appear
    known = sorted({c for _, c in tag.values()} | {cat})
    return _PALETTE[known.index(cat) % len(_PALETTE)]


def _name(node):
    return f"{node[0]}@{node[1]}" if isinstance(node, tuple) else str(node)


def _utc(ts):
    return datetime.fromtimestamp(int(ts), tz=timezone.utc)


def _percent(part, whole):
    """A share written with one decimal, from integers (``part`` and ``whole`` are base units)."""
    tenths = (part * 1000 + whole // 2) // whole
    if not tenths and part:
        return "<0.1%"
    return f"{tenths // 10}.{tenths % 10}%"


def _spread(ys, gap):
    """Positions at or below ``ys`` (listed top to bottom), each at least ``gap`` below the previous.

    Examples
    --------
    >>> _spread([1.0, 0.99, 0.5], 0.1)
    [1.0, 0.9, 0.5]
    """
    out = []
    for v in ys:
        out.append(v if not out else min(v, out[-1] - gap))
    return out


def _hops(by_hop):
    hs = sorted(by_hop)
    return f"{hs[0]}" if len(hs) == 1 else f"{hs[0]}–{hs[-1]}"


def _node_text(ax, x, y, text, bold=False, side="below"):
    if side == "right":  # one line beside the node (rows are tight)
        wrapped, where = text.replace("\n", " — "), dict(xytext=(9, 0), ha="left", va="center")
    else:
        wrapped = "\n".join(textwrap.fill(line, 24) for line in text.split("\n"))
        where = dict(xytext=(0, -11), ha="center", va="top")
    ax.annotate(wrapped, (x, y), textcoords="offset points", **where,
                fontsize=_FONT, fontweight="bold" if bold else "normal", zorder=5,
                bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.75))


def _layered(nodes, hop, edges, sources):
    """y of each node: columns by x, each node near the amount-weighted mean y of its predecessors."""
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


def _band(ax, x0, top0, bot0, x1, top1, bot1, colour, alpha):
    """A band from the edge [bot0, top0] at x0 to [bot1, top1] at x1, with S-shaped sides."""
    mid = (x0 + x1) / 2
    verts = [(x0, top0), (mid, top0), (mid, top1), (x1, top1), (x1, bot1), (mid, bot1), (mid, bot0), (x0, bot0),
             (x0, top0)]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO, Path.CURVE4, Path.CURVE4,
             Path.CURVE4, Path.CLOSEPOLY]
    ax.add_patch(PathPatch(Path(verts, codes), fc=colour, ec="none", alpha=alpha, zorder=1, gid="band"))
