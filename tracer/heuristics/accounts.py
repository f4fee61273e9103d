"""The account-model rows heuristics read: value moves, who sent each transaction, in time order.

An EVM transaction's sender is the address that paid its gas (its ``fee`` row's ``from``):
for a mixer withdrawal that is the relayer, or the withdrawal address itself when it paid its
own gas, which is what links it to whoever gave it that gas.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tracer import transfers as T

from .columns import SYMBOL, TX_INDEX

#: the zero address: the ``from`` of a token mint, the ``to`` of a burn
ZERO = "0x" + "0" * 40
VALUE_KINDS = (T.NATIVE, T.INTERNAL, T.TOKEN)


def moves(transfers):
    """Rows that move value between two addresses on account chains (not fees, not UTXO), in time
    order, with a ``sender`` column (who sent the transaction) and an exact-int ``amount``."""
    kind = transfers[T.KIND].to_numpy(dtype=object)
    rows = transfers[np.isin(kind, VALUE_KINDS)]
    rows = rows[rows[T.AMOUNT].map(lambda a: int(a) > 0).to_numpy(dtype=bool)] if len(rows) else rows
    rows = rows.assign(sender=_senders(transfers, rows))
    if SYMBOL not in rows.columns:
        rows = rows.assign(**{SYMBOL: None})
    return _ordered(rows)


def _senders(transfers, rows):
    fees = transfers[transfers[T.KIND].to_numpy(dtype=object) == T.FEE]
    by_tx = dict(zip(zip(fees[T.CHAIN], fees[T.TX_HASH], strict=True), fees[T.FROM], strict=True))
    natives = rows[rows[T.KIND].to_numpy(dtype=object) == T.NATIVE]
    for k, f in zip(zip(natives[T.CHAIN], natives[T.TX_HASH], strict=True), natives[T.FROM], strict=True):
        by_tx.setdefault(k, f)  # a transaction without a fee row: its value's sender
    return [by_tx.get(k) for k in zip(rows[T.CHAIN], rows[T.TX_HASH], strict=True)]


def _ordered(rows):
    keys = {"_b": pd.to_numeric(rows[T.BLOCK]), "_i": pd.to_numeric(rows[T.INDEX])}
    keys["_t"] = pd.to_numeric(rows[TX_INDEX]).fillna(-1) if TX_INDEX in rows.columns else -1
    return (rows.assign(**keys).sort_values([T.CHAIN, "_b", "_t", T.TX_HASH, "_i"], kind="stable")
            .drop(columns=list(keys)).reset_index(drop=True))


def scaled(amount, decimals, to_decimals):
    """``amount`` in base units of ``decimals`` as base units of ``to_decimals``, exactly (a Fraction
    where it does not divide)."""
    from fractions import Fraction

    d = int(to_decimals) - int(decimals)
    return Fraction(int(amount) * 10**d) if d >= 0 else Fraction(int(amount), 10**-d)


def duration(seconds):
    """Seconds for a reason sentence: ``3 h 05 min``, ``12 min``, ``40 s``.

    >>> duration(11_100), duration(720), duration(40), duration(2 * 86_400 + 3_600)
    ('3 h 05 min', '12 min', '40 s', '2 d 1 h')
    """
    seconds = int(seconds)
    if seconds >= 86_400:
        return f"{seconds // 86_400} d {seconds % 86_400 // 3_600} h"
    if seconds >= 3_600:
        return f"{seconds // 3_600} h {seconds % 3_600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"
