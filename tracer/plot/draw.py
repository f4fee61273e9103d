"""Drawing helpers shared by the figures: text boxes, bands, titles that fit, time axes, saving."""
import textwrap
from datetime import datetime, UTC

import matplotlib.pyplot as plt
from matplotlib import dates as mdates
from matplotlib.patches import PathPatch
from matplotlib.path import Path

from tracer.plot.style import FONT


def axes(size):
    return plt.subplots(figsize=size)[1]


def title(ax, text):
    """A title wrapped to the figure's width, so it is never cut off at the edges."""
    chars = max(40, int(ax.figure.get_figwidth() * 72 / (0.62 * (FONT + 3))))
    ax.set_title(textwrap.fill(text, chars), fontsize=FONT + 3)


def wrap(text):
    """A node's label as drawn below it: each line wrapped to 24 characters.

    >>> wrap("received 0.584 BTC in 18 transfers; 0.0046 BTC traced").splitlines()
    ['received 0.584 BTC in 18', 'transfers; 0.0046 BTC', 'traced']
    """
    return "\n".join(textwrap.fill(line, 24) for line in text.split("\n"))


def node_text(ax, x, y, text, bold=False, side="below", size=FONT):
    if side == "right":  # one line beside the node (rows are tight)
        wrapped, where = text.replace("\n", " — "), {"xytext": (9, 0), "ha": "left", "va": "center"}
    else:
        wrapped, where = wrap(text), {"xytext": (0, -11), "ha": "center", "va": "top"}
    ax.annotate(wrapped, (x, y), textcoords="offset points", **where,
                fontsize=size, fontweight="bold" if bold else "normal", zorder=5,
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.75})


def band(ax, x0, top0, bot0, x1, top1, bot1, colour, alpha):
    """A band from the edge [bot0, top0] at x0 to [bot1, top1] at x1, with S-shaped sides."""
    mid = (x0 + x1) / 2
    verts = [(x0, top0), (mid, top0), (mid, top1), (x1, top1), (x1, bot1), (mid, bot1), (mid, bot0), (x0, bot0),
             (x0, top0)]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO, Path.CURVE4, Path.CURVE4,
             Path.CURVE4, Path.CLOSEPOLY]
    ax.add_patch(PathPatch(Path(verts, codes), fc=colour, ec="none", alpha=alpha, zorder=1, gid="band"))


def utc(ts):
    return datetime.fromtimestamp(int(ts), tz=UTC)


def x_time(ts):
    return mdates.date2num(utc(ts))


def time_axis(ax):
    ax.xaxis_date(tz=UTC)
    loc = mdates.AutoDateLocator(tz=UTC)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, tz=UTC))


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
