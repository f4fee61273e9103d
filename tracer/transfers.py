"""The transfers table: one row per movement of value, whatever the chain.

Columns are constants here and mirrored in ``docs/tracer.md``. ``amount`` holds exact Python
ints (object dtype) because uint256 values do not fit in int64 and floats would round.
"""
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
#: on every table the loaders return: the asset's ticker for people, as the data gives it: the
#: native asset itself ("ETH", "BTC"), a token's ``symbol`` from the export's ``tokens`` file (the
#: contract's own ``symbol()``: anyone may deploy a token called "USDT", so ``asset``, the contract
#: address, is what identifies it), missing (None) when the export does not name the token.
SYMBOL = "symbol"

NATIVE, INTERNAL, TOKEN, UTXO, FEE = "native", "internal", "token", "utxo", "fee"
KINDS = (NATIVE, INTERNAL, TOKEN, UTXO, FEE)

#: pseudo-address receiving EVM gas fees (kind "fee")
FEE_ADDRESS = "fee"

#: optional, on tables loaded with ``extra=True``: what the heuristics read besides the transfers
#: (None where a column does not apply). UTXO rows: the script type as bitcoin-etl names it
#: (Bitcoin Core's ``pubkeyhash``, ``witness_v0_keyhash``, ``witness_v1_taproot``, ``scripthash``,
#: ``multisig``, ``nonstandard``, ...: the output's own, and on an input row the type of the output
#: it spends); the transaction's ``nLockTime`` and ``version`` on every row of it; an input row's
#: ``nSequence``.
SCRIPT_TYPE, LOCKTIME, VERSION, SEQUENCE = "script_type", "locktime", "version", "sequence"
#: EVM rows, every row a transaction made (its value, fee, internal and token transfers): the
#: transaction's ``gas_price`` in wei per gas as the export gives it (for an EIP-1559 transaction
#: the price it paid), and its input's selector, the first 4 bytes of ``input`` as ``0x`` + 8
#: lower-case hex digits (None for a plain transfer, whose input is empty).
GAS_PRICE, SELECTOR = "gas_price", "selector"
UTXO_EXTRA = [SCRIPT_TYPE, LOCKTIME, VERSION, SEQUENCE]
EVM_EXTRA = [GAS_PRICE, SELECTOR]
EXTRA = UTXO_EXTRA + EVM_EXTRA


def empty(columns=None):
    """An empty transfers table with the standard columns (or ``columns``).

    Examples
    --------
    >>> list(empty().columns) == COLUMNS
    True
    """
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in (COLUMNS if columns is None else columns)})


def utxo_chains(table) -> set:
    """The chains of ``table`` that hold UTXO rows: where an address groups coins rather than
    being an account (clustering and pooling apply to the other chains only).

    >>> import pandas as pd
    >>> utxo_chains(pd.DataFrame({CHAIN: ["btc", "eth", "btc"], KIND: [UTXO, NATIVE, FEE]}))
    {'btc'}
    """
    return set(table.loc[table[KIND] == UTXO, CHAIN].unique())


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


#: the order of a transaction's rows: value in (a utxo input, the transaction's own value) before
#: value out, the fee last (a utxo input ranks 0, see :func:`sort_keys`)
RANK = {NATIVE: 0, INTERNAL: 1, TOKEN: 1, UTXO: 2, FEE: 3}


def sort_keys(kind, index):
    """(rank, within) of each row as int64 arrays: the keys that order the rows of one transaction.

    UTXO inputs are stored with ``index = -1 - input index``; here they rank before the outputs and
    keep their own order.

    Examples
    --------
    >>> rank, within = sort_keys([UTXO, UTXO, UTXO, FEE], [-1, -2, 0, 1 << 30])
    >>> rank.tolist(), within.tolist()
    ([0, 0, 2, 3], [0, 1, 0, 1073741824])
    """
    kind = np.asarray(kind, dtype=object)
    index = np.asarray(index, dtype=np.int64)
    rank = pd.Series(kind, dtype=object).map(RANK)
    if rank.isna().any():
        raise ValueError(f"unknown kind {kind[rank.isna().to_numpy()][0]!r} (one of {', '.join(KINDS)})")
    inputs = (kind == UTXO) & (index < 0)
    return rank.to_numpy(dtype=np.int64) - 2 * inputs, np.where(inputs, -1 - index, index)


def order(block, tx_hash, rank, within, tx_index=None, chain=None, tx_id=None):
    """The positions that put rows in :func:`sort` order, from numpy arrays of the keys.

    The order is (chain, block, tx_index, tx_hash, rank, within), stable. It is found with integer
    keys only: sorting a million Python strings costs seconds. When every row knows its position in
    the block, (block, position) names the transaction and the hash is not compared at all (unless two
    hashes share a position: an export mixing forks); else hashes are compared by their first 16 bytes,
    and fully only if two hashes of a block share those.

    Parameters
    ----------
    block, rank, within : int64 arrays
    tx_hash : object array of str, or a function that makes it
        Called only if the hashes are compared (a loader's hashes are made once, in order, after).
    tx_index : int64 array, optional
        -1 where unknown (such rows come first in their block).
    chain : object array, optional
    tx_id : int64 array, optional
        Equal exactly where ``tx_hash`` is equal (a loader knows each row's transaction): compared
        instead of the hashes, which is faster.

    Examples
    --------
    >>> order(np.array([2, 1, 1]), np.array(["b", "c", "a"], dtype=object), np.zeros(3, int),
    ...       np.zeros(3, int)).tolist()
    [2, 1, 0]
    """
    n = len(block)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keys = [np.asarray(within, dtype=np.int64), np.asarray(rank, dtype=np.int64)]
    outer = [np.asarray(block, dtype=np.int64)]
    if chain is not None:
        codes = pd.factorize(pd.Series(chain, dtype=object), sort=True)[0].astype(np.int64)
        if codes.max() > 0:
            outer.append(codes)
    txi = np.full(n, -1, dtype=np.int64) if tx_index is None else np.asarray(tx_index, dtype=np.int64)
    if tx_id is None or not callable(tx_hash):
        tx_hash = np.asarray(tx_hash() if callable(tx_hash) else tx_hash, dtype=object)
    ids = tx_hash if tx_id is None else np.asarray(tx_id)

    def one_transaction_a_key(o, group):
        """True unless two different transactions share a value of the ``group`` keys."""
        same = np.ones(n - 1, dtype=bool)
        for k in group:
            same &= k[o][1:] == k[o][:-1]
        pairs = np.flatnonzero(same)
        return not (ids[o[pairs]] != ids[o[pairs + 1]]).any()

    if (txi >= 0).all():
        o = _lexsort(keys + [txi] + outer)
        if one_transaction_a_key(o, [txi] + outer):
            return o
    txh = np.asarray(tx_hash() if callable(tx_hash) else tx_hash, dtype=object)
    prefix = _hash_prefix(txh)
    if prefix is not None:
        o = _lexsort(keys + list(prefix) + [txi] + outer)
        if one_transaction_a_key(o, list(prefix) + [txi] + outer):
            return o
    # str order is code point order, and so is arrow's byte order on UTF-8
    ranked = pc.rank(pa.array(txh, type=pa.string()), tiebreaker="dense").to_numpy().astype(np.int64)
    return _lexsort(keys + [ranked, txi] + outer)


def _hash_prefix(txh):
    """The first 16 bytes of each hash as two big-endian uint64 (NUL-padded ASCII compares like the
    strings), or None if a hash is not ASCII text."""
    try:
        raw = txh.astype("S")
    except (UnicodeEncodeError, ValueError, TypeError):
        return None
    if raw.dtype.itemsize < 16:
        raw = raw.astype("S16")
    head = np.ascontiguousarray(raw.view(np.uint8).reshape(len(raw), -1)[:, :16]).view(">u8")
    return head[:, 1], head[:, 0]


def _lexsort(keys):
    """``numpy.lexsort(keys)`` (last key primary), as one stable argsort of a packed int64 when the
    keys' ranges fit in 63 bits: the rows usually come in a few sorted runs, which that sort merges."""
    n = len(keys[0])
    packed, bits = np.zeros(n, dtype=np.int64), 0
    for k in keys:
        lo, hi = int(k.min()), int(k.max())
        width = (hi - lo).bit_length()
        if bits + width > 63 or (k.dtype.kind == "u" and hi >= 2**63):
            return np.lexsort(keys)
        if width:
            packed |= (k.astype(np.int64) - lo) << bits
        bits += width
    return np.argsort(packed, kind="stable")


def sort(table):
    """Order a transfers table by chain, block, position in the block, tx hash, then within the
    transaction by :data:`RANK` and index (deterministic, stable).

    Examples
    --------
    >>> t = pd.DataFrame({CHAIN: ["c"] * 3, TX_HASH: ["b", "a", "a"], BLOCK: [1, 1, 1], KIND: [NATIVE, FEE, NATIVE],
    ...                   INDEX: [-1, -1, -1]})
    >>> sort(t)[[TX_HASH, KIND]].values.tolist()
    [['a', 'native'], ['a', 'fee'], ['b', 'native']]
    """
    block, txh = table[BLOCK], table[TX_HASH].to_numpy(dtype=object)
    if (len(table) and not (block.dtype.kind in "iu" or _infer(block.to_numpy(dtype=object)) == "integer")) \
            or (len(table) and _infer(txh) != "string"):
        return _sort_frame(table)  # floats, missing values, hashes that are not text: pandas compares them
    try:
        block = pa.array(block.to_numpy(dtype=object), type=pa.int64()).to_numpy()
    except (pa.ArrowException, OverflowError):  # block numbers beyond int64
        return _sort_frame(table)
    rank, within = sort_keys(table[KIND].to_numpy(dtype=object), table[INDEX].astype(int).to_numpy())
    txi = table[TX_INDEX].fillna(-1).astype(int).to_numpy() if TX_INDEX in table.columns else None
    o = order(block, txh, rank, within, txi, table[CHAIN].to_numpy(dtype=object))
    return table.take(o).reset_index(drop=True)


def _infer(values):
    return pd.api.types.infer_dtype(values, skipna=False)


def _sort_frame(table):
    """:func:`sort` by pandas' ``sort_values`` (its reference, and its fallback for odd columns)."""
    rank, within = sort_keys(table[KIND].to_numpy(dtype=object), table[INDEX].astype(int).to_numpy())
    keys = [CHAIN, BLOCK, TX_HASH, "_r", "_o"]
    extra = {"_r": rank, "_o": within}
    if TX_INDEX in table.columns:
        extra["_t"] = table[TX_INDEX].fillna(-1).astype(int)
        keys.insert(2, "_t")
    return (table.assign(**extra).sort_values(keys, kind="stable")
            .drop(columns=list(extra)).reset_index(drop=True))
