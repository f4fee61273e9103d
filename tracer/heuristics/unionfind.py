"""Union-find over numpy arrays: connected components of an edge list in a few vectorised passes.

Each pass joins every edge's two roots at once (the larger root points to the smaller), then
compresses every path by pointer jumping (``parent = parent[parent]`` until nothing changes), so
after it each node points straight at its root. Roots only ever point to smaller nodes, so no
cycle can form, and the root of a component is its smallest node: the labels do not depend on the
order of the edges. A million edges take a few passes of a few milliseconds each, where a Python
union-find visits every edge in the interpreter.
"""
from __future__ import annotations

import numpy as np


def components(n, u, v):
    """The component of each of nodes ``0 .. n-1`` under edges ``u[i] -- v[i]``: its smallest node.

    Examples
    --------
    >>> components(6, np.array([0, 4, 3]), np.array([1, 3, 1])).tolist()
    [0, 0, 2, 0, 0, 5]
    >>> components(3, np.array([], dtype=int), np.array([], dtype=int)).tolist()
    [0, 1, 2]
    """
    parent = np.arange(n, dtype=np.int64)
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    while len(u):
        ru, rv = parent[u], parent[v]
        differ = ru != rv
        if not differ.any():
            break
        u, v, ru, rv = u[differ], v[differ], ru[differ], rv[differ]
        lo, hi = np.minimum(ru, rv), np.maximum(ru, rv)
        # where several edges hook one root, any of their smaller roots will do: later passes join the rest
        parent[hi] = lo
        _compress(parent)
    return parent


def _compress(parent):
    """Point every node at its root, in place."""
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            return
        parent[:] = up


def groups(labels):
    """Members of each label, as ``(label, positions)`` in label order, singletons left out.

    >>> [(int(k), m.tolist()) for k, m in groups(np.array([0, 0, 2, 0, 4, 2]))]
    [(0, [0, 1, 3]), (2, [2, 5])]
    """
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    ends = np.r_[starts[1:], len(labels)]
    return [(sorted_labels[s], order[s:e]) for s, e in zip(starts, ends, strict=True) if e - s > 1]
