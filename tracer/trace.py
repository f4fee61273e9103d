"""Trace value forward (where did it go) or backward (where did it come from) under a tracing rule.

>>> import tracer as tr
>>> t = tr.handmade.account([("t1", "s", "a", 10), ("t2", "a", "b", 4)])   # tx, from, to, amount
>>> r = tr.trace(t, "s")
>>> r.endpoints[["address", "amount", "why"]].values.tolist()
[['a', 6, 'unspent'], ['b', 4, 'unspent']]

Sources are addresses, transactions or outputs (``HASH:VOUT``), one or many: several sources are
traced together, each its own colour, so what one output or account carries is shared among them
by the rule and never counted twice (:mod:`tracer.forward`, :mod:`tracer.backward`).

Both directions give ``flows`` (one row per traced piece moved, with ``reason``: why it was
followed) and ``endpoints`` (where traced value stops, with ``why``), in a :class:`TraceResult`
that also carries the assets' decimals and symbols. Amounts are exact integers. Forward, each
source's endpoint amounts add up, per asset, to what it sent (fees are endpoints at the
pseudo-address ``fee``; converted value ends in the old asset as ``converted`` and starts again in
the new one); backward, to what it received. No endpoint is credited more, over all sources, than
it received. Poison deliberately over-taints, so under poison the sums are at least that.
"""
import gc
import re
from datetime import UTC, datetime
from itertools import pairwise

import numpy as np
import pandas as pd

from tracer import backward as B
from tracer import conversions as CV
from tracer import forward as F
from tracer import pools as P
from tracer import transfers as T
from tracer.errors import SourceError
from tracer.result import ENDPOINT_COLUMNS, FLOW_COLUMNS, TraceResult
from tracer.sources import Source, as_sources, clean_address

RULES = P.RULES
DIRECTIONS = ("forward", "backward")
UNSPENT, FEE, HOP_LIMIT, SERVICE, HEAVY, BELOW_MIN, RETURNED, AT_SOURCE, BURNED, CONVERTED = (
    F.UNSPENT, F.FEE, F.HOP_LIMIT, F.SERVICE, F.HEAVY, F.BELOW_MIN, F.RETURNED, F.AT_SOURCE, F.BURNED, F.CONVERTED)
ORIGIN, MINTED = B.ORIGIN, B.MINTED
__all__ = ["ENDPOINT_COLUMNS", "FLOW_COLUMNS", "Source", "TraceResult", "trace", "trace_backward", "trace_forward"]


def trace(transfers, sources, *, direction="forward", rule="fifo", hops=6, min_amount=0, stop=(),
          max_degree=None, start=None, end=None):
    """Trace from ``sources`` forward or backward; a :class:`TraceResult`.

    Parameters
    ----------
    transfers : pandas.DataFrame
        A transfers table (:func:`tracer.load`).
    sources : str, Source, list or DataFrame
        An address, a transaction (64 hex digits), an output ``HASH:VOUT``, a :class:`Source`, a
        list of these, or a table with an ``address`` or ``tx`` column and an optional ``label``.
    direction : {"forward", "backward"}
    rule : {"poison", "haircut", "fifo", "lifo", "tiho", "libr"}
    hops : int
        Value that has gone ``hops`` transactions from its source stops (why ``"hop limit"``).
    min_amount : int
        Pieces smaller than this (base units) are not followed (why ``"below minimum"``).
    stop : tags table or iterable of str
        Attributed services (a :func:`tracer.load_tags` table, or addresses): value stops there,
        where the data request goes, except where a tagged contract converts it within the
        transaction (a swap pool, WETH). A tags table also labels the endpoints; addresses given
        by hand are cleaned and checked as sources are.
    max_degree : int, optional
        Addresses with more distinct counterparties than this stop the trace (exchange-sized).
    start, end : int, optional
        Unix-time window; transfers outside it are ignored.

    Examples
    --------
    Two victims pay one address, which pays on 12 of the 15 (FIFO: the first victim's 10 first).

    >>> from tracer.handmade import account
    >>> t = account([("t1", "v1", "a", 10), ("t2", "v2", "a", 5), ("t3", "a", "b", 12)])
    >>> r = trace(t, ["v1", "v2"])
    >>> r.endpoints[["source", "address", "amount"]].values.tolist()
    [['v1', 'b', 10], ['v2', 'a', 3], ['v2', 'b', 2]]
    >>> trace(t, "b", direction="backward").endpoints[["address", "amount", "hops"]].values.tolist()
    [['v1', 10, 2], ['v2', 2, 2]]
    """
    # a trace makes millions of small objects and no reference cycles: without this, Python's cycle
    # collector would walk the million-row columns again and again (a fifth of a big trace's time)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _trace(transfers, sources, direction, rule, hops, min_amount, stop, max_degree, start, end)
    finally:
        if collecting:
            gc.enable()


def _trace(transfers, sources, direction, rule, hops, min_amount, stop, max_degree, start, end):
    P.check_rule(rule)
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; expected one of {', '.join(DIRECTIONS)}")
    if hops < 1:
        raise ValueError(f"hops must be at least 1, got {hops}")
    sources = as_sources(sources)
    seen, whole = {}, {s.tx for s in sources if s.tx is not None and s.vout is None}
    for s in sources:
        if seen.setdefault(s.given, s) is not s:
            raise SourceError(f"{s.given} is given twice")
        if s.vout is not None and s.tx in whole:
            raise SourceError(f"{s.given} and {s.tx} are the same value given twice (the transaction holds "
                              "the output): give one of them")
    stop_set, tags = _stops(stop)
    t, same_tx = _ordered(T.window(transfers, start, end))
    heavy = _heavy(t, max_degree, {s.address for s in sources if s.address})
    run = F.Run(sources, rule, hops, min_amount, stop_set, heavy)
    found = _locate(t, sources, transfers if start is not None or end is not None else None)
    for chain, lo, hi in _chains(t):
        c, kinds = _columns(t, lo, hi)
        utxo = T.UTXO in kinds
        if utxo and not kinds <= {T.UTXO, T.FEE}:
            raise ValueError(f"chain {chain!r} mixes UTXO and account rows: load them as two chains")
        bounds = _tx_bounds(same_tx, lo, hi) if utxo or direction == "backward" else None
        rows = {k: [r - lo for r in rs if lo <= r < hi] for k, rs in found.items()}
        convs = None if utxo else CV.find(_conversion_groups(t, same_tx, lo, hi), c["frm"], c["to"], c["asset"],
                                          c["amount"], c["kind"], never=run.addr_src)
        if direction == "backward":
            B.chain_backward(run, chain, c, bounds, utxo, _backward_starts(c, sources, rows, utxo), convs)
        elif utxo:
            F.utxo_chain(run, chain, c, bounds)
        else:
            F.account_chain(run, chain, c, _account_sources(run, c, rows, sources), convs)
    return TraceResult.build(run, sources, direction=direction, rule=rule, hops=hops, transfers=t, tags=tags)


def trace_forward(transfers, sources, **options):
    """:func:`trace` forward: where the value the sources sent went."""
    return trace(transfers, sources, direction="forward", **options)


def trace_backward(transfers, sources, **options):
    """:func:`trace` backward: where what the sources received came from."""
    return trace(transfers, sources, direction="backward", **options)


def _stops(stop):
    """(addresses, tags table or None) from ``stop=``."""
    if isinstance(stop, pd.DataFrame):
        if "address" not in stop.columns:
            raise ValueError("stop= takes a tags table with an 'address' column, or addresses")
        addrs = {a.lower() if a.startswith("0x") else a for a in stop["address"] if isinstance(a, str) and a}
        return addrs, stop
    if isinstance(stop, str):
        stop = [stop]
    return {clean_address(a) for a in stop}, None  # as given by hand: checked, a typo is an error


def _ordered(t):
    """``t`` in :func:`tracer.transfers.sort` order, and for each row after the first whether it
    belongs to the previous row's transaction. A table already in order (the loaders sort) is
    taken as it is: checking costs a fraction of sorting a million rows again."""
    n = len(t)
    if n >= 2:
        try:
            kind = t[T.KIND].to_numpy()
            index = t[T.INDEX].to_numpy(dtype=np.int64)
            inputs = (kind == T.UTXO) & (index < 0)
            rank = np.select([kind == T.NATIVE, kind == T.FEE, kind == T.UTXO], [0, 3, 2], 1) - 2 * inputs
            keys = [t[T.CHAIN].to_numpy(), t[T.BLOCK].to_numpy(dtype=np.int64)]
            if T.TX_INDEX in t.columns:
                try:
                    keys.append(t[T.TX_INDEX].to_numpy(dtype=np.int64))
                except (TypeError, ValueError):  # some rows do not say
                    keys.append(t[T.TX_INDEX].fillna(-1).to_numpy(dtype=np.int64))
            keys += [t[T.TX_HASH].to_numpy(), rank, np.where(inputs, -1 - index, index)]
            bad, tie, same_tx = np.zeros(n - 1, dtype=bool), np.ones(n - 1, dtype=bool), None
            for j, k in enumerate(keys):
                if k.dtype == object:  # strings: compared only where the keys before tie
                    if not (k[0] == k[-1] and (k == k[0]).all()):
                        at = np.flatnonzero(tie)
                        a, b = k[at], k[at + 1]
                        bad[at] |= b < a
                        tie[at] &= b == a
                else:
                    bad |= tie & (k[1:] < k[:-1])
                    tie &= k[1:] == k[:-1]
                if j == len(keys) - 3:  # after the tx hash: same transaction as the row before
                    same_tx = tie.copy()
            if not bad.any():
                return t.reset_index(drop=True), same_tx
        except (TypeError, ValueError, OverflowError):  # numbers beyond int64, mixed types: sort for sure
            pass
    t = T.sort(t)
    h = t[T.TX_HASH].to_numpy()
    c = t[T.CHAIN].to_numpy()
    return t, (h[1:] == h[:-1]) & (c[1:] == c[:-1])


def _chains(t):
    chain = t[T.CHAIN].to_numpy()
    cuts = [0] + (np.flatnonzero(chain[1:] != chain[:-1]) + 1).tolist() + [len(t)]
    return [(chain[a], a, b) for a, b in pairwise(cuts) if b > a]


def _columns(t, lo, hi):
    """Plain lists, and the set of kinds among them: a Python loop over a million rows reads lists far
    faster than a DataFrame."""
    def col(name):
        return t[name].to_numpy()[lo:hi].tolist() if name in t.columns else [None] * (hi - lo)
    c = {k: col(name) for k, name in (("txh", T.TX_HASH), ("ts", T.TIMESTAMP), ("frm", T.FROM), ("to", T.TO),
                                      ("asset", T.ASSET), ("amount", T.AMOUNT), ("kind", T.KIND),
                                      ("index", T.INDEX), ("spent_tx", T.SPENT_TX), ("spent_index", T.SPENT_INDEX))}
    kinds = set(c["kind"])
    if T.UTXO in kinds:  # only a UTXO chain needs them, as plain values
        c["spent_tx"] = [h if isinstance(h, str) else None for h in c["spent_tx"]]
        c["spent_index"] = [int(v) if v is not None and v == v else None for v in c["spent_index"]]
        c["index"] = [int(v) for v in c["index"]]
    return c, kinds


def _starts(same_tx, lo, hi):
    """Row numbers (from ``lo``) where a transaction starts, in rows ``lo:hi``."""
    return np.r_[0, np.flatnonzero(~same_tx[lo:hi - 1]) + 1] if hi - lo > 1 else np.zeros(hi - lo, dtype=np.int64)


def _tx_bounds(same_tx, lo, hi):
    cuts = _starts(same_tx, lo, hi).tolist() + [hi - lo]
    return list(pairwise(cuts))


def _conversion_groups(t, same_tx, lo, hi):
    """Transactions with two or more value rows: the only ones that can convert."""
    if hi - lo < 2:
        return []
    value = (t[T.KIND].to_numpy()[lo:hi] != T.FEE).astype(np.int64)
    cuts = _starts(same_tx, lo, hi)
    counts = np.add.reduceat(value, cuts)
    many = np.flatnonzero(counts >= 2)
    ends = np.r_[cuts[1:], hi - lo]
    return [(int(cuts[k]), int(ends[k])) for k in many]


def _heavy(t, max_degree, keep):
    if max_degree is None:
        return set()
    pairs = pd.concat([t[[T.FROM, T.TO]], t[[T.TO, T.FROM]].set_axis([T.FROM, T.TO], axis=1)])
    n = pairs.drop_duplicates().groupby(T.FROM).size()
    return set(n[n > max_degree].index) - keep


def _locate(t, sources, whole=None):
    """{colour: rows} for every source: the rows its address pays or receives, or its transaction's
    rows; a clear error for one the data does not hold (``whole``: the table before a time window
    was applied, to say when the source is only outside the window)."""
    found = {}
    addrs = {s.address for s in sources if s.address is not None}
    txs = {s.tx for s in sources if s.tx is not None}
    by_addr, by_tx = {}, {}
    if addrs:
        hit = np.flatnonzero(t[T.FROM].isin(addrs).to_numpy() | t[T.TO].isin(addrs).to_numpy())
        frm, to = t[T.FROM].to_numpy(), t[T.TO].to_numpy()
        for r in hit.tolist():
            for a in {frm[r], to[r]} & addrs:
                by_addr.setdefault(a, []).append(r)
    if txs:
        h = t[T.TX_HASH].to_numpy()
        for r in np.flatnonzero(t[T.TX_HASH].isin(txs).to_numpy()).tolist():
            by_tx.setdefault(h[r], []).append(r)
    for k, s in enumerate(sources):
        if s.address is not None:
            if s.address not in by_addr:
                raise SourceError(_missing(t, whole, f"address {s.address}", T.FROM, T.TO, value=s.address))
            found[k] = by_addr[s.address]
            continue
        rows = by_tx.get(s.tx)
        if not rows:
            raise SourceError(_missing(t, whole, f"transaction {s.tx}", T.TX_HASH, value=s.tx))
        if s.vout is not None:
            frm, index = t[T.FROM].to_numpy(), t[T.INDEX].to_numpy()
            if not any(frm[r] == s.tx and int(index[r]) == s.vout for r in rows):
                raise SourceError(f"transaction {s.tx} has no output {s.vout}")
        found[k] = rows
    return found


def _missing(t, whole, what, *columns, value):
    """Why ``what`` (an address or a transaction, ``value`` in ``columns``) is not in the table ``t``."""
    if whole is not None:
        hit = np.zeros(len(whole), dtype=bool)
        for c in columns:
            hit |= (whole[c] == value).to_numpy()
        if hit.any():
            ts = [int(v) for v in whole[T.TIMESTAMP].to_numpy()[hit] if v is not None and v == v]
            when = f" (its transfers are from {_utc(min(ts))} to {_utc(max(ts))})" if ts else ""
            return f"{what} is outside the time window (--start/--end, start=/end=){when}"
    if len(t) == 0:
        return f"{what} does not appear in the data: the table is empty (no transfers loaded)"
    if columns == (T.TX_HASH,) and re.fullmatch(r"(0x)?[0-9a-f]+", value) and len(value.removeprefix("0x")) != 64:
        return (f"{what} does not appear in the data: a transaction hash has 64 hex digits, this one "
                f"{len(value.removeprefix('0x'))} (cut short when copied?)")
    return f"{what} does not appear in the data"


def _utc(ts):
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _account_sources(run, c, rows, sources):
    """row -> colour of every row a source sends on an account chain."""
    txh_, frm_, kind_ = c["txh"], c["frm"], c["kind"]
    src = {}
    for k, rs in rows.items():
        if not rs:
            continue
        a = sources[k].address
        if a is not None:
            mine = [r for r in rs if frm_[r] == a]
        else:
            h = txh_[rs[0]]
            sender = next((frm_[r] for r in rs if kind_[r] == T.FEE), None) or \
                next((frm_[r] for r in rs if kind_[r] == T.NATIVE), None) or frm_[rs[0]]
            if None not in run.tx_src.get(h, {}):
                raise SourceError(f"{h}: an account-model transaction has no outputs: give the transaction")
            mine = [r for r in rs if frm_[r] == sender and kind_[r] != T.FEE]
        for r in mine:
            if src.setdefault(r, k) != k:
                raise SourceError(f"two sources send the same value (tx {txh_[r]}, from {frm_[r]}): "
                                  "trace them apart, or give only one of them")
    return src


def _backward_starts(c, sources, rows, utxo):
    """{colour: rows}: what each source received (an address), or moved (a transaction)."""
    frm_, to_, kind_, index_ = c["frm"], c["to"], c["kind"], c["index"]
    starts = {}
    for k, rs in rows.items():
        s = sources[k]
        if s.address is not None:
            mine = [r for r in rs if to_[r] == s.address and frm_[r] != s.address]
        elif s.vout is not None:
            mine = [r for r in rs if frm_[r] == s.tx and kind_[r] == T.UTXO and index_[r] == s.vout]
        elif utxo:
            mine = [r for r in rs if to_[r] == s.tx]
        else:
            sender = next((frm_[r] for r in rs if kind_[r] == T.FEE), None) or frm_[rs[0]]
            mine = [r for r in rs if frm_[r] == sender and kind_[r] != T.FEE]
        if mine:
            starts[k] = mine
    return starts
