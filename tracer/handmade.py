"""Hand-made transfers tables, for examples, doctests and tests: a few readable tuples instead of
rows of eleven fields.

Each transaction is its own block, in the order given, a minute apart.
"""
import pandas as pd

from tracer import transfers as T

START = 1_700_000_000


def account(rows, *, chain="c", asset="X", decimals=0, start=START):
    """An account-model table from ``(tx, from, to, amount)`` rows (a fifth field: the asset).

    Rows of one transaction must be given together; a dict row may set any column.

    Examples
    --------
    >>> account([("t1", "s", "a", 10), ("t2", "a", "b", 4, "Y")])[["tx_hash", "to", "asset", "amount"]].values.tolist()
    [['t1', 'a', 'X', 10], ['t2', 'b', 'Y', 4]]
    """
    out, blocks = [], {}
    for r in rows:
        if isinstance(r, dict):
            row = dict(r)
        else:
            # a fifth field, the asset, is optional
            row = dict(zip((T.TX_HASH, T.FROM, T.TO, T.AMOUNT, T.ASSET), r, strict=False))
        block = blocks.setdefault(row[T.TX_HASH], len(blocks))
        full = {T.CHAIN: chain, T.BLOCK: block, T.TIMESTAMP: start + 60 * block, T.ASSET: asset,
                T.KIND: T.NATIVE if row.get(T.ASSET, asset) == asset else T.TOKEN, T.DECIMALS: decimals,
                T.INDEX: -1, T.TX_INDEX: 0}
        full.update(row)
        out.append(full)
    return _frame(out, T.COLUMNS + [T.TX_INDEX])


def utxo(txs, *, chain="btc", start=START):
    """A UTXO table from ``(tx, inputs, outputs)``: inputs ``(address, amount, "prev_tx:vout")``
    (``None`` for an output the data does not hold), outputs ``(address, amount)`` in index order;
    the fee is what the inputs hold beyond the outputs. Amounts in satoshi.

    Examples
    --------
    >>> t = utxo([("t1", [("a", 10, None)], [("b", 4), ("a", 5)]),
    ...           ("t2", [("a", 5, "t1:1")], [("c", 5)])])
    >>> for row in t[["tx_hash", "from", "to", "amount", "kind", "index", "spent_tx_hash"]].values.tolist()[3:]:
    ...     print(row)
    ['t1', 't1', 'fee', 1, 'fee', 1073741824, None]
    ['t2', 'a', 't2', 5, 'utxo', -1, 't1']
    ['t2', 't2', 'c', 5, 'utxo', 0, None]
    """
    rows = []
    for block, (h, ins, outs) in enumerate(txs):
        ts = start + 60 * block
        base = {T.CHAIN: chain, T.TX_HASH: h, T.BLOCK: block, T.TIMESTAMP: ts, T.ASSET: "BTC", T.DECIMALS: 8,
                T.TX_INDEX: 0, T.SPENT_TX: None, T.SPENT_INDEX: None}
        for k, (addr, amount, *spent) in enumerate(ins):
            spent_tx, spent_index = (spent[0].rsplit(":", 1) if spent and spent[0] else (None, None))
            rows.append({**base, T.FROM: addr, T.TO: h, T.AMOUNT: amount, T.KIND: T.UTXO, T.INDEX: -1 - k,
                         T.SPENT_TX: spent_tx, T.SPENT_INDEX: None if spent_index is None else int(spent_index)})
        for k, (addr, amount) in enumerate(outs):
            rows.append({**base, T.FROM: h, T.TO: addr, T.AMOUNT: amount, T.KIND: T.UTXO, T.INDEX: k})
        fee = sum(i[1] for i in ins) - sum(o[1] for o in outs)
        if fee < 0:
            raise ValueError(f"{h}: outputs {sum(o[1] for o in outs)} exceed inputs {sum(i[1] for i in ins)}")
        if fee:
            rows.append({**base, T.FROM: h, T.TO: T.FEE_ADDRESS, T.AMOUNT: fee, T.KIND: T.FEE, T.INDEX: 1 << 30})
    return _frame(rows, T.COLUMNS + [T.TX_INDEX, T.SPENT_TX, T.SPENT_INDEX])


def _frame(rows, columns):
    return pd.DataFrame([[r.get(c) for c in columns] for r in rows], columns=columns, dtype=object)
