"""The tracer: public export formats in, a transfers table, pools and tracing rules, traces, plots.

It knows nothing of how a scenario was made, so it works the same on real data. In a notebook::

    import tracer as tr
    t = tr.load("case/exports")                         # every chain of a bundle: one transfers table
    tags = tr.load_tags("case/tags/services.yaml")
    r = tr.trace(t, ["bcrt1q...", "9f2c...:1"], rule="fifo", hops=6, stop=tags)
    r.shares()                                          # who gets what back
    tr.plot.flow_graph(r)

``tr.load``, ``tr.trace`` and ``tr.paths`` are modules that can be called: ``tr.trace(...)`` is
``tracer.trace.trace(...)``, so ``from tracer.trace import Source`` and ``tracer.load.load(...)``
keep working beside the short forms.
"""
import sys
import types

import tracer.load
import tracer.paths
import tracer.trace  # noqa: F401 (the module _callable wraps below, found in sys.modules)
from tracer import handmade
from tracer.errors import LoadError, SourceError
from tracer.load.tagpack import load_tagpacks as load_tags
from tracer.sources import Source


class _CallableModule(types.ModuleType):
    """A module whose call is its main function (``__main_function__``)."""

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__main_function__)(*args, **kwargs)


def _callable(name, function):
    module = sys.modules[name]
    module.__main_function__ = function
    module.__class__ = _CallableModule
    return module


load = _callable("tracer.load", "load")
trace = _callable("tracer.trace", "trace")
paths = _callable("tracer.paths", "find_paths")


def __getattr__(name):
    if name == "plot":  # matplotlib loads only when a figure is wanted
        import tracer.plot

        return tracer.plot
    raise AttributeError(f"module 'tracer' has no attribute {name!r}")


__all__ = ["LoadError", "Source", "SourceError", "handmade", "load", "load_tags", "paths", "plot", "trace"]
