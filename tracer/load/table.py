"""Rows mapped from export files (typed numpy arrays) to the transfers table, in sort order.

A loader maps each file to :class:`Part` objects, rows of one kind whose columns are numpy arrays
(block numbers, positions and indexes int64) or one value for every row; :func:`assemble` orders
all of them with :func:`tracer.transfers.order` on integer keys (pandas sorts object columns of a
million rows slowly) and writes each column once, already in order, as the array pandas takes
without copying: int64 for ``block``, ``index`` and ``tx_index``, objects for the others.
"""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tracer import transfers as T
from tracer.load.parsers import BlockTimes, to_numpy


class Coded:
    """A column as ``words[codes]`` without making it: the distinct values (an object array) and
    one int code per row. Addresses are a few thousand words for a million rows; a transaction's
    hash is one word for all of its rows; a plain object array is its own words."""

    __slots__ = ("codes", "words")

    def __init__(self, words, codes=None):
        self.words, self.codes = words, codes

    def __len__(self):
        return len(self.words if self.codes is None else self.codes)

    def take(self, rows):
        """The column at ``rows`` (int positions), still coded."""
        return Coded(self.words, rows if self.codes is None else self.codes[rows])

    def values(self):
        return self.words if self.codes is None else self.words[self.codes]


class Part:
    """Rows of one kind from one file.

    ``times`` is (unix seconds int64, known bool); ``tx_row`` the row of each one's transaction in
    the transactions file (-1 if not known), which tells transactions apart faster than their hashes.
    ``extra`` columns (:data:`tracer.transfers.EXTRA`) may be given as keywords. A column is one
    value for every row, a numpy array or a :class:`Coded` one; with ``rows`` (int positions) every
    array column is the file's whole column and the part is its ``rows``, picked once, by
    :func:`assemble`, where the rows are written in order (so rows shared by several parts, a
    transaction's value and its fee, are read from the same arrays).
    """

    def __init__(self, kind, txh, block, times, frm, to, amount, *, asset, decimals, symbol, index=-1,
                 tx_index=-1, tx_row=-1, rows=None, **extra):
        self.kind, self.rows = kind, rows
        self.n = len(txh) if rows is None else len(rows)
        self.tx_row, (self.ts, self.known) = tx_row, times
        self.columns = {T.TX_HASH: txh, T.BLOCK: block, T.FROM: frm, T.TO: to, T.ASSET: asset, T.AMOUNT: amount,
                        T.KIND: kind, T.DECIMALS: decimals, T.INDEX: index, T.TX_INDEX: tx_index, T.SYMBOL: symbol,
                        **extra}

    def _pick(self, v):
        if isinstance(v, Coded):
            return v if self.rows is None else v.take(self.rows)
        return v if self.rows is None or np.ndim(v) == 0 else v[self.rows]

    def array(self, column, dtype):
        """A numeric column (or ``ts``, ``known``, ``tx_row``) of the part's rows, as ``dtype``."""
        v = getattr(self, column) if column in ("ts", "known", "tx_row") else self.columns.get(column)
        return full(self.n, v, dtype) if np.ndim(v) == 0 else np.asarray(self._pick(v), dtype=dtype)

    def coded(self, column):
        """An object column of the part's rows as :class:`Coded` (one value: one word)."""
        v = self.columns.get(column)
        if isinstance(v, Coded):
            return self._pick(v)
        if np.ndim(v) == 0:
            return Coded(full(1, v), np.zeros(self.n, dtype=np.int64))
        return Coded(v, self.rows)

    def values(self, column):
        """An object column of the part's rows (for a check on them before :func:`assemble`)."""
        return self.coded(column).values()


def one_value(v):
    """True if a :class:`Part` column ``v`` is one value for all its rows (not an array, not :class:`Coded`)."""
    return not isinstance(v, (np.ndarray, Coded))


def full(n, value, dtype=object):
    """``numpy.full`` whose object array holds ``value`` itself n times (numpy.full makes n copies
    of a str: 55 MB for a million rows of one chain name)."""
    out = np.empty(n, dtype=dtype)
    out.fill(value)
    return out


def assemble(parts, chain, columns):
    """The transfers table with ``columns`` from ``parts`` (none empty), in :func:`tracer.transfers.sort` order.

    A row without a position in its block takes that of another row of its transaction; a row
    without a time takes that of another row of its block. A column a part does not have is None.
    Each object column is made once, in order: one pick of its words per row.
    """
    sizes = [p.n for p in parts]

    def cat(column, dtype=np.int64):
        return np.concatenate([p.array(column, dtype) for p in parts])

    block, txi, index, ids = cat(T.BLOCK), cat(T.TX_INDEX), cat(T.INDEX), cat("tx_row")
    hashes = _Column([p.coded(T.TX_HASH) for p in parts])
    txh = None
    if not (txi >= 0).all() or (ids < 0).any():  # the hashes are compared: make them (in file order)
        txh = hashes.values()
        _fill_tx_index(txi, txh)
        unknown = ids < 0
        if unknown.any():  # one integer per transaction: its row in the transactions file, else per hash
            ids[unknown] = int(ids.max()) + 1 + pd.factorize(pd.Series(txh[unknown], dtype=object))[0]
    rank = np.repeat([T.RANK[p.kind] for p in parts], sizes)
    o = T.order(block, txh if txh is not None else hashes.values, rank, index, txi, tx_id=ids)

    def in_order():
        ts, known = cat("ts"), cat("known", bool)
        _fill_timestamps(ts, known, block)
        return {T.BLOCK: block[o], T.INDEX: index[o], T.TX_INDEX: txi[o], T.TIMESTAMP: ts[o], "known": known[o]}

    # numpy works on integers without Python's lock: what the object columns do not need is done in
    # a thread while they are made
    with ThreadPoolExecutor(1, thread_name_prefix="tracer-order") as pool:
        spread = _Spread(parts, o, pool)
        ordered = pool.submit(in_order)
        out = _objects(parts, chain, [c for c in columns if c not in _INTS], o, hashes, txh, spread)
        typed = ordered.result()
    out.update({c: typed[c] for c in (T.BLOCK, T.INDEX, T.TX_INDEX) if c in columns})
    if T.TIMESTAMP in columns:
        out[T.TIMESTAMP] = int_objects(typed[T.TIMESTAMP])
        out[T.TIMESTAMP][~typed["known"]] = None
    return frame(out, columns)


_INTS = (T.BLOCK, T.INDEX, T.TX_INDEX, T.TIMESTAMP)  # made from integers in order


def _objects(parts, chain, columns, o, hashes, txh, spread):
    """The object columns of :func:`assemble`, in table order ``o`` (``spread``: :class:`_Spread`)."""
    n = len(o)
    out = {}
    for c in columns:
        if c == T.CHAIN:
            out[c] = full(n, chain)
        elif c == T.TX_HASH:
            out[c] = txh[o] if txh is not None else hashes.values(o)
        elif any(one_value(p.columns.get(c)) for p in parts):
            out[c] = spread.column(c)
        else:
            coded = [p.coded(c) for p in parts]
            words = sum({id(x.words): len(x.words) for x in coded}.values())
            # addresses: a few words for many rows, picked by code; else each part's values placed
            out[c] = _Column(coded).values(o) if words < n // 2 else spread.column(c)
    return out


class _Column:
    """One object column of all the parts: their words side by side (a words array shared by
    several parts once) and every row's code into them."""

    def __init__(self, coded):
        words, at, codes = [], {}, []
        for c in coded:
            start = at.get(id(c.words))
            if start is None:
                start = at[id(c.words)] = sum(len(w) for w in words)
                words.append(c.words)
            codes.append((np.arange(len(c.words)) if c.codes is None else c.codes) + start)
        self.words = words[0] if len(words) == 1 else np.concatenate(words)
        self.codes = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)

    def values(self, order=None):
        return self.words[self.codes if order is None else self.codes[order]]


class _Spread:
    """The parts' rows in table order (``o``), for columns that are one value for a whole part (the
    kind; an ETH row's asset, symbol and decimals): one pick per row of that value, then the other
    parts' own values put in their places. Cheaper than coding every row of such a column."""

    def __init__(self, parts, o, pool):
        self.parts = parts
        self.start = np.cumsum([0] + [p.n for p in parts])
        sizes = [p.n for p in parts]
        self._part = pool.submit(lambda: np.repeat(np.arange(len(parts), dtype=np.int32), sizes)[o])
        self._place = pool.submit(inverse, o)

    @property
    def part(self):
        """The part of each row of the table."""
        return self._part.result()

    def place(self, k):
        """Where the rows of part ``k`` go in the table."""
        return self._place.result()[self.start[k]:self.start[k + 1]]

    def column(self, column):
        """The column in table order: a part's one value picked for each of its rows, the other
        parts' values put in their places."""
        values = [p.columns.get(column) for p in self.parts]
        words = np.empty(len(values), dtype=object)
        words[:] = [v if one_value(v) else None for v in values]
        out = words[self.part]
        for k, v in enumerate(values):
            if not one_value(v):
                out[self.place(k)] = self.parts[k].values(column)
        return out


def inverse(o):
    """The inverse of the permutation ``o``: where each row goes."""
    place = np.empty(len(o), dtype=np.int64)
    place[o] = np.arange(len(o))
    return place


def _fill_tx_index(txi, txh):
    """Rows that still lack their position in the block (no transactions file) take it from the
    transaction's other rows."""
    missing = txi < 0
    if missing.any() and not missing.all():
        gaps, known = np.flatnonzero(missing), np.flatnonzero(~missing)
        pos = to_numpy(pc.fill_null(pc.index_in(pa.array(txh[gaps], type=pa.string()),
                                                value_set=pa.array(txh[known], type=pa.string())), -1))
        txi[gaps[pos >= 0]] = txi[known[pos[pos >= 0]]]


def _fill_timestamps(ts, known, block):
    """Token transfers carry no timestamp in ethereum-etl's CLI output: take it from any row of
    the same block (rows of a block share its time), else leave it missing."""
    if known.any() and not known.all():
        gaps = np.flatnonzero(~known)
        ts[gaps], known[gaps] = BlockTimes(block[known], ts[known]).lookup(block[gaps])


def frame(columns, order):
    """A DataFrame of numpy arrays, taken as they are: an object array stays object (pandas would
    make str columns its own string dtype), an int64 one stays int64."""
    return pd.DataFrame({c: pd.Series(columns[c], dtype=columns[c].dtype, copy=False) for c in order},
                        columns=order, copy=False)


def int_objects(values):
    """An int64 array as Python ints, one object per distinct value when the range is small."""
    if len(values) == 0:
        return values.astype(object)
    lo, hi = int(values.min()), int(values.max())
    if hi - lo <= max(4 * len(values), 1 << 16):
        return np.arange(lo, hi + 1, dtype=np.int64).astype(object)[values - lo]
    return values.astype(object)
