"""ethereum-etl ``token_transfers`` (or the ERC-20 ``Transfer`` logs they come from), named by ``tokens``."""
import numpy as np
import pyarrow as pa

from tracer import transfers as T
from tracer.errors import LoadError
from tracer.load.evm_schema import LOG_COLUMNS, TOKEN_COLUMNS, TOKEN_TRANSFER_COLUMNS, TRANSFER_TOPIC
from tracer.load.evm_transactions import hash_objects, joined
from tracer.load.parsers import (address_codes, check_hashes, symbols, timestamps, to_addresses, to_int64, to_ints,
                                 tx_index)
from tracer.load.readers import require
from tracer.load.table import Part


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


def _token_columns(token, tokens):
    """asset, decimals and symbol of token rows from their (distinct addresses, codes)."""
    words, codes = token
    decimals, names = tokens
    return {"asset": words[codes], "decimals": _lookup(words, decimals)[codes], "symbol": _lookup(words, names)[codes]}


def _lookup(keys, mapping):
    """``mapping.get(k)`` for each of ``keys`` (a small object array of distinct keys)."""
    out = np.empty(len(keys), dtype=object)
    out[:] = [mapping.get(k) for k in keys]
    return out


def map_token_transfers(files, blocks, tokens, transactions):
    """The ``token_transfers`` file's rows; ``transactions()`` gives the :class:`Transactions` (or
    None) they join to, when the rest is done (it may be mapped meanwhile, in another thread)."""
    p = files["token_transfers"]
    df = files.read("token_transfers")
    require(df, TOKEN_TRANSFER_COLUMNS, p)
    value = to_ints(df["value"], p, "value")
    token = address_codes(df["token_address"], p, "token_address")
    frm, to = to_addresses(df["from_address"], p, "from_address"), to_addresses(df["to_address"], p, "to_address")
    block = to_int64(df["block_number"], p, "block_number")
    log_index = to_int64(df["log_index"], p, "log_index")
    h = df["transaction_hash"]
    check_hashes(h, p, "transaction_hash")
    times, columns = timestamps(df, block, blocks, p), _token_columns(token, tokens)
    txs = transactions()
    join = joined(txs, np.full(len(df), -1), h)
    return [Part(T.TOKEN, hash_objects(txs, h, join), block, times, frm, to, value, index=log_index, **join,
                 **columns)]


def map_logs(files, blocks, tokens, txs):
    """ERC-20 transfers decoded from raw logs, as ethereum-etl's own extract_token_transfers does:
    the Transfer topic with exactly three topics and a 32-byte amount (ERC-721 has four topics)."""
    p = files["logs"]
    df = files.read("logs")
    require(df, LOG_COLUMNS, p)
    rows, frm, to, value = [], [], [], []
    for n, (tp, d) in enumerate(zip(df["topics"].to_pylist(), df["data"].to_pylist(), strict=True)):
        if not tp or not tp.lower().startswith(TRANSFER_TOPIC):
            continue
        words = tp.lower().split(",")
        if len(words) != 3 or len(d) != 66:
            continue
        for col, x in (("topics", words[1]), ("topics", words[2]), ("data", d)):
            if len(x) != 66 or not x.startswith("0x") or any(c not in "0123456789abcdefABCDEF" for c in x[2:]):
                raise LoadError(p, f"not a 32-byte hex word: {x!r}", row=n + 1, column=col)
        rows.append(n)
        frm.append("0x" + words[1][-40:])
        to.append("0x" + words[2][-40:])
        value.append(int(d, 16))
    if not rows:
        return []
    df = df.take(pa.array(rows))
    token = address_codes(df["address"], p, "address")
    block = to_int64(df["block_number"], p, "block_number")
    h = df["transaction_hash"]
    check_hashes(h, p, "transaction_hash")
    join = joined(txs, tx_index(df, p), h)
    return [Part(T.TOKEN, hash_objects(txs, h, join), block, timestamps(df, block, blocks, p),
                 np.array(frm, dtype=object), np.array(to, dtype=object), np.array(value, dtype=object),
                 index=to_int64(df["log_index"], p, "log_index"), **join, **_token_columns(token, tokens))]
