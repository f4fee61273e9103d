"""Load ethereum-etl exports (the schema of the public BigQuery ``crypto_ethereum`` datasets).

Extract, map, assemble: each file is read as text (:mod:`tracer.load.readers`), its columns checked
and converted (:mod:`tracer.load.parsers`), and mapped here to rows of the transfers table
(:mod:`tracer.transfers`): a transaction's value and its fee, internal transfers from traces, token
transfers (or the ERC-20 ``Transfer`` logs they are decoded from). The rows stay typed numpy and
pyarrow arrays until :func:`_table` orders them and makes the table's Python objects, once.
Column names are checked against ethereum-etl's ``docs/schema.md`` (``docs/ethereum-etl.md``).
"""
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tracer import transfers as T
from tracer.errors import LoadError, LoadWarning
from tracer.load.parsers import (BlockTimes, address_codes, all_true, checksum, hashes, status_ok, strings,
                                 symbols, timestamps, to_addresses, to_int64, to_ints, to_numpy, tx_index)
from tracer.load.readers import read_arrow, require

__all__ = ["load_ethereum_etl", "checksum"]  # checksum: where callers found it before the split

TRANSACTION_COLUMNS = ["hash", "block_number", "from_address", "to_address", "value"]
TRANSACTION_OPTIONAL = ["transaction_index", "block_timestamp", "receipt_status", "receipt_gas_used",
                        "receipt_effective_gas_price", "receipt_contract_address", "gas_price"]
TRACE_COLUMNS = ["transaction_hash", "block_number", "from_address", "to_address", "value",
                 "trace_type", "status", "trace_address"]
TRACE_OPTIONAL = ["block_timestamp", "transaction_index", "call_type", "error"]
#: trace types that move value: a call, a contract created with value, a selfdestruct's balance
VALUE_TRACES = ["call", "create", "suicide"]
#: calls that move no value of their own: delegatecall and callcode run another contract's code in
#: the caller's context (callcode's value goes back to the caller; parity reports a delegatecall with
#: its parent's value), a staticcall cannot carry any
NO_VALUE_CALLS = ["delegatecall", "callcode", "staticcall"]
TOKEN_TRANSFER_COLUMNS = ["token_address", "from_address", "to_address", "value",
                          "transaction_hash", "log_index", "block_number"]
LOG_COLUMNS = ["log_index", "transaction_hash", "block_number", "address", "data", "topics"]
#: keccak256("Transfer(address,address,uint256)"): ERC-20 (three topics; ERC-721 indexes a fourth)
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
BLOCK_COLUMNS = ["number", "timestamp"]
TOKEN_COLUMNS = ["address", "decimals"]
TOKEN_OPTIONAL = ["symbol"]
RECEIPT_COLUMNS = ["transaction_hash", "status", "gas_used"]
RECEIPT_OPTIONAL = ["effective_gas_price", "contract_address"]

ETH, ETH_DECIMALS = "ETH", 18
#: the columns of a loaded table, in order
COLUMNS = T.COLUMNS + [T.TX_INDEX, T.SYMBOL]


class _Part:
    """Rows of one kind from one file, in typed arrays; a column may be one value for every row."""

    def __init__(self, kind, txh, block, times, frm, to, amount, index=-1, tx_index=-1,
                 asset=ETH, decimals=ETH_DECIMALS, symbol=ETH):
        self.kind, self.n = kind, len(txh)
        self.ts, self.known = times
        self.columns = {T.TX_HASH: txh, T.BLOCK: block, T.FROM: frm, T.TO: to, T.ASSET: asset, T.AMOUNT: amount,
                        T.DECIMALS: decimals, T.INDEX: index, T.TX_INDEX: tx_index, T.SYMBOL: symbol}

    def array(self, column, dtype):
        v = self.columns[column]
        return np.full(self.n, v, dtype=dtype) if np.ndim(v) == 0 else np.asarray(v, dtype=dtype)


def _select(keep, *arrays):
    return [a[keep] for a in arrays]


class _Txs:
    """The transactions file, as rows of other files find their transaction in it: by hash, or
    (geth traces) by block and position."""

    def __init__(self, hashes, txh, block, tx_index):
        self.hashes = hashes.combine_chunks() if isinstance(hashes, pa.ChunkedArray) else hashes
        self.txh, self.block, self.tx_index = txh, block, tx_index
        self._by_position = None

    def positions(self, hashes):
        """Row of each of ``hashes`` (a pyarrow string array) in the transactions file, -1 if absent."""
        return to_numpy(pc.fill_null(pc.index_in(hashes, value_set=self.hashes), -1))

    def at(self, block, tx_index):
        """Row of the transaction at each (block, position), -1 if absent (the first of two wins)."""
        width = int(max(self.tx_index.max(initial=0), tx_index.max(initial=0))) + 1
        if int(max(self.block.max(initial=0), block.max(initial=0))) >= 2**62 // width:
            first = {}
            for i, k in enumerate(zip(self.block.tolist(), self.tx_index.tolist())):
                first.setdefault(k, i)
            return np.array([first.get(k, -1) for k in zip(block.tolist(), tx_index.tolist())], dtype=np.int64)
        mine = np.where(self.tx_index >= 0, self.block * width + self.tx_index, -1)
        o = np.argsort(mine, kind="stable")
        keys = block * width + tx_index
        i = np.minimum(np.searchsorted(mine[o], keys), len(o) - 1)
        hit = (tx_index >= 0) & (mine[o][i] == keys) if len(o) else np.zeros(len(keys), dtype=bool)
        return np.where(hit, o[i] if len(o) else -1, -1)


class _Receipts:
    """Receipt fields of each transaction: ``ok`` (did not fail: an unknown status counts as
    success), ``known`` (the status is given), gas ``used`` and ``price`` (int64, -1 = unknown),
    ``created`` (the contract a creation made, "" if none)."""

    def __init__(self, n, ok=None, known=None, used=None, price=None, created=None):
        self.ok = np.ones(n, dtype=bool) if ok is None else ok
        self.known = np.zeros(n, dtype=bool) if known is None else known
        self.used, self.price, self.created = used, price, created

    @classmethod
    def read(cls, table, path, prefix=""):
        """From a ``receipts`` file (``prefix`` ""), or the ``receipt_*`` columns of a BigQuery
        ``transactions`` table; checked there, so that an error names the file and row it is in."""
        cols, n = table.column_names, table.num_rows
        status = table[prefix + "status"]
        r = cls(n, status_ok(status, path, prefix + "status"), to_numpy(pc.invert(_blank(status))))
        for name, column in (("used", "gas_used"), ("price", "effective_gas_price")):
            if prefix + column in cols:
                setattr(r, name, to_int64(table[prefix + column], path, prefix + column, allow_empty=True))
        if prefix + "contract_address" in cols:
            r.created = to_addresses(table[prefix + "contract_address"], path, prefix + "contract_address")
        return r

    def take(self, pos):
        """The receipts at positions ``pos`` (-1: the transaction has none)."""
        has = pos >= 0
        def pick(a, missing):
            return None if a is None else np.where(has, a[pos], missing)
        return _Receipts(len(pos), pick(self.ok, True), has & self.known[pos], pick(self.used, -1),
                         pick(self.price, -1), pick(self.created, ""))


def _receipts(path, tx_hashes):
    """The receipts of a ``receipts`` file, in the order of the transactions ``tx_hashes``.

    ethereum-etl's CLI writes receipts apart (BigQuery's table has them inline as ``receipt_*``);
    without them a failed transaction would seem to move value and no fee would be paid. A
    transaction without a receipt keeps its status unknown and no fee; when a hash has two receipts
    the first is used.
    """
    r = read_arrow(path, RECEIPT_COLUMNS + RECEIPT_OPTIONAL)
    require(r, RECEIPT_COLUMNS, path)
    theirs = r["transaction_hash"]
    receipts = _Receipts.read(r, path)
    if len(tx_hashes) == len(theirs) and all_true(pc.equal(tx_hashes, theirs)):
        return receipts  # the CLI writes both in the same order: row for row
    return receipts.take(to_numpy(pc.fill_null(pc.index_in(tx_hashes, value_set=theirs.combine_chunks()), -1)))


def _warn_unknown_status(path, known, receipts_file):
    """Say when transactions' success is unknown: their value then counts as moved."""
    unknown = int((~known).sum())
    if not unknown:
        return
    if unknown == len(known) and not receipts_file:
        why = "no receipt_status column and no receipts file beside it"
    else:
        why = (f"{unknown} of {len(known)} transactions have no receipt status (no receipt in the receipts "
               "file, or an empty status: receipts before Byzantium carry none)")
    warnings.warn(f"{path}: {why}: a failed transaction cannot be told apart from one that succeeded, so its "
                  "value counts as moved, and its fee is not known (export receipts too: ethereumetl "
                  "export_receipts_and_logs)", LoadWarning, stacklevel=5)


def _fees(used, price):
    """Gas used x price, exact (an object array; 0 where either is unknown, -1)."""
    known = (used >= 0) & (price >= 0)
    if not known.any():
        return np.zeros(len(used), dtype=object)
    if int(used[known].max()) * int(price[known].max()) < 2**63:
        return np.where(known, used * price, 0).astype(object)
    fee = np.zeros(len(used), dtype=object)
    fee[known] = used[known].astype(object) * price[known].astype(object)
    return fee


def _transactions(files, blocks):
    p = files["transactions"]
    df = read_arrow(p, TRANSACTION_COLUMNS + TRANSACTION_OPTIONAL)
    require(df, TRANSACTION_COLUMNS, p)
    value = to_ints(df["value"], p, "value")
    frm, to = to_addresses(df["from_address"], p, "from_address"), to_addresses(df["to_address"], p, "to_address")
    block = to_int64(df["block_number"], p, "block_number")
    ts, known = timestamps(df, block, blocks, p)
    h = strings(df["hash"])
    txh = hashes(h, p, "hash")
    txi = tx_index(df, p)
    if "receipt_status" in df.column_names:  # BigQuery: receipt fields inline
        r = _Receipts.read(df, p, "receipt_")
    elif "receipts" in files:
        r = _receipts(files["receipts"], h)
    else:
        r = _Receipts(len(df))
    _warn_unknown_status(p, r.known, "receipts" in files)
    if r.used is not None and r.price is None and "gas_price" in df.column_names:
        r.price = to_int64(df["gas_price"], p, "gas_price", allow_empty=True)
    if r.created is not None:  # a contract creation's value goes to the contract it makes
        creates = (to == "") & (r.created != "")
        to[creates] = r.created[creates]
    ok, used, price = r.ok, r.used, r.price
    keep = ok & (value > 0)
    parts = [_Part(T.NATIVE, *_select(keep, txh, block), _select(keep, ts, known),
                   *_select(keep, frm, to, value), tx_index=txi[keep])]
    if used is not None and price is not None:
        fee = _fees(used, price)
        has = fee > 0  # failed transactions still pay gas
        parts.append(_Part(T.FEE, *_select(has, txh, block), _select(has, ts, known),
                           frm[has], T.FEE_ADDRESS, fee[has], tx_index=txi[has]))
    return parts, _Txs(h, txh, block, txi)


def _traces(files, blocks, txs):
    """Internal transfers: nested traces that move value (a call that is not a delegatecall,
    callcode or staticcall; a create; a selfdestruct), value > 0, and succeeded."""
    p = files["traces"]
    df = read_arrow(p, TRACE_COLUMNS + TRACE_OPTIONAL)
    require(df, TRACE_COLUMNS, p)
    value = to_ints(df["value"], p, "value", True)
    value[np.equal(value, None)] = 0
    frm, to = to_addresses(df["from_address"], p, "from_address"), to_addresses(df["to_address"], p, "to_address")
    block = to_int64(df["block_number"], p, "block_number")
    ts, known = timestamps(df, block, blocks, p)
    txi = tx_index(df, p)
    moves = pc.is_in(df["trace_type"], value_set=pa.array(VALUE_TRACES))
    if "call_type" in df.column_names:
        moves = pc.and_(moves, pc.invert(pc.is_in(df["call_type"], value_set=pa.array(NO_VALUE_CALLS))))
    # top-level traces (empty trace_address) repeat the transaction's own value
    nested = to_numpy(pc.not_equal(df["trace_address"], ""))
    keep = to_numpy(moves) & nested & (value > 0)
    no_hash = to_numpy(_blank(df["transaction_hash"]))
    keep &= _trace_ok(df, p, block, txi, no_hash, keep)
    txh = _trace_hashes(df, p, block, txi, no_hash & keep, txs)
    return [_Part(T.INTERNAL, *_select(keep, txh, block), _select(keep, ts, known), *_select(keep, frm, to, value),
                  tx_index=_tx_index(txi[keep], pa.array(txh[keep], type=pa.string()), txs))]


def _blank(values):
    return pc.or_(pc.equal(pc.binary_length(values), 0), pc.utf8_is_space(values))


def _trace_hashes(df, path, block, txi, missing, txs):
    """The traces' transaction hashes; where one is empty (geth traces from ethereum-etl's
    ``extract_geth_traces`` carry none), the hash of the transaction at that block and position."""
    txh = to_numpy(df["transaction_hash"])
    if missing.any() and txs is not None:
        rows = np.flatnonzero(missing)
        at = txs.at(block[rows], txi[rows])
        txh[rows[at >= 0]] = txs.txh[at[at >= 0]]
        missing = missing.copy()
        missing[rows[at >= 0]] = False
    if missing.any():
        i = int(np.argmax(missing))
        where = f"block {block[i]}, position {txi[i]}" if txi[i] >= 0 else f"block {block[i]} (no transaction_index)"
        raise LoadError(path, "empty transaction hash, and no transaction at " + where + " to take it from: geth "
                        "traces (extract_geth_traces) carry no hash; load them with the transactions of the same "
                        "blocks, which give it by block_number and transaction_index", row=i + 1,
                        column="transaction_hash")
    return txh


def _trace_ok(df, path, block, txi, no_hash, keep):
    """False where a trace failed: its ``status`` says 0, or, where ``status`` is empty (geth
    traces), it or a trace above it in its transaction has an ``error``, as ethereum-etl's
    ``calculate_trace_statuses`` decides when it fills the column."""
    ok = status_ok(df["status"], path, "status")
    if "error" not in df.column_names:
        return ok
    unset = _blank(df["status"])
    failed = to_numpy(pc.and_(unset, pc.invert(_blank(df["error"]))))
    if not failed.any():
        return ok
    # a transaction is its hash, or (block, position) where the hash is empty
    key = np.where(no_hash, [f"{b}:{t}" for b, t in zip(block, txi)], to_numpy(df["transaction_hash"]))
    address = to_numpy(df["trace_address"])
    roots = {}
    for i in np.flatnonzero(failed):
        roots.setdefault(key[i], []).append(address[i])
    for i in np.flatnonzero(to_numpy(unset) & keep):
        for root in roots.get(key[i], ()):
            if root == "" or address[i] == root or address[i].startswith(root + ","):
                ok[i] = False
    return ok


def _tx_index(txi, hashes, txs):
    """Positions in the block, those the file leaves out taken from the transactions file."""
    missing = txi < 0
    if txs is None or not missing.any():
        return txi
    at = txs.positions(hashes if missing.all() else hashes.filter(pa.array(missing)))
    txi = txi.copy()
    txi[missing] = np.where(at >= 0, txs.tx_index[at], -1)
    return txi


def _token_columns(token, tokens):
    """asset, decimals and symbol of token rows from their (distinct addresses, codes)."""
    words, codes = token
    decimals, names = tokens
    return {"asset": words[codes], "decimals": _lookup(words, decimals)[codes], "symbol": _lookup(words, names)[codes]}


def _token_transfers(files, blocks, tokens, txs):
    p = files["token_transfers"]
    df = read_arrow(p, TOKEN_TRANSFER_COLUMNS + ["block_timestamp"])
    require(df, TOKEN_TRANSFER_COLUMNS, p)
    value = to_ints(df["value"], p, "value")
    token = address_codes(df["token_address"], p, "token_address")
    frm, to = to_addresses(df["from_address"], p, "from_address"), to_addresses(df["to_address"], p, "to_address")
    block = to_int64(df["block_number"], p, "block_number")
    log_index = to_int64(df["log_index"], p, "log_index")
    h = strings(df["transaction_hash"])
    return [_Part(T.TOKEN, hashes(h, p, "transaction_hash"), block, timestamps(df, block, blocks, p), frm, to,
                  value, index=log_index, tx_index=_tx_index(np.full(len(h), -1), h, txs),
                  **_token_columns(token, tokens))]


def _logs(files, blocks, tokens, txs):
    """ERC-20 transfers decoded from raw logs, as ethereum-etl's own extract_token_transfers does:
    the Transfer topic with exactly three topics and a 32-byte amount (ERC-721 has four topics)."""
    p = files["logs"]
    df = read_arrow(p, LOG_COLUMNS + ["block_timestamp", "transaction_index"])
    require(df, LOG_COLUMNS, p)
    topics = df["topics"].to_pylist()
    data = df["data"].to_pylist()
    rows, frm, to, value = [], [], [], []
    for n, (tp, d) in enumerate(zip(topics, data)):
        if not tp or not tp.lower().startswith(TRANSFER_TOPIC):
            continue
        parts = tp.lower().split(",")
        if len(parts) != 3 or len(d) != 66:
            continue
        for col, x in (("topics", parts[1]), ("topics", parts[2]), ("data", d)):
            if len(x) != 66 or not x.startswith("0x") or any(c not in "0123456789abcdefABCDEF" for c in x[2:]):
                raise LoadError(p, f"not a 32-byte hex word: {x!r}", row=n + 1, column=col)
        rows.append(n)
        frm.append("0x" + parts[1][-40:])
        to.append("0x" + parts[2][-40:])
        value.append(int(d, 16))
    if not rows:
        return []
    df = df.take(pa.array(rows))
    token = address_codes(df["address"], p, "address")
    block = to_int64(df["block_number"], p, "block_number")
    h = strings(df["transaction_hash"])
    return [_Part(T.TOKEN, hashes(h, p, "transaction_hash"), block, timestamps(df, block, blocks, p),
                  np.array(frm, dtype=object), np.array(to, dtype=object), np.array(value, dtype=object),
                  index=to_int64(df["log_index"], p, "log_index"), tx_index=_tx_index(tx_index(df, p), h, txs),
                  **_token_columns(token, tokens))]


def _lookup(keys, mapping):
    """``mapping.get(k)`` for each of ``keys`` (a small object array of distinct keys)."""
    out = np.empty(len(keys), dtype=object)
    out[:] = [mapping.get(k) for k in keys]
    return out


def _blocks(files):
    if "blocks" not in files:
        return BlockTimes()
    p = files["blocks"]
    b = read_arrow(p, BLOCK_COLUMNS)
    require(b, BLOCK_COLUMNS, p)
    return BlockTimes(to_int64(b["number"], p, "number"), to_int64(b["timestamp"], p, "timestamp"))


def _tokens(files):
    """(decimals, symbols): dicts by lower-case token address, from the ``tokens`` file."""
    if "tokens" not in files:
        return {}, {}
    p = files["tokens"]
    k = read_arrow(p, TOKEN_COLUMNS + TOKEN_OPTIONAL)
    require(k, TOKEN_COLUMNS, p)
    addresses = to_addresses(k["address"], p, "address")
    decimals = dict(zip(addresses, to_ints(k["decimals"], p, "decimals", True)))
    names = dict(zip(addresses, symbols(k["symbol"]))) if "symbol" in k.column_names else {}
    return decimals, names


def load_ethereum_etl(files, chain="ethereum"):
    """Load ethereum-etl export files of one chain into a transfers table.

    Parameters
    ----------
    files : dict
        Maps a table name (``transactions``, ``receipts``, ``traces``, ``token_transfers``,
        ``logs``, ``blocks``, ``tokens``) to a path (CSV, or JSON lines if it ends in ``.json``/``.jsonl``);
        absent tables are skipped.
    chain : str
        Chain name written to the ``chain`` column.

    Returns
    -------
    pandas.DataFrame
        Transfers (:data:`COLUMNS`), in :func:`tracer.transfers.sort` order: successful
        transactions with value > 0 (kind ``native``), their gas fee (kind ``fee``, to
        :data:`tracer.transfers.FEE_ADDRESS`, when receipt fields are present), successful nested
        call traces with value > 0 (``internal``), and token transfers (``token``; decoded from
        ``logs`` when there is no ``token_transfers`` file).

    Raises
    ------
    tracer.errors.LoadError
        A file is unreadable, lacks a required column, or holds an impossible value; the error
        names the file, the row (1-based, header excluded) and the column.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "transactions.csv")
    >>> _ = open(p, "w").write("hash,block_number,block_timestamp,from_address,to_address,value,receipt_status\\n"
    ...     "0xaa,1,1700000000,0x" + "1"*40 + ",0x" + "2"*40 + ",1000000000000000000,1\\n"
    ...     "0xbb,1,1700000000,0x" + "1"*40 + ",0x" + "2"*40 + ",5,0\\n")
    >>> t = load_ethereum_etl({"transactions": p})
    >>> t[["tx_hash", "amount", "kind", "symbol"]].to_dict("records")
    [{'tx_hash': '0xaa', 'amount': 1000000000000000000, 'kind': 'native', 'symbol': 'ETH'}]
    """
    blocks, tokens, parts, txs = _blocks(files), _tokens(files), [], None
    if "transactions" in files:
        parts, txs = _transactions(files, blocks)
    if "traces" in files:
        parts += _traces(files, blocks, txs)
    if "token_transfers" in files:
        parts += _token_transfers(files, blocks, tokens, txs)
    elif "logs" in files:  # the same transfers, decoded here (both would count them twice)
        parts += _logs(files, blocks, tokens, txs)
    parts, txs = [x for x in parts if x.n], None
    if not parts:
        return T.empty(COLUMNS)
    return _table(parts, chain)


def _fill_tx_index(txi, txh):
    """Rows that still lack their position in the block (no transactions file) take it from the
    transaction's other rows."""
    missing = txi < 0
    if missing.any() and not missing.all():
        gaps, known = np.flatnonzero(missing), np.flatnonzero(~missing)
        pos = to_numpy(pc.fill_null(pc.index_in(pa.array(txh[gaps], type=pa.string()),
                                                value_set=pa.array(txh[known], type=pa.string())), -1))
        txi[gaps[pos >= 0]] = txi[known[pos[pos >= 0]]]


def _fill_timestamps(ts, known, block):
    """Token transfers carry no timestamp in ethereum-etl's CLI output: take it from any row of
    the same block (rows of a block share its time), else leave it missing."""
    if known.any() and not known.all():
        gaps = np.flatnonzero(~known)
        ts[gaps], known[gaps] = BlockTimes(block[known], ts[known]).lookup(block[gaps])


def _int_objects(values):
    """An int64 array as Python ints, one object per distinct value when the range is small."""
    if len(values) == 0:
        return values.astype(object)
    lo, hi = int(values.min()), int(values.max())
    if hi - lo <= max(4 * len(values), 1 << 16):
        return np.arange(lo, hi + 1, dtype=np.int64).astype(object)[values - lo]
    return values.astype(object)


def _table(parts, chain):
    """The transfers table from its parts, in :func:`tracer.transfers.sort` order.

    Keys stay int64 arrays for :func:`tracer.transfers.order` (pandas sorts object columns of a
    million rows slowly), and each column is written once, already in order, as the object array
    that pandas takes without copying.
    """
    sizes = [p.n for p in parts]
    n, starts = sum(sizes), np.cumsum([0] + sizes)

    def cat(column, dtype=object):
        return np.concatenate([p.array(column, dtype) for p in parts])

    block, txi, index, txh = cat(T.BLOCK, np.int64), cat(T.TX_INDEX, np.int64), cat(T.INDEX, np.int64), cat(T.TX_HASH)
    _fill_tx_index(txi, txh)
    ts, known = np.concatenate([p.ts for p in parts]), np.concatenate([p.known for p in parts])
    _fill_timestamps(ts, known, block)
    rank = np.repeat([T.RANK[p.kind] for p in parts], sizes)
    o = T.order(block, txh, rank, index, txi)
    dest = np.empty(n, dtype=np.int64)
    dest[o] = np.arange(n)
    typed = {T.BLOCK: block, T.INDEX: index, T.TX_INDEX: txi, T.TIMESTAMP: ts}
    columns = {}
    for c in COLUMNS:
        if c == T.CHAIN:
            columns[c] = np.full(n, chain, dtype=object)
        elif c == T.TX_HASH:
            columns[c] = txh[o]
        elif c in typed:
            columns[c] = _int_objects(typed[c][o])
        else:  # each part's values (or one value) straight to their rows' places
            col = columns[c] = np.empty(n, dtype=object)
            for p, start in zip(parts, starts):
                col[dest[start:start + p.n]] = p.kind if c == T.KIND else p.columns[c]
    columns[T.TIMESTAMP][~known[o]] = None
    return pd.DataFrame(columns, columns=COLUMNS, dtype=object, copy=False)
