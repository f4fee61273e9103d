"""The tracer: public export formats in, a transfers table, pools and tracing rules, traces, plots.

It knows nothing of how a scenario was made, so it works the same on real data.
"""
from tracer.errors import LoadError

__all__ = ["LoadError"]
