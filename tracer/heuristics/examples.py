"""Small readable builders of transfers tables for the heuristics' examples, doctests and tests:
:mod:`tracer.handmade`'s tables, with what heuristics read besides (each transaction's block and
time, the loaders' optional columns, who sent an EVM transaction and paid its fee).

A UTXO transaction is its inputs and outputs as ``(address, value)`` pairs; an EVM transaction
is who sent it and what it moved. The rows are those the loaders write (inputs with
``index = -1 - position``, a ``fee`` row for what the inputs leave over, a ``fee`` row from the
sender of every EVM transaction), so heuristics see the same table as on real exports.

Examples
--------
>>> t = utxo(tx("t1", [("alice", 10_000)], [("shop", 6_000), ("alice2", 3_900)], block=1))
>>> t[["from", "to", "amount", "kind", "index"]].values.tolist()
[['alice', 't1', 10000, 'utxo', -1], ['t1', 'shop', 6000, 'utxo', 0], ['t1', 'alice2', 3900, 'utxo', 1],
 ['t1', 'fee', 100, 'fee', 1073741824]]
"""
from __future__ import annotations

import pandas as pd

from tracer import handmade
from tracer import transfers as T

from .columns import GAS_PRICE, LOCKTIME, SCRIPT_TYPE, SEQUENCE, SPENT_INDEX, SPENT_TX, SYMBOL, TX_INDEX, VERSION

START = 1_767_225_600  # 2026-01-01 00:00 UTC
BLOCK_SECONDS = {"utxo": 600, "evm": 12}
_MINTED = "(minted)"


def tx(hash, inputs, outputs, block=1, time=None, locktime=0, version=2, sequence=0xFFFFFFFD):
    """One UTXO transaction for :func:`utxo`.

    Parameters
    ----------
    hash : str
    inputs : list of tuple
        ``(address, value)``, or ``(address, value, "txid:vout")`` naming the output spent.
        Empty for a coinbase.
    outputs : list of tuple
        ``(address, value)``, in output order.
    block : int
    time : int, optional
        Unix seconds; default ``START + 600 * block``.
    locktime, version, sequence : int
        nLockTime, version and every input's nSequence (the optional columns).
    """
    return {"hash": hash, "inputs": list(inputs), "outputs": list(outputs), "block": block,
            "time": START + BLOCK_SECONDS["utxo"] * block if time is None else time,
            "locktime": locktime, "version": version, "sequence": sequence}


def utxo(*txs, chain="bitcoin", types=None, extra=False):
    """A transfers table of UTXO transactions made with :func:`tx`, in the order given
    (:func:`tracer.handmade.utxo`'s rows, at each transaction's block and time).

    Parameters
    ----------
    types : dict, optional
        Address -> script type; gives the table its ``script_type`` column (and ``extra``).
    extra : bool
        Add the optional columns the loaders add with ``extra=True``: script type, locktime,
        version and sequence.
    """
    # handmade.utxo wants inputs to pay the outputs: a coinbase (no inputs) mints, so it gets one
    # that stands for the new coins, dropped after
    table = handmade.utxo([(t["hash"], [(i[0], i[1], i[2] if len(i) > 2 else None) for i in t["inputs"]]
                            or [(_MINTED, sum(v for _, v in t["outputs"]), None)], t["outputs"]) for t in txs],
                          chain=chain)
    table = table[table[T.FROM] != _MINTED].reset_index(drop=True)
    by_hash = {t["hash"]: (k, t) for k, t in enumerate(txs)}
    at = [by_hash[h] for h in table[T.TX_HASH]]
    table[T.BLOCK] = [t["block"] for _, t in at]
    table[T.TIMESTAMP] = [t["time"] for _, t in at]
    table[TX_INDEX] = [k for k, _ in at]
    table[SYMBOL] = "BTC"
    if not any(len(i) > 2 for t in txs for i in t["inputs"]):
        table = table.drop(columns=[SPENT_TX, SPENT_INDEX])
    if extra or types:
        is_input = (table[T.KIND] == T.UTXO) & (table[T.INDEX].astype(int) < 0)
        who = [f if i else to for f, to, i in zip(table[T.FROM], table[T.TO], is_input, strict=True)]
        table[SCRIPT_TYPE] = [(types or {}).get(a) if k == T.UTXO else None
                              for a, k in zip(who, table[T.KIND], strict=True)]
        table[LOCKTIME] = [t["locktime"] for _, t in at]
        table[VERSION] = [t["version"] for _, t in at]
        table[SEQUENCE] = [t["sequence"] if i else None for (_, t), i in zip(at, is_input, strict=True)]
    return table.astype(object)


def send(frm, to, amount, tx, block=1, time=None, asset="ETH", decimals=18, symbol=None, gas_price=10**9,
         fee=21_000 * 10**9):
    """A plain EVM transfer (``native``) of ``amount`` from ``frm`` to ``to``, and its fee, for :func:`evm`.

    ``asset`` other than ``"ETH"`` makes it a token transfer of that token contract, sent by ``frm``.
    """
    kind = T.NATIVE if asset == "ETH" else T.TOKEN
    symbol = symbol or ("ETH" if asset == "ETH" else None)
    moves = [(kind, frm, to, amount, asset, decimals, symbol)]
    return call(tx, frm, moves=moves, block=block, time=time, gas_price=gas_price, fee=fee)


def call(tx, sender, moves=(), block=1, time=None, gas_price=10**9, fee=60_000 * 10**9, internal=()):
    """An EVM transaction ``sender`` sent: its fee, and what it moved.

    Parameters
    ----------
    moves : list of tuple
        ``(kind, from, to, amount, asset, decimals, symbol)``.
    internal : list of tuple
        ``(from, to, amount)``: ETH moved by contracts (kind ``internal``), a shorthand for moves.
    """
    ts = START + BLOCK_SECONDS["evm"] * block if time is None else time
    moves = list(moves) + [(T.INTERNAL, f, t, a, "ETH", 18, "ETH") for f, t, a in internal]
    rows = []
    for k, (kind, frm, to, amount, asset, decimals, symbol) in enumerate(moves):
        rows.append({T.TX_HASH: tx, T.BLOCK: block, T.TIMESTAMP: ts, T.FROM: frm, T.TO: to, T.ASSET: asset,
                     T.AMOUNT: amount, T.KIND: kind, T.DECIMALS: decimals, T.INDEX: k if kind == T.TOKEN else -1,
                     SYMBOL: symbol, GAS_PRICE: gas_price})
    if fee:
        rows.append({T.TX_HASH: tx, T.BLOCK: block, T.TIMESTAMP: ts, T.FROM: sender, T.TO: T.FEE_ADDRESS,
                     T.ASSET: "ETH", T.AMOUNT: fee, T.KIND: T.FEE, T.DECIMALS: 18, T.INDEX: -1, SYMBOL: "ETH",
                     GAS_PRICE: gas_price})
    return rows


def evm(*txs, chain="ethereum", extra=False):
    """A transfers table of EVM transactions made with :func:`send` and :func:`call`
    (:func:`tracer.handmade.account` of their rows).

    ``extra`` adds the optional ``gas_price`` column (as ``tracer.load.load(..., extra=True)``).

    Examples
    --------
    >>> t = evm(send("0xa", "0xb", 5 * 10**17, tx="0x1"), chain="ethereum")
    >>> t[["from", "to", "amount", "kind"]].values.tolist()
    [['0xa', '0xb', 500000000000000000, 'native'], ['0xa', 'fee', 21000000000000, 'fee']]
    """
    rows = [{**r, TX_INDEX: position} for position, group in enumerate(txs) for r in group]
    table = handmade.account(rows, chain=chain, asset="ETH", decimals=18)
    table[SYMBOL] = [r.get(SYMBOL) for r in rows]
    if extra:
        table[GAS_PRICE] = [r.get(GAS_PRICE) for r in rows]
    return table


def combine(*tables):
    """Several tables (e.g. two chains) as one."""
    return pd.concat(tables, ignore_index=True)
