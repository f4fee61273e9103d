"""ethereum-etl ``token_transfers``, named by ``tokens`` (raw ``logs``: :mod:`tracer.load.evm_logs`)."""
import numpy as np

from tracer import transfers as T
from tracer.load.evm_schema import TOKEN_COLUMNS, TOKEN_TRANSFER_COLUMNS
from tracer.load.evm_transactions import hash_objects, joined
from tracer.load.parsers import (address_codes, address_columns, check_hashes, symbols, timestamps, to_addresses,
                                 to_int64, to_ints)
from tracer.load.readers import require
from tracer.load.table import Coded, Part


def read_tokens(files):
    """(decimals, symbols): dicts by lower-case token address, from the ``tokens`` file."""
    if "tokens" not in files:
        return {}, {}
    p = files["tokens"]
    k = files.read("tokens")
    require(k, TOKEN_COLUMNS, p)
    addresses = to_addresses(k["address"], p, "address")
    decimals = dict(zip(addresses, to_ints(k["decimals"], p, "decimals", True), strict=True))
    names = dict(zip(addresses, symbols(k["symbol"]), strict=True)) if "symbol" in k.column_names else {}
    return decimals, names


def token_columns(token, tokens):
    """asset, decimals and symbol of token rows from their (distinct addresses, codes), as
    :class:`~tracer.load.table.Coded` columns."""
    words, codes = token
    decimals, names = tokens
    return {"asset": Coded(words, codes), "decimals": Coded(_lookup(words, decimals), codes),
            "symbol": Coded(_lookup(words, names), codes)}


def _lookup(keys, mapping):
    """``mapping.get(k)`` for each of ``keys`` (a small object array of distinct keys)."""
    out = np.empty(len(keys), dtype=object)
    out[:] = [mapping.get(k) for k in keys]
    return out


def map_token_transfers(files, blocks, tokens, transactions, index=None):
    """The ``token_transfers`` file's rows; ``transactions()`` gives the :class:`Transactions` (or
    None) they join to, when the rest is done (it may be mapped meanwhile, in another thread), and
    ``index()``, if given, the :class:`HashIndex` of the transactions (or None), as soon as it is made."""
    p = files["token_transfers"]
    df = files.read("token_transfers")
    require(df, TOKEN_TRANSFER_COLUMNS, p)
    value = to_ints(df["value"], p, "value")
    token = address_codes(df["token_address"], p, "token_address")
    words, (frm, to) = address_columns(p, (df["from_address"], "from_address"), (df["to_address"], "to_address"))
    frm, to = Coded(words, frm), Coded(words, to)
    block = to_int64(df["block_number"], p, "block_number")
    log_index = to_int64(df["log_index"], p, "log_index")
    h = df["transaction_hash"]
    check_hashes(h, p, "transaction_hash")
    times, columns = timestamps(df, block, blocks, p), token_columns(token, tokens)
    found = index() if index is not None else None
    rows = found.positions(h) if found is not None else None  # while the transactions are mapped
    txs = transactions()
    join = joined(txs, np.full(len(df), -1), h, rows)
    return [Part(T.TOKEN, hash_objects(txs, h, join), block, times, frm, to, value, index=log_index, **join,
                 **columns)]
