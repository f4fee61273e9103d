"""The timeline: when traced value moved, one marker per transfer at its UTC time."""
import textwrap

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tracer.plot import draw, layout as L, style, view as V
from tracer.plot.style import FONT


def timeline(trace, *, tags=None, ax=None, lane="address", max_lanes=20, decimals=None, annotate=5, title=None):
    """Draw when tainted value moved: one marker per flow at its UTC time, sized by the amount
    (each asset to its own largest flow, which the legend gives per asset).

    Flows into a UTXO transaction are left out: its outputs, at the same time, carry the same
    value; pieces of one transfer are summed. Markers are coloured by the receiver's tag category;
    the largest are labelled.

    Parameters
    ----------
    trace : TraceResult or pandas.DataFrame
        A trace result, or its ``flows``.
    tags : pandas.DataFrame, optional
    ax : matplotlib.axes.Axes, optional
    lane : {"address", "hop"}
        One row per receiving address (the ``max_lanes`` receiving most, in the order value first
        reached them), or one row per hop.
    max_lanes : int
    decimals : dict, optional
        Asset -> decimals, with a flows table (else a ``decimals`` column, else raw units).
    annotate : int
        How many of the largest flows get their receiver and amount written.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from tracer.handmade import account
    >>> from tracer.trace import trace
    >>> ax = timeline(trace(account([("t1", "s", "a", 10), ("t2", "a", "b", 4)]), "s"))
    >>> len(ax.collections[0].get_offsets())
    2
    >>> plt.close(ax.figure)
    """
    v = V.view(trace, tags=tags, decimals=decimals)
    rows = L.timeline_rows(v, lane)
    peak = {}
    for r in rows:
        peak[r["asset"]] = max(peak.get(r["asset"], 0), r["tainted"])
    if lane == "hop":
        lanes = sorted({r["hop"] for r in rows})
        lane_of = {h: i for i, h in enumerate(lanes)}
        names = [f"hop {h}" for h in lanes]

        def key(r):
            return lane_of[r["hop"]]
    else:
        got = {}
        for r in rows:
            got[r["to"]] = got.get(r["to"], 0) + r["tainted"] / peak[r["asset"]]
        top = sorted(got, key=lambda a: (-got[a], a))[:max_lanes]
        first = {a: min(r["timestamp"] for r in rows if r["to"] == a) for a in top}
        top.sort(key=lambda a: (first[a], a))
        lane_of = {a: i for i, a in enumerate(top)}
        names = V.distinct_labels(v, top)
        if len(got) > len(top):
            names.append(f"{len(got) - len(top)} others")

        def key(r):
            return lane_of.get(r["to"], len(top))
    ax = ax or draw.axes((10.0, max(3.5, 0.45 * len(names) + 2.2)))
    order = sorted(range(len(rows)), key=lambda i: (-rows[i]["tainted"] / peak[rows[i]["asset"]], i))
    xs = [draw.x_time(rows[i]["timestamp"]) for i in order]
    ys = [key(rows[i]) for i in order]
    sizes = [25 + 575 * rows[i]["tainted"] / peak[rows[i]["asset"]] for i in order]
    cats = [v.category(rows[i]["to"]) for i in order]
    ax.scatter(xs, ys, s=sizes, c=[style.colour(c, v.tag) for c in cats], alpha=0.75, edgecolors="#333333",
               linewidths=0.6, zorder=3, gid="flows")
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.4, -0.6)  # the first hop (or first address reached) at the top
    draw.time_axis(ax)
    span = max(xs) - min(xs)
    pad = max(span * 0.05, 1 / 48)
    ax.set_xlim(min(xs) - pad, max(xs) + max(span * 0.25, 1 / 12))  # room for the labels at the right
    ax.set_xlabel("time (UTC)", fontsize=FONT + 1)
    ax.set_ylabel("hop" if lane == "hop" else "receiving address", fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT + 1)
    ax.grid(axis="x", color="#e5e5e5", zorder=0)
    handles = [Patch(color=style.colour(c, v.tag), label=c) for c in style.ordered(dict.fromkeys(cats))]
    # each asset is sized to its own largest transfer (ETH and a token's units do not compare):
    # one asset gets two sizes; several get their largest each
    assets = sorted(peak, key=lambda a: (v.symbols.get(a, a), a))
    scale = [(assets[0], 1), (assets[0], 0.25)] if len(assets) == 1 else [(a, 1) for a in assets]
    for a, f in scale:
        handles.append(Line2D([], [], marker="o", ls="", color="#bbbbbb", mec="#333333", ms=(25 + 575 * f) ** 0.5,
                              label=v.fmt(peak[a] * (4 if f == 1 else 1) // 4, a)))
    what = "receiver category / amount" if len(assets) == 1 else "receiver category /\nlargest of each asset"
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=FONT, frameon=False,
              title=what, title_fontsize=FONT + 1, labelspacing=1.2)
    srcs = V.sources(v.rows, v.txs)
    draw.title(ax, title or f"Timeline of traced value: {len(rows)} transfers from {V.who(srcs, v)}")
    ax.figure.tight_layout()
    labels = []
    for i, x, yv in list(zip(order, xs, ys, strict=True))[:annotate]:
        r = rows[i]
        what = v.fmt(r["tainted"], r["asset"])
        if lane == "hop":
            what += f" → {textwrap.shorten(v.label(r['to']), 30, placeholder='…')}"
        labels.append(ax.annotate(what, (x, yv), xytext=(8, 9), textcoords="offset points", fontsize=FONT, zorder=4,
                                  bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}))
    _label_clear(ax, labels)
    return ax


def _label_clear(ax, labels):
    """Keep the labels, largest flow first, that do not cover one already kept: equal flows at one
    time (a fan-out of equal payments) put their labels on top of each other, unreadable. Placed
    once the layout is final, so the boxes measured are the ones drawn."""
    renderer = ax.figure.canvas.get_renderer()
    kept = []
    for t in labels:
        box = t.get_window_extent(renderer)
        if any(box.overlaps(k) for k in kept):
            t.remove()
        else:
            kept.append(box)
