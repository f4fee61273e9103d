"""The Sankey-style flow: sources, the value still moving after each hop, and where it stopped."""
import textwrap

from matplotlib.patches import Patch, Rectangle

from tracer.plot import draw, layout as L, style, view as V
from tracer.plot.style import FONT, SOURCE_COLOUR


def sankey(trace, endpoints=None, *, tags=None, ax=None, top=8, asset=None, decimals=None, title=None):
    """Draw a Sankey-style flow: sources, then the value still moving after each hop, then endpoints.

    Bands are proportional to the amount. At each hop the value that stopped there leaves the
    trunk towards its endpoint group on the right: a tag label (with its category colour), or for
    untagged addresses why the value stopped (unspent, fee, hop limit...). The ``top`` groups
    holding most are shown; the rest are one "other" group. Several sources (the victims of a
    multi-source trace) are stacked at the left, each with what it sent. Amounts of different
    assets do not add up: one Sankey per asset (``asset=``; :func:`tracer.plot.save_all` writes
    one file each).

    Parameters
    ----------
    trace : TraceResult or pandas.DataFrame
        A trace result, or its ``flows`` (then ``endpoints`` too).
    endpoints : pandas.DataFrame, optional
    tags : pandas.DataFrame, optional
    ax : matplotlib.axes.Axes, optional
    top : int
    asset : str, optional
        Required when the endpoints hold several assets (their amounts do not add up).
    decimals : dict, optional
        Asset -> decimals, with a flows table (else a ``decimals`` column, else raw units).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from tracer.handmade import account
    >>> from tracer.trace import trace
    >>> ax = sankey(trace(account([("t1", "s", "a", 10), ("t2", "a", "b", 4)]), "s"))
    >>> sorted(p.get_gid() for p in ax.patches if str(p.get_gid()).startswith("sink:"))
    ['sink:untagged, unspent']
    >>> plt.close(ax.figure)
    """
    v = V.view(trace, endpoints, tags=tags, decimals=decimals, need_endpoints=True)
    g = L.sankey_groups(v, asset, top)
    asset = asset or sorted(set(v.ends["asset"]))[0]

    def fmt(x):
        return v.fmt(x, asset)

    def h_of(x):
        return x / g.total  # heights in fractions of the total (float only here)

    ax = ax or draw.axes((12.0, max(5.0, 0.55 * len(g.sinks) + 3.0)))
    gap, w, x_sink = 0.12 / max(len(g.sinks) - 1, 1), 0.06, g.last + 1.2
    out = dict(g.sources)
    srcs = sorted(out, key=lambda s: (-out[s], s))
    if len(srcs) > top:
        srcs, extra = srcs[:top - 1], srcs[top - 1:]
        out = {**{s: out[s] for s in srcs}, f"{len(extra)} other sources": sum(out[s] for s in extra)}
        srcs.append(f"{len(extra)} other sources")
    src_total = sum(out.values()) or g.total
    sgap = 0.12 / max(len(srcs) - 1, 1)
    top_y = trunk_y = 1.0
    left, right = [], []  # (y, text) of labels, placed once the scale is known
    for s in srcs:  # sources, stacked at the left
        hgt = h_of(out[s]) * g.total / src_total
        ax.add_patch(Rectangle((-w / 2, top_y - hgt), w, hgt, color=SOURCE_COLOUR, gid=f"source:{s}"))
        draw.band(ax, w / 2, top_y, top_y - hgt, 1 - w / 2, trunk_y, trunk_y - hgt, "#e8a0a0", 0.55)
        left.append((top_y - hgt / 2, f"{V.source_name(v, s)}: {fmt(out[s])}"))
        top_y -= hgt + sgap
        trunk_y -= hgt
    # the trunk: what is still moving after each hop, top-aligned, thinning as value stops
    # (from the first hop where the asset moves: a converted one starts later)
    hops = range(g.first, g.last + 1)
    moving = {k: sum(x for grp in g.group.values() for h, x in grp.items() if h >= k) for k in hops}
    sink_fill, y_sink = {}, 1.0
    for s in g.sinks:
        sink_fill[s] = y_sink
        ax.add_patch(Rectangle((x_sink - w / 2, y_sink - h_of(g.size[s])), w, h_of(g.size[s]),
                               color=style.colour(g.category[s], v.tag), gid=f"sink:{s}"))
        n = len(g.addresses[s])
        where = "transaction fees" if g.category[s] == style.FEE_CATEGORY else f"{n} addresses" if n > 1 else \
            V.short_address(next(iter(g.addresses[s])))
        right.append((y_sink - h_of(g.size[s]) / 2,
                      f"{textwrap.shorten(s, 34, placeholder='…')} — {fmt(g.size[s])} ({V.percent(g.size[s], g.total)})"
                      f"\n{where}, hop {L.hops_text(g.group[s])}"))
        y_sink -= h_of(g.size[s]) + gap
    for k in hops:
        hk = h_of(moving[k])
        ax.add_patch(Rectangle((k - w / 2, 1 - hk), w, hk, color="#6c757d", gid=f"hop:{k}"))
        if k == g.first or moving[k] != moving[k - 1]:  # what is still moving, where it changes; staggered to fit
            ax.text(k, 1 + 0.012 + (0.028 if g.last > 6 and k % 2 == 0 else 0), fmt(moving[k]), ha="center",
                    va="bottom", fontsize=FONT - 1)
        nxt = moving.get(k + 1, 0)
        if nxt:
            draw.band(ax, k + w / 2, 1, 1 - h_of(nxt), k + 1 - w / 2, 1, 1 - h_of(nxt), "#adb5bd", 0.5)
        y0 = 1 - h_of(nxt)
        for s in g.sinks:
            x = g.group[s].get(k, 0)
            if x:
                draw.band(ax, k + w / 2, y0, y0 - h_of(x), x_sink - w / 2, sink_fill[s], sink_fill[s] - h_of(x),
                          style.colour(g.category[s], v.tag), 0.45)
                sink_fill[s] -= h_of(x)
                y0 -= h_of(x)
    first = "sources" if len(srcs) > 1 else "source" if srcs else ""
    ax.set_xticks([0, *hops, x_sink], [first] + [f"hop {k}" for k in hops] + ["endpoints"])
    ax.tick_params(labelsize=FONT + 1, length=0)
    ax.xaxis.set_ticks_position("top")  # the endpoints' labels run down the right: keep the axis clear of them
    ax.set_xlim(-1.6 if srcs else g.first - 1.0, x_sink + 2.6)
    _labels(ax, left, right, min(y_sink, top_y) - 0.03, w, x_sink)
    ax.set_yticks([])
    for side in ("left", "right", "top", "bottom"):
        ax.spines[side].set_visible(False)
    cats = style.ordered(dict.fromkeys(g.category[s] for s in g.sinks))
    ax.legend(handles=[Patch(color=style.colour(c, v.tag), label=c) for c in cats], loc="upper center",
              bbox_to_anchor=(0.5, -0.06), fontsize=FONT, frameon=False, title="endpoint category",
              title_fontsize=FONT + 1, ncols=min(len(cats), 4))
    # an asset no source sent came from converting what they sent (a swap, a wrap)
    who = ("from " + V.source_name(v, srcs[0]) if len(srcs) == 1 else f"from {len(g.sources)} sources" if srcs
           else "converted from what the sources sent")
    draw.title(ax, title or f"Where the traced {v.symbols.get(asset, asset)} went: {v.exact(g.total, asset)} {who}; "
                            "band widths ∝ amount, grey = still moving after each hop")
    ax.figure.tight_layout()
    _fit(ax)
    return ax


def _fit(ax):
    """Grow the y range until every label sits inside the axes (above the legend below them)."""
    for _ in range(4):
        ax.figure.canvas.draw()
        low = min((t.get_window_extent().y0 for t in ax.texts), default=ax.bbox.y0)
        over = ax.bbox.y0 + 2 - low
        if over <= 0:
            return
        y0, y1 = ax.get_ylim()
        ax.set_ylim(y0 - over * (y1 - y0) / ax.bbox.height * 1.2, y1)
        ax.figure.tight_layout()


def _labels(ax, left, right, bottom, w, x_sink):
    """Labels of thin bars would overlap: push them apart, with a leader line to their bar, and
    keep the lowest above the axis labels (the y range grows to hold them)."""
    for _ in range(2):  # the line height depends on the y range, which depends on the labels
        ax.set_ylim(bottom, 1.08)
        line = (FONT + 3) / 72 / (ax.figure.get_figheight() * 0.75) * (1.08 - bottom)
        placed = [L.spread([y for y, _ in labels], n * line) for labels, n in ((left, 1), (right, 2))]
        lowest = min([p[-1] - n * line for p, n in zip(placed, (1, 2), strict=True) if p] + [bottom])
        if lowest >= bottom:
            break
        bottom = lowest
    for x_bar, x_text, ha, labels, ys in ((-w / 2, -w * 2.5, "right", left, placed[0]),
                                           (x_sink + w / 2, x_sink + w * 2.5, "left", right, placed[1])):
        for (y, text), yt in zip(labels, ys, strict=True):
            ax.annotate(text, (x_bar, y), xytext=(x_text, yt), ha=ha, va="center", fontsize=FONT,
                        arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.6, "shrinkA": 0, "shrinkB": 0}
                        if abs(yt - y) > line / 3 else None)
