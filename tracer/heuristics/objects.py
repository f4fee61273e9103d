"""Object columns (strings) numbered and compared fast, and exactly.

The transfers table holds addresses and hashes as Python strings in numpy object arrays. What
costs time over a million rows is touching each string (its hash, a comparison): the strings lie
scattered in memory. Loaders share one string object among the rows of one value (an address in
many rows, a transaction's hash in each of its rows), so :func:`pointers` first tells which
elements are one object, read from the array itself without touching any, and only the distinct
objects are then hashed or compared. Equal values held as different objects are still compared
by value: every result here is what ``pd.factorize`` or ``==`` gives.
"""
from __future__ import annotations

import ctypes

import numpy as np
import pandas as pd


def pointers(values):
    """Which object each element of an object array is, as integers (its address), read from the
    array's own buffer: no element is touched, so it costs what copying the array costs. One
    pointer is one object, so equal pointers are equal values; equal values may be different
    objects (two loaded rows of one address), and every use here compares those by value.

    >>> a = np.array(["x", "y"], dtype=object)[[0, 1, 0]]
    >>> p = pointers(a)
    >>> bool(p[0] == p[2]), bool(p[0] == p[1])
    (True, False)
    """
    a = np.ascontiguousarray(values, dtype=object)
    if not len(a):
        return np.zeros(0, dtype=np.uintp)
    buffer = (ctypes.c_void_p * len(a)).from_address(a.ctypes.data)
    return np.frombuffer(buffer, dtype=np.uintp).copy()  # (a copy: valid once ``a`` is gone)


def equals(values, constant, objects=4):
    """``values == constant`` for an object array, each distinct object compared once where a
    few objects make up most of it (a kind or chain column whose rows share one string), else
    element by element.

    >>> equals(np.array(["utxo", "fee"], dtype=object)[[0, 1, 0]], "utxo").tolist()
    [True, False, True]
    """
    values = np.asarray(values, dtype=object)
    n = len(values)
    ptr = pointers(values)
    out = np.zeros(n, dtype=bool)
    undecided = np.ones(n, dtype=bool)
    left = n
    for _ in range(objects):
        if not left:
            return out
        i = int(np.argmax(undecided))
        same = ptr == ptr[i]  # (decided rows never share a pointer with an undecided one)
        took = int(same.sum())
        if took * 8 < left:  # objects of their own: compare what is left one by one
            break
        if (values[i:i + 1] == constant)[0]:  # (as numpy compares: a missing value is not equal)
            out |= same
        undecided &= ~same
        left -= took
    if left == n:
        return values == constant
    rest = np.flatnonzero(undecided)
    out[rest] = values[rest] == constant
    return out


def factorize(values):
    """``pd.factorize`` of an object array of strings (codes in order of first appearance),
    exact and faster: the distinct objects are found first (:func:`pointers`), and only those
    are numbered by value, by Python's cached string hashes, every value checked against its
    code's first value (a hash collision falls back to ``pd.factorize``).

    >>> codes, uniques = factorize(np.array(["b", "a", "b"], dtype=object))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, 0], ['b', 'a'])
    """
    values = np.asarray(values, dtype=object)
    return factorize_rows(values, np.arange(len(values)))


def factorize_rows(column, rows):
    """:func:`factorize` of ``column[rows]``, taking from the column only one element per
    distinct object."""
    column = np.asarray(column, dtype=object)
    by_object, objects = pd.factorize(pointers(column)[rows])
    if len(objects) == len(rows):
        return _by_value(column[rows])
    first = _first(by_object, len(objects))
    codes, uniques = _by_value(column[rows[first]])
    return codes[by_object], uniques


def _first(codes, n):
    """The position of each code's first appearance."""
    first = np.empty(n, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # the last write, the first position, wins
    return first


def _by_value(values):
    try:
        h = np.fromiter(map(hash, values), dtype=np.int64, count=len(values))
    except TypeError:  # an unhashable value
        codes, uniques = pd.factorize(values)
        return codes, np.asarray(uniques, dtype=object)
    codes, hashes = pd.factorize(h)
    if len(hashes) == len(values):  # all hashes distinct, so all values: nothing to check
        return codes, values.copy()
    uniques = values[_first(codes, len(hashes))]
    if not (values == uniques[codes]).all():
        codes, uniques = pd.factorize(values)
        return codes, np.asarray(uniques, dtype=object)
    return codes, uniques


def run_codes(column, rows):
    """:func:`factorize` of ``column[rows]`` where each value's rows come together, as a
    transaction's hash in its rows (the loaders and :func:`tracer.transfers.sort` leave them so):
    runs of one hash object are found on the column's pointers (no string touched), only the first
    hash of each run is numbered, runs of one value next to each other are one run (a transaction
    whose rows hold equal strings as several objects), and the runs are checked to be distinct
    transactions; else every hash is numbered."""
    if len(rows) > 1 and (rows[1:] > rows[:-1]).all():  # (rows in the column's order)
        lo = int(rows[0])
        ptr = pointers(column[lo:int(rows[-1]) + 1])
        # a run of the rows changes wherever the hash object changes between two of them (rows
        # of other kinds between two rows of one transaction may split it: the check below tells)
        run = np.cumsum(np.r_[False, ptr[1:] != ptr[:-1]])[rows - lo]
        starts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
        codes, uniques = _by_value(column[rows[starts]])  # (one object a run: no object to share)
        joined = np.r_[True, codes[1:] != codes[:-1]]
        starts, codes = starts[joined], codes[joined]
        if len(codes) == len(uniques):  # each transaction in one place, numbered in order
            return np.repeat(codes, np.diff(np.r_[starts, len(rows)])), uniques
    return factorize(column[rows])


def unique_ints(values):
    """The distinct values of an int64 array, sorted (a sort is faster here than numpy's hashing)."""
    a = np.sort(np.asarray(values, dtype=np.int64), kind="stable")
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a
