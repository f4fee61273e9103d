"""Rows mapped from export files (typed numpy arrays) to the transfers table, in sort order.

A loader maps each file to :class:`Part` objects, rows of one kind whose columns are numpy arrays
(block numbers, positions and indexes int64) or one value for every row; :func:`assemble` orders
all of them with :func:`tracer.transfers.order` on integer keys (pandas sorts object columns of a
million rows slowly) and writes each column once, already in order, as the object array pandas
takes without copying.
"""
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tracer import transfers as T
from tracer.load.parsers import BlockTimes, to_numpy


class Part:
    """Rows of one kind from one file.

    ``times`` is (unix seconds int64, known bool); ``tx_row`` the row of each one's transaction in
    the transactions file (-1 if not known), which tells transactions apart faster than their hashes.
    ``extra`` columns (:data:`tracer.transfers.EXTRA`) may be given as keywords.
    """

    def __init__(self, kind, txh, block, times, frm, to, amount, *, asset, decimals, symbol, index=-1,
                 tx_index=-1, tx_row=-1, **extra):
        self.kind, self.n, self.tx_row = kind, len(txh), tx_row
        self.ts, self.known = times
        self.columns = {T.TX_HASH: txh, T.BLOCK: block, T.FROM: frm, T.TO: to, T.ASSET: asset, T.AMOUNT: amount,
                        T.DECIMALS: decimals, T.INDEX: index, T.TX_INDEX: tx_index, T.SYMBOL: symbol, **extra}

    def array(self, column, dtype):
        v = self.columns.get(column)
        return full(self.n, v, dtype) if np.ndim(v) == 0 else np.asarray(v, dtype=dtype)


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
    """
    sizes = [p.n for p in parts]
    n, starts = sum(sizes), np.cumsum([0] + sizes)

    def cat(column, dtype=object):
        return np.concatenate([p.array(column, dtype) for p in parts])

    block, txi, index, txh = cat(T.BLOCK, np.int64), cat(T.TX_INDEX, np.int64), cat(T.INDEX, np.int64), cat(T.TX_HASH)
    _fill_tx_index(txi, txh)
    ts, known = np.concatenate([p.ts for p in parts]), np.concatenate([p.known for p in parts])
    _fill_timestamps(ts, known, block)
    rank = np.repeat([T.RANK[p.kind] for p in parts], sizes)
    o = T.order(block, txh, rank, index, txi, tx_id=_tx_ids(parts, txh))
    dest = np.empty(n, dtype=np.int64)
    dest[o] = np.arange(n)
    typed = {T.BLOCK: block, T.INDEX: index, T.TX_INDEX: txi, T.TIMESTAMP: ts}
    out = {}
    for c in columns:
        if c == T.CHAIN:
            out[c] = full(n, chain)
        elif c == T.TX_HASH:
            out[c] = txh[o]
        elif c in typed:
            out[c] = _int_objects(typed[c][o])
        else:  # each part's values (or one value) straight to their rows' places
            col = out[c] = np.empty(n, dtype=object)
            for p, start in zip(parts, starts[:-1], strict=True):
                col[dest[start:start + p.n]] = p.kind if c == T.KIND else p.columns.get(c)
    out[T.TIMESTAMP][~known[o]] = None
    return pd.DataFrame(out, columns=columns, dtype=object, copy=False)


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


def _tx_ids(parts, txh):
    """One integer per transaction: its row in the transactions file, else one per other hash."""
    ids = np.concatenate([full(p.n, p.tx_row, np.int64) if np.ndim(p.tx_row) == 0 else p.tx_row for p in parts])
    unknown = ids < 0
    if unknown.any():
        ids[unknown] = int(ids.max()) + 1 + pd.factorize(pd.Series(txh[unknown], dtype=object))[0]
    return ids


def _int_objects(values):
    """An int64 array as Python ints, one object per distinct value when the range is small."""
    if len(values) == 0:
        return values.astype(object)
    lo, hi = int(values.min()), int(values.max())
    if hi - lo <= max(4 * len(values), 1 << 16):
        return np.arange(lo, hi + 1, dtype=np.int64).astype(object)[values - lo]
    return values.astype(object)
