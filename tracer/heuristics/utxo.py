"""The UTXO transactions of a transfers table as arrays: inputs, outputs, and which input spends which output.

Every UTXO heuristic reads a transaction's inputs and outputs (BlockSci's ``Transaction``), an
output's spending transaction, an address's first appearance. :class:`UtxoView` builds them once
per chain with numpy, so a heuristic over a million transfers costs seconds, not minutes; the
addresses and hashes, Python strings, are numbered by :mod:`.objects`.

Which input spends which output: exact when the table names the spent output of each input
(:data:`~tracer.heuristics.columns.SPENT_TX`, as bitcoin-etl exports do); otherwise an input of
``value`` from ``address`` is taken to spend the earliest output of that value to that address
not yet spent, which is exact unless one address received the same value twice.
"""
from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from tracer import transfers as T

from .columns import SCRIPT_TYPE, SPENT_INDEX, SPENT_TX, TX_INDEX
from .objects import equals, factorize, factorize_rows, run_codes

#: bitcoin-etl's script type of an OP_RETURN output: it holds data and can never be spent
NULLDATA = "nulldata"


def views(transfers):
    """One :class:`UtxoView` per chain with UTXO rows, in chain-name order."""
    utxo = np.flatnonzero(equals(transfers[T.KIND].to_numpy(dtype=object), T.UTXO))
    if not len(utxo):
        return []
    every = transfers[T.CHAIN].to_numpy(dtype=object)
    if equals(every, every[utxo[0]]).all():  # one chain (the common case: no copy of the column)
        return [UtxoView(transfers, every[utxo[0]], utxo)]
    chains = every[utxo]
    names = sorted(pd.unique(chains).tolist())
    return [UtxoView(transfers, c, utxo[chains == c]) for c in names]


class UtxoView:
    """The UTXO rows of one chain, as arrays indexed by transaction, input and output.

    Transactions are numbered ``0 .. n_txs - 1`` in the table's order of first appearance;
    addresses are numbered into :attr:`addresses`. Input arrays start with ``in_``, output
    arrays with ``out_``; ``*_tx`` is the transaction number, ``*_addr`` the address number,
    ``*_value`` the amount in satoshi (int64), ``*_row`` the row's position in :attr:`table`
    (the whole table: nothing is copied).

    Examples
    --------
    >>> from tracer.heuristics.examples import tx, utxo
    >>> v = UtxoView(utxo(tx("t1", [("a", 10_000)], [("b", 6_000), ("a", 3_900)]),
    ...                   tx("t2", [("b", 6_000)], [("c", 5_900)], block=2)), "bitcoin")
    >>> v.tx_hash.tolist(), v.n_in.tolist(), v.n_out.tolist()
    (['t1', 't2'], [1, 1], [2, 1])
    >>> v.spender.tolist()   # output 0 of t1 is spent by t2; the others are unspent
    [1, -1, -1]
    """

    def __init__(self, table, chain, rows=None):
        self.chain = chain
        self.table = table
        if rows is None:  # every UTXO row of the chain
            rows = np.flatnonzero((table[T.KIND].to_numpy(dtype=object) == T.UTXO)
                                  & (table[T.CHAIN].to_numpy(dtype=object) == chain))
        index = _int64(table[T.INDEX].to_numpy()[rows])
        is_in = index < 0
        # positions taken once: a fancy index is cheaper than a boolean mask applied four times
        at_in, at_out = np.flatnonzero(is_in), np.flatnonzero(~is_in)
        ins, outs = rows[at_in], rows[at_out]
        codes, self.tx_hash = run_codes(table[T.TX_HASH].to_numpy(dtype=object), rows)
        self._codes, self._rows = codes, rows
        self.n_txs = len(self.tx_hash)
        self.in_tx, self.in_pos, self.in_row = codes[at_in], -1 - index[at_in], ins
        self.out_tx, self.out_vout, self.out_row = codes[at_out], index[at_out], outs
        self.n_in = np.bincount(self.in_tx, minlength=self.n_txs)
        self.n_out = np.bincount(self.out_tx, minlength=self.n_txs)

    @cached_property
    def out_who(self):
        """The address of each output as the table names it (taken when first read: clustering reads none)."""
        return self.table[T.TO].to_numpy(dtype=object)[self.out_row]

    def out_who_at(self, o):
        """``out_who[o]``, without taking every output's address when only these are wanted."""
        if "out_who" in self.__dict__:
            return self.out_who[o]
        return self.table[T.TO].to_numpy(dtype=object)[self.out_row[o]]

    # -- values (satoshi, int64), converted where first needed ---------------------------
    def values(self, rows):
        """The amounts of table rows ``rows`` (positions), as int64."""
        return _int64(self.table[T.AMOUNT].to_numpy()[rows])

    @cached_property
    def in_value(self):
        return self.values(self.in_row)

    @cached_property
    def out_value(self):
        return self.values(self.out_row)

    def in_values_at(self, i):
        """``in_value[i]``, without converting every amount when only these are wanted."""
        return self.in_value[i] if "in_value" in self.__dict__ else self.values(self.in_row[i])

    def out_values_at(self, o):
        """``out_value[o]``, without converting every amount when only these are wanted."""
        return self.out_value[o] if "out_value" in self.__dict__ else self.values(self.out_row[o])

    # -- addresses: numbered once, inputs' first (multi-input clustering needs no others) --
    @cached_property
    def _inputs_numbered(self):
        return factorize_rows(self.table[T.FROM].to_numpy(dtype=object), self.in_row)

    @property
    def in_addr(self):
        """The address number of each input."""
        return self._inputs_numbered[0]

    @property
    def n_input_addresses(self):
        """Addresses that spend: they are numbered ``0 .. n_input_addresses - 1``."""
        return len(self._inputs_numbered[1])

    @cached_property
    def _all_numbered(self):
        spenders = self._inputs_numbered[1]
        codes, uniques = factorize(np.concatenate([spenders, self.out_who]))
        return codes[len(spenders):], uniques  # the spenders, distinct and first, keep their numbers

    @property
    def out_addr(self):
        """The address number of each output."""
        return self._all_numbered[0]

    @property
    def addresses(self):
        """Every address of the chain's UTXO rows, by number."""
        return self._all_numbered[1]

    # -- per transaction ----------------------------------------------------------------
    def tx_column(self, column):
        """``column`` per transaction (its value on the transaction's first row)."""
        return self.table[column].to_numpy(dtype=object)[self._first_row]

    @cached_property
    def _first_row(self):
        # factorize numbers transactions in order of first appearance
        first = np.full(self.n_txs, -1, dtype=np.int64)
        first[self._codes[::-1]] = self._rows[::-1]  # the last write, the first row, wins
        return first

    @cached_property
    def rank(self):
        """Each transaction's place in time order: by block, position in the block, then the table's order."""
        block = _int64(self.tx_column(T.BLOCK))
        if TX_INDEX in self.table.columns:
            txi = pd.Series(self.tx_column(TX_INDEX)).fillna(-1).to_numpy().astype(np.int64)
        else:
            txi = np.full(self.n_txs, -1, dtype=np.int64)
        order = np.lexsort((np.arange(self.n_txs), txi, block))
        rank = np.empty(self.n_txs, dtype=np.int64)
        rank[order] = np.arange(self.n_txs)
        return rank

    @cached_property
    def timestamp(self):
        return self.tx_column(T.TIMESTAMP)

    @cached_property
    def coinbase(self):
        """Transactions without inputs: they mint; nothing they pay came from an address."""
        return self.n_in == 0

    # -- outputs ------------------------------------------------------------------------
    @cached_property
    def spendable(self):
        """Outputs that can be spent: not OP_RETURN (bitcoin-etl type ``nulldata``, or a
        zero-value output without an address)."""
        ok = np.ones(len(self.out_tx), dtype=bool)
        if SCRIPT_TYPE in self.table.columns:
            types = self.table[SCRIPT_TYPE].to_numpy(dtype=object)[self.out_row]
            ok &= types != NULLDATA
        names = self.addresses[self.out_addr].astype(str)
        ok &= ~((self.out_value == 0) & np.char.startswith(names, "nonstandard"))
        return ok

    @cached_property
    def spent_by(self):
        """For each input, the output it spends (a position in the output arrays), -1 if not in the data."""
        if SPENT_TX in self.table.columns and SPENT_INDEX in self.table.columns:
            stx = self.table[SPENT_TX].to_numpy(dtype=object)[self.in_row]
            sidx = self.table[SPENT_INDEX].to_numpy(dtype=object)[self.in_row]
            named = pd.notna(stx) & pd.notna(sidx)
            if named.all():
                return self._by_outpoint(stx, sidx)
            if named.any():  # some inputs name their output, the others are matched by address and value
                exact = self._by_outpoint(np.where(named, stx, None), np.where(named, sidx, 0))
                guess = self._by_address_and_value()
                guess[np.isin(guess, exact[named & (exact >= 0)])] = -1
                return np.where(named, exact, guess)
        return self._by_address_and_value()

    def _by_outpoint(self, stx, sidx):
        tx_code = pd.Index(self.tx_hash).get_indexer(pd.Series(stx, dtype=object).fillna("").to_numpy(dtype=object))
        vout = np.asarray(sidx, dtype=np.int64)
        width = int(max(self.out_vout.max(initial=0), vout.max(initial=0))) + 1
        keys = pd.Index(self.out_tx * width + self.out_vout)
        wanted = np.where(tx_code >= 0, tx_code * width + vout, -1)
        found = keys.get_indexer(wanted)
        return np.where(tx_code >= 0, found, -1)

    def _by_address_and_value(self):
        """The k-th spend of (address, value) in time order pairs with the k-th output of it."""
        rank = self.rank
        outs = pd.DataFrame({"a": self.out_addr, "v": self.out_value, "r": rank[self.out_tx],
                             "o": np.arange(len(self.out_tx))})
        ins = pd.DataFrame({"a": self.in_addr, "v": self.in_value, "r": rank[self.in_tx],
                            "i": np.arange(len(self.in_tx))})
        outs = outs.sort_values(["r", "o"], kind="stable")
        ins = ins.sort_values(["r", "i"], kind="stable")
        outs["k"] = outs.groupby(["a", "v"], sort=False).cumcount()
        ins["k"] = ins.groupby(["a", "v"], sort=False).cumcount()
        m = ins.merge(outs, on=["a", "v", "k"], how="inner", suffixes=("_in", "_out"))
        m = m[m["r_out"] < m["r_in"]]  # an output is spent after it was made
        result = np.full(len(self.in_tx), -1, dtype=np.int64)
        result[m["i"].to_numpy()] = m["o"].to_numpy()
        return result

    @cached_property
    def spender(self):
        """For each output, the transaction that spends it, -1 if unspent in the data."""
        result = np.full(len(self.out_tx), -1, dtype=np.int64)
        known = self.spent_by >= 0
        result[self.spent_by[known]] = self.in_tx[known]
        return result

    @cached_property
    def spent_tx(self):
        """For each input, the transaction whose output it spends, -1 if not in the data."""
        s = self.spent_by
        return np.where(s >= 0, self.out_tx[np.maximum(s, 0)], -1)

    @cached_property
    def first_seen(self):
        """For each address, when it first appears: ``2 * rank`` of the first transaction paying
        it, or ``2 * rank - 1`` of the first spending from it (it was paid before that, perhaps
        outside the data), whichever is earlier."""
        first = np.full(len(self.addresses), 2 * self.n_txs, dtype=np.int64)
        np.minimum.at(first, self.out_addr, 2 * self.rank[self.out_tx])
        np.minimum.at(first, self.in_addr, 2 * self.rank[self.in_tx] - 1)
        return first

    def outpoint(self, o):
        """``txid:vout`` of output position ``o``."""
        return f"{self.tx_hash[self.out_tx[o]]}:{int(self.out_vout[o])}"

    def inputs_of(self, tx):
        """Positions in the input arrays of transaction ``tx``'s inputs, in input order."""
        return self._members(self.in_tx, self.in_pos)[tx]

    def outputs_of(self, tx):
        """Positions in the output arrays of transaction ``tx``'s outputs, in output order."""
        return self._members(self.out_tx, self.out_vout)[tx]

    def _members(self, owner, position):
        key = "_m_in" if owner is self.in_tx else "_m_out"
        cached = self.__dict__.get(key)
        if cached is None:
            order = np.lexsort((position, owner))
            bounds = np.searchsorted(owner[order], np.arange(self.n_txs + 1))
            cached = _Groups(order, bounds)
            self.__dict__[key] = cached
        return cached


class _Groups:
    """Members of each group: ``groups[g]`` is an array of positions."""

    def __init__(self, order, bounds):
        self.order, self.bounds = order, bounds

    def __getitem__(self, g):
        return self.order[self.bounds[g]:self.bounds[g + 1]]


def _int64(values):
    """Exact int64 of ints (satoshi amounts and block numbers fit)."""
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    try:
        return values.astype(np.int64)  # Python ints: converted in C, and an int beyond int64 raises
    except (TypeError, ValueError, OverflowError):
        return np.fromiter((int(v) for v in values), dtype=np.int64, count=len(values))
