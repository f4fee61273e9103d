"""Plots of a trace: a flow graph, a timeline and a Sankey-style flow, drawn with matplotlib.

Every figure takes a :class:`tracer.result.TraceResult` first (or, as before, its ``flows`` and
``endpoints`` tables), draws into ``ax`` (a new figure when ``None``) and returns the Axes. A
result carries its decimals, symbols and tags, so no ``decimals=`` is needed. Amounts stay exact
integers until the last step: they become floats only to size a line, a marker or a band, and the
amounts written on a figure are rounded for reading (the report's tables carry the exact values).

The package is one module per figure (:mod:`~tracer.plot.flow_figure`, :mod:`~tracer.plot.timeline_figure`,
:mod:`~tracer.plot.sankey_figure`) over a pure layout module (:mod:`~tracer.plot.layout`, no matplotlib:
testable on its own) and shared names and colours (:mod:`~tracer.plot.style`, the tables' label
policy). Matplotlib loads only when a figure is drawn.
"""
import os

from tracer.plot.view import format_amount, short_address
from tracer.plot.style import SOURCE_COLOUR

_FIGURES = {"flow_graph": "tracer.plot.flow_figure", "timeline": "tracer.plot.timeline_figure",
            "sankey": "tracer.plot.sankey_figure", "save": "tracer.plot.draw"}
__all__ = ["SOURCE_COLOUR", "flow_graph", "format_amount", "sankey", "save", "save_all", "short_address", "timeline"]


def __getattr__(name):
    if name in _FIGURES:
        import importlib

        return getattr(importlib.import_module(_FIGURES[name]), name)
    raise AttributeError(f"module 'tracer.plot' has no attribute {name!r}")


def save_all(trace, prefix, endpoints=None, *, tags=None, decimals=None):
    """Draw the flow graph, the timeline and a Sankey per asset, save each as ``{prefix}{name}.png``
    (:func:`save`) and close it; return ``[(file name, caption)]`` in that order.

    One asset gives ``sankey.png``; value ending in several (after a swap, say) gives one
    ``sankey-{symbol}.png`` per asset, since amounts of different assets do not add up.

    Examples
    --------
    >>> import os, tempfile
    >>> from tracer.handmade import account
    >>> from tracer.trace import trace
    >>> r = trace(account([("t1", "s", "a", 10)]), "s")
    >>> [name for name, _ in save_all(r, os.path.join(tempfile.mkdtemp(), "case-"))]
    ['case-flow.png', 'case-timeline.png', 'case-sankey.png']
    """
    import matplotlib.pyplot as plt

    from tracer.plot.draw import save
    from tracer.plot.flow_figure import flow_graph
    from tracer.plot.sankey_figure import sankey
    from tracer.plot.timeline_figure import timeline

    if hasattr(trace, "endpoints"):
        endpoints, symbols = trace.endpoints, trace.symbols
    else:
        symbols = {}
    figures = [("flow", "Flow graph: who passed the value on, hop by hop; edge widths follow the amounts",
                lambda: flow_graph(trace, endpoints, tags=tags, decimals=decimals)),
               ("timeline", "Timeline: when the value reached each address",
                lambda: timeline(trace, tags=tags, decimals=decimals))]
    assets = sorted(set(endpoints["asset"]))
    for asset in assets:  # a Sankey adds amounts: one asset each
        sym = symbols.get(asset, asset)
        figures.append(("sankey" if len(assets) == 1 else f"sankey-{_safe(sym)}",
                        f"Where the {sym} went: value still moving after each hop, and where it stopped",
                        lambda asset=asset: sankey(trace, endpoints, tags=tags, asset=asset, decimals=decimals)))
    written = []
    for name, caption, make in figures:
        ax = make()
        path = f"{prefix}{name}.png"
        save(ax, path)
        plt.close(ax.figure)
        written.append((os.path.basename(path), caption))
    return written


def _safe(text):
    """A symbol or contract address as part of a file name."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(text))
