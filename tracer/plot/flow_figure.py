"""The flow graph: addresses left to right by hop (or time), edges as wide as the traced value."""
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.transforms import Bbox

from tracer.plot import draw, layout as L, style, view as V
from tracer.plot.style import FONT, SOURCE_COLOUR


def flow_graph(trace, endpoints=None, *, tags=None, layout="hop", ax=None, max_nodes=40, decimals=None,
               edge_labels=12, title=None):
    """Draw the trace as a graph: addresses left to right by hop (or time), edges as wide as the taint.

    UTXO transactions (where ``from`` or ``to`` is the transaction hash) are small black points
    between their inputs and outputs. Nodes are labelled with their tag label or a shortened
    address and coloured by tag category; the source has a red ring; endpoints are squares whose
    label says where the value stopped and why. An address that received more than the traced
    part says so ("received 0.584 BTC in 18 transfers; 0.0046 BTC traced"). Edge widths are
    proportional to the tainted amount (within an asset), and the largest edges are labelled.

    Parameters
    ----------
    trace : TraceResult or pandas.DataFrame
        A trace result (its endpoints, tags, decimals and symbols are used), or its ``flows``.
    endpoints : pandas.DataFrame, optional
        With a flows table: its endpoints, to mark where value stopped and why.
    tags : pandas.DataFrame, optional
        TagPack table (address, label, category, ...), if the result has none.
    layout : {"hop", "time"}
        x is the hop count from the source, or the UTC time value first arrived.
    ax : matplotlib.axes.Axes, optional
    max_nodes : int
        Beyond this many nodes, those receiving the least taint are merged into one
        "+N others" node per column.
    decimals : dict, optional
        Asset -> decimals, with a flows table (else a ``decimals`` column, else raw units).
    edge_labels : int
        How many of the largest edges get their amount written.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from tracer.handmade import account
    >>> from tracer.trace import trace
    >>> ax = flow_graph(trace(account([("t1", "s", "a", 10), ("t2", "a", "b", 4)]), "s"))
    >>> sorted(p.get_gid() for p in ax.patches if isinstance(p, FancyArrowPatch))
    ['edge:a->b', 'edge:s->a']
    >>> plt.close(ax.figure)
    """
    v = V.view(trace, endpoints, tags=tags, decimals=decimals)
    g = L.flow_layout(v, layout, max_nodes)
    hop, y = g.hop, g.y

    def x_of(n):
        return draw.x_time(g.time[n]) if layout == "time" else hop[n]

    labels = {n: L.node_text(v, g, n) for n in g.nodes if n not in g.txs or n in g.sources}
    if ax is None:
        if layout == "time":
            size = (15.0, max(4.5, 0.32 * len(g.nodes) + 1.8))
        else:
            # rows one unit of y apart must leave room for the longest label below a node (about
            # 0.14 in a line at this font), or the labels of a column run into each other
            lines = max((draw.wrap(t).count("\n") + 1 for n, t in labels.items() if not L.is_fee(n)), default=1)
            ys = [y[n] for n in g.nodes]
            per_row = max(0.95, 0.14 * lines + 0.4)
            size = (min(22.0, max(9.0, 1.6 * (g.last + 1) + 3.5)),
                    min(40.0, max(5.0, per_row * (max(ys) - min(ys) + 1) + 2.0)))
        ax = draw.axes(size)
    _edges(ax, v, g, x_of, layout, edge_labels)
    cats = _nodes(ax, v, g, x_of, labels, "right" if layout == "time" else "below")
    if layout == "time":
        draw.time_axis(ax)
        ax.set_xlabel("time value first reached the address (UTC)", fontsize=FONT + 1)
        xs = [x_of(n) for n in g.nodes]
        pad = max((max(xs) - min(xs)) * 0.08, 1 / 24)
        ax.set_xlim(min(xs) - pad, max(xs) + pad)
    else:
        ax.set_xticks(range(g.last + 1), ["source"] + [f"hop {h}" for h in range(1, g.last + 1)])
        ax.set_xlabel("hops from the source" + (" (UTXO transactions sit half-way)" if g.txs else ""),
                      fontsize=FONT + 1)
        ax.set_xlim(-0.6, g.last + 0.8)
    ys = [y[n] for n in g.nodes]
    ax.set_ylim(min(ys) - (0.6 if layout == "time" else 1.0), max(ys) + 0.6)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT + 1)
    handles = [Patch(color=style.colour(c, v.tag), label=c) for c in style.ordered(cats)]
    handles += [Line2D([], [], marker="o", ls="", ms=10, mfc="white", mec=SOURCE_COLOUR, mew=2.5, label="source"),
                Line2D([], [], marker="s", ls="", ms=8, mfc="white", mec="#333333", label="endpoint (why it stopped)")]
    if g.txs:
        handles.append(Line2D([], [], marker="o", ls="", ms=3.5, color="black", label="UTXO transaction"))
    handles.append(Line2D([], [], color="#4a6fa5", lw=4, alpha=0.55, label="edge width ∝ tainted amount"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=FONT, frameon=False,
              title="category / mark", title_fontsize=FONT + 1)
    if g.hidden_fees:
        note = "; ".join(f"{v.fmt(x, a)} in {k} fee{'s' * (k != 1)}" for a, (x, k) in sorted(g.hidden_fees.items()))
        ax.annotate(f"not drawn (too small to see): {note}", (0.0, 0.0), xycoords="axes fraction",
                    xytext=(2, 2), textcoords="offset points", fontsize=FONT - 1, color="#555555")
    sent = ", ".join(v.exact(x, a) for a, x in sorted(g.total.items()))
    shown = f"; {len(g.groups)} groups of smaller nodes merged" if g.groups else ""
    draw.title(ax, title or f"Flow of traced value: {V.who(g.sources, v)} sent {sent}{shown}")
    ax.figure.tight_layout()
    return ax


def _edges(ax, v, g, x_of, layout, edge_labels):
    peak = {}
    for (_, _, a), amt in g.edges.items():
        peak[a] = max(peak.get(a, 0), amt)
    ranked = sorted(g.edges, key=lambda k: (-(g.edges[k] / peak[k[2]]), str(k)))
    # UTXO edges are short and their amounts are on the node labels; so are fees'
    labelled = [k for k in ranked if k[0] not in g.txs and k[1] not in g.txs and not L.is_fee(k[1])][:edge_labels]
    for key in sorted(g.edges, key=lambda k: (g.edges[k] / peak[k[2]], str(k))):  # wide edges on top
        u, w, a = key
        frac = g.edges[key] / peak[a] if peak[a] else 0.0
        # edges backwards, or straight down a column, bow above so they do not run through other
        # nodes; so do edges along a row over nodes in it, higher (a conversion's round trip has
        # both; below are the nodes' labels)
        back = x_of(w) <= x_of(u) if layout == "time" else g.hop[w] <= g.hop[u]
        over = not back and any(g.y[n] == g.y[u] == g.y[w] and x_of(u) < x_of(n) < x_of(w) for n in g.y)
        ends, rad = ((x_of(u), g.y[u]), (x_of(w), g.y[w])), BOW if back else -1.6 * BOW if over else 0.0
        ax.add_patch(FancyArrowPatch(*ends, arrowstyle="-|>", mutation_scale=10,
                                     linewidth=0.6 + 7.4 * frac, color="#4a6fa5", alpha=0.55,
                                     connectionstyle=f"arc3,rad={rad}", shrinkA=7, shrinkB=7,
                                     zorder=1, gid=f"edge:{L.name(u)}->{L.name(w)}"))
        if key in labelled:
            ax.annotate(v.fmt(g.edges[key], a), (0, 0), xycoords=_on_arc(ax, *ends, rad),
                        fontsize=FONT - 1, ha="center", va="center", color="#1d3557", zorder=4,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})


BOW = 0.2  # how far an edge drawn backwards bows (matplotlib's arc3 rad); one over a row's nodes, 1.6 times that


def _on_arc(ax, p, q, rad):
    """Where an edge label goes: half-way along the edge from ``p`` to ``q`` (data coordinates) as
    matplotlib's ``arc3`` draws it, worked out when the figure is drawn (the bow is in screen
    space), so that a bowed edge's label sits on its arc, not on the straight line where other
    nodes and labels are."""
    def at(renderer):
        (x1, y1), (x2, y2) = ax.transData.transform([p, q])
        # the quadratic curve's middle: half-way between the ends' midpoint and arc3's control point
        x, y = (x1 + x2) / 2 + rad * (y2 - y1) / 2, (y1 + y2) / 2 - rad * (x2 - x1) / 2
        return Bbox.from_bounds(x, y, 0, 0)
    return at


def _nodes(ax, v, g, x_of, labels, side):
    cats = {}
    for n in g.nodes:
        xs, ys = x_of(n), g.y[n]
        if n in g.groups:
            ax.scatter([xs], [ys], s=160, marker="D", c="white", edgecolors="#777777", zorder=3,
                       gid=f"node:{L.name(n)}")
        elif n in g.txs and n in g.sources:  # a source transaction: ringed like a source address
            ax.scatter([xs], [ys], s=90, c="black", edgecolors=SOURCE_COLOUR, linewidths=2.5, zorder=3, gid=f"tx:{n}")
        elif n in g.txs:
            ax.scatter([xs], [ys], s=14, c="black", zorder=3, gid=f"tx:{n}")
            continue
        elif L.is_fee(n):
            cats[style.FEE_CATEGORY] = True
            ax.scatter([xs], [ys], s=60, marker="s", c=style.colour(style.FEE_CATEGORY, v.tag), edgecolors="#333333",
                       linewidths=0.8, zorder=3, gid=f"node:{L.name(n)}")
            draw.node_text(ax, xs, ys, labels[n], side="right", size=FONT - 1)
            continue
        else:
            cat = v.category(n)
            cats[cat] = True
            is_src = n in g.sources
            ax.scatter([xs], [ys], s=320 if is_src else 170, marker="s" if n in g.ends else "o",
                       c=style.colour(cat, v.tag), edgecolors=SOURCE_COLOUR if is_src else "#333333",
                       linewidths=3 if is_src else 0.8, zorder=3, gid=f"node:{n}")
        draw.node_text(ax, xs, ys, labels[n], bold=n in g.sources, side=side)
    return cats
