"""The transfers table: one row per movement of value, whatever the chain.

Columns are constants here and mirrored in ``docs/tracer.md``. ``amount`` holds exact Python
ints (object dtype) because uint256 values do not fit in int64 and floats would round.
"""
import pandas as pd

CHAIN, TX_HASH, BLOCK, TIMESTAMP = "chain", "tx_hash", "block", "timestamp"
FROM, TO, ASSET, AMOUNT, KIND, DECIMALS = "from", "to", "asset", "amount", "kind", "decimals"
INDEX = "index"  # utxo: input or output index; evm token transfer: log index; else -1
COLUMNS = [CHAIN, TX_HASH, BLOCK, TIMESTAMP, FROM, TO, ASSET, AMOUNT, KIND, DECIMALS, INDEX]
#: optional (the loaders write it; hand-built tables may leave it out): the transaction's position
#: in its block, -1 if the export does not say. Without it, transactions of one block are taken in
#: hash order, and a transaction spending what another in the same block paid may come first.
TX_INDEX = "tx_index"
#: optional (bitcoin-etl inputs; None on other rows): the output a UTXO input spends, as its
#: transaction hash and output index. Without them an input's value cannot be followed back to the
#: output it spends, and it counts as value from outside the data.
SPENT_TX, SPENT_INDEX = "spent_tx_hash", "spent_index"

NATIVE, INTERNAL, TOKEN, UTXO, FEE = "native", "internal", "token", "utxo", "fee"
KINDS = (NATIVE, INTERNAL, TOKEN, UTXO, FEE)

#: pseudo-address receiving EVM gas fees (kind "fee")
FEE_ADDRESS = "fee"


def empty():
    """An empty transfers table with the standard columns.

    Examples
    --------
    >>> list(empty().columns) == COLUMNS
    True
    """
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS})


def whole_units(amount: int, decimals: int, symbol: str = "") -> str:
    """``amount`` base units as exact whole units, digits grouped (no float, nothing rounded).

    Examples
    --------
    >>> whole_units(2_500_000, 6, "USDC")
    '2.5 USDC'
    >>> whole_units(435_571_000_000_000_000, 18)
    '0.435571'
    >>> whole_units(-12 * 10**8, 8, "BTC")
    '-12 BTC'
    """
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(int(amount)), 10**int(decimals))
    text = f"{sign}{whole:,}"
    if frac:
        text += "." + str(frac).rjust(int(decimals), "0").rstrip("0")
    return f"{text} {symbol}".rstrip()


def window(table, start=None, end=None):
    """The rows with a timestamp in ``[start, end]`` (unix seconds; None leaves that side open).

    Examples
    --------
    >>> t = pd.DataFrame({TIMESTAMP: [5, 10, None, 20]})
    >>> list(window(t, 6, 20)[TIMESTAMP])
    [10.0, 20.0]
    """
    if start is not None:
        table = table[table[TIMESTAMP].notna() & (table[TIMESTAMP] >= start)]
    if end is not None:
        table = table[table[TIMESTAMP].notna() & (table[TIMESTAMP] <= end)]
    return table


def sort(table):
    """Order a transfers table by chain, block, tx hash, index (deterministic)."""
    # within a tx: value in (utxo inputs, the tx's own value) before value out, the fee last;
    # inputs are stored as -1 - index, so their own order is restored here
    index = table[INDEX].astype(int)
    inputs = (table[KIND] == UTXO) & (index < 0)
    rank = table[KIND].map({NATIVE: 0, INTERNAL: 1, TOKEN: 1, FEE: 3, UTXO: 2}).astype(int) - inputs.astype(int) * 2
    order = index.where(~inputs, -1 - index)
    keys = [CHAIN, BLOCK, TX_HASH, "_r", "_o"]
    extra = {"_r": rank, "_o": order}
    if TX_INDEX in table.columns:
        extra["_t"] = table[TX_INDEX].fillna(-1).astype(int)
        keys.insert(2, "_t")
    return (table.assign(**extra).sort_values(keys, kind="stable")
            .drop(columns=list(extra)).reset_index(drop=True))
