"""Value legs: one row per payment, in either model, with the columns matching rules compare.

A leg is ``chain, tx, time, from, to, amount, decimals, asset, symbol, sender, vout``: an account
transfer as it is (``vout`` None), or a UTXO output ``from`` the paying transaction's first input
address (who paid it, as far as the chain shows), with ``swept``, the transaction that swept it into
a service's wallet, where asked. Bridge, swap and structuring rules look across both models.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tracer import transfers as T

from .columns import SYMBOL
from .utxo import views

COLUMNS = ["chain", "tx", "time", "from", "to", "amount", "decimals", "asset", "symbol", "sender", "vout"]


def legs(m):
    """Account-model rows of :func:`tracer.heuristics.accounts.moves` as legs."""
    return pd.DataFrame({"chain": m[T.CHAIN], "tx": m[T.TX_HASH], "time": m[T.TIMESTAMP], "from": m[T.FROM],
                         "to": m[T.TO], "amount": m[T.AMOUNT], "decimals": m[T.DECIMALS], "asset": m[T.ASSET],
                         "symbol": m[SYMBOL], "sender": m["sender"], "vout": None})


def utxo_legs(transfers, known=(), swept_into=None):
    """UTXO outputs as legs: ``from`` the paying transaction's first input address.

    ``swept_into``: a service's wallet addresses. On a chain where one of them appears, only the
    outputs that can be the service's deposits are legs: those not spent in the data, and those
    spent into a transaction paying the wallet (a service sweeps its deposit addresses; an output
    spent to anyone else was not its deposit); column ``swept`` names the sweep (else None).
    """
    parts = []
    for view in views(transfers):
        first = np.full(view.n_txs, -1, dtype=np.int64)
        order = np.lexsort((-view.in_pos, view.in_tx))
        first[view.in_tx[order]] = view.in_addr[order]  # the last write is input 0
        keep = (first[view.out_tx] >= 0) & view.spendable
        o = np.flatnonzero(keep)
        to = view.addresses[view.out_addr[o]]
        frm = view.addresses[first[view.out_tx[o]]]
        mask = ~pd.Series(to).isin(known).to_numpy() & (to != frm)
        o, to, frm = o[mask], to[mask], frm[mask]
        swept = np.full(len(o), None, dtype=object)
        wallet = np.flatnonzero(pd.Series(view.addresses).isin(swept_into).to_numpy()) if swept_into else []
        if len(wallet):
            pays_wallet = np.zeros(view.n_txs, dtype=bool)
            pays_wallet[view.out_tx[np.isin(view.out_addr, wallet)]] = True
            by = view.spender[o]
            fit = (by < 0) | pays_wallet[np.maximum(by, 0)]
            o, to, frm, by = o[fit], to[fit], frm[fit], by[fit]
            swept = np.where(by >= 0, view.tx_hash[np.maximum(by, 0)], None).astype(object)
        symbol = view.table[SYMBOL].to_numpy(dtype=object)[view.out_row[o]] if SYMBOL in view.table.columns \
            else view.table[T.ASSET].to_numpy(dtype=object)[view.out_row[o]]
        parts.append(pd.DataFrame({"chain": view.chain, "tx": view.tx_hash[view.out_tx[o]],
                                   "time": view.timestamp[view.out_tx[o]], "from": frm, "to": to,
                                   "amount": view.out_value[o].astype(object),
                                   "decimals": view.table[T.DECIMALS].to_numpy(dtype=object)[view.out_row[o]],
                                   "asset": view.table[T.ASSET].to_numpy(dtype=object)[view.out_row[o]],
                                   "symbol": symbol, "sender": frm, "vout": view.out_vout[o], "swept": swept}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*COLUMNS, "swept"])
