"""Load ethereum-etl exports (the schema of the public BigQuery ``crypto_ethereum`` datasets).

Reads ``transactions``, ``receipts``, ``traces``, ``token_transfers``, ``blocks`` and ``tokens``
as CSV or JSON lines and turns them into the transfers table (:mod:`tracer.transfers`).

CSV is parsed by pyarrow with every column as a string, so uint256 values reach Python intact;
checks run on whole columns at once, and only when one fails is the first bad row looked up to
name it. Column names are checked against ethereum-etl's ``docs/schema.md`` (``docs/ethereum-etl.md``).
"""
import csv
import json
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tracer import transfers as T
from tracer.errors import LoadError
from tracer.load.timestamps import parse_timestamp

TRANSACTION_COLUMNS = ["hash", "block_number", "from_address", "to_address", "value"]
TRANSACTION_OPTIONAL = ["transaction_index", "block_timestamp", "receipt_status", "receipt_gas_used", "receipt_effective_gas_price",
                        "gas_price"]
TRACE_COLUMNS = ["transaction_hash", "block_number", "from_address", "to_address", "value",
                 "trace_type", "status", "trace_address"]
TOKEN_TRANSFER_COLUMNS = ["token_address", "from_address", "to_address", "value",
                          "transaction_hash", "log_index", "block_number"]
LOG_COLUMNS = ["log_index", "transaction_hash", "block_number", "address", "data", "topics"]
#: keccak256("Transfer(address,address,uint256)"): ERC-20 (three topics; ERC-721 indexes a fourth)
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
BLOCK_COLUMNS = ["number", "timestamp"]
TOKEN_COLUMNS = ["address", "decimals"]
TOKEN_OPTIONAL = ["symbol"]
RECEIPT_COLUMNS = ["transaction_hash", "status", "gas_used"]

_ADDRESS = r"^0x[0-9a-fA-F]{40}$"
_UINT = r"^[0-9]+$"
_INT64_DIGITS = 18  # any run of at most 18 decimal digits fits in int64


def _json_cell(v):
    # ethereum-etl's CSV exporter writes lists joined by "," and booleans as True/False; JSON
    # lines keep the native types: bring both to the same strings
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return ",".join(_json_cell(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, sort_keys=True)
    return str(v)


def _read_json_lines(path, columns):
    def bad_constant(name):
        raise ValueError(f"{name} is not a number")

    rows, keys = [], set()
    with open(path, encoding="utf-8") as f:
        n = 0
        for line in f:
            if not line.strip():
                continue
            n += 1
            try:
                # numbers stay text: uint256 must not pass through float, 1.5 must not become 1
                item = json.loads(line, parse_int=str, parse_float=str, parse_constant=bad_constant)
            except ValueError as e:
                raise LoadError(path, f"not JSON: {getattr(e, 'msg', e)}", row=n) from None
            if not isinstance(item, dict):
                raise LoadError(path, f"not a JSON object: {line.strip()[:60]!r}", row=n)
            keys.update(item)
            rows.append(item)
    names = [c for c in columns if c in keys] if columns is not None else sorted(keys)
    return pa.table({c: pa.array([_json_cell(r.get(c)) for r in rows], type=pa.string()) for c in names})


def _first_bad_csv_row(path, width):
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rows = csv.reader(f)
        next(rows, None)
        n = 0
        for fields in rows:
            if not fields:
                continue
            n += 1
            if len(fields) != width:
                return n, len(fields)
    return None, None


def _read_csv(path, columns):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), None)
    except UnicodeDecodeError as e:
        raise LoadError(path, f"not UTF-8 text: {e.reason}") from None
    if not header:
        raise LoadError(path, "empty file: no header row")
    wanted = [c for c in columns if c in header] if columns is not None else header
    try:
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header}, include_columns=wanted,
            strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as e:
        row, got = _first_bad_csv_row(path, len(header))
        if row is not None:
            raise LoadError(path, f"{got} fields, the header has {len(header)}", row=row) from None
        raise LoadError(path, f"unreadable: {e}") from None


def read_arrow(path, columns=None):
    """Read a CSV or JSON-lines export as a pyarrow table of strings (empty string = missing).

    Parameters
    ----------
    path : str or Path
        ``.json``/``.jsonl`` is read as JSON lines (one object a line), anything else as CSV.
    columns : list of str, optional
        Read only these columns (those the file has); by default all.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "traces.json")
    >>> _ = open(p, "w").write('{"value": %d, "trace_address": [0, 1], "to_address": null}\\n' % (2**256 - 1))
    >>> read_arrow(p).to_pylist()[0]["value"] == str(2**256 - 1)
    True
    >>> read_arrow(p, ["trace_address", "to_address"]).to_pylist()
    [{'trace_address': '0,1', 'to_address': ''}]
    """
    path = Path(path)
    try:
        if path.suffix in (".json", ".jsonl"):
            return _read_json_lines(path, columns)
        return _read_csv(path, columns)
    except LoadError:
        raise
    except (OSError, ValueError, pa.ArrowException) as e:
        raise LoadError(path, f"unreadable: {e}") from None


def read_table(path):
    """Read a CSV or JSON-lines export as a DataFrame of strings (empty string = missing).

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "blocks.csv")
    >>> _ = open(p, "w").write("number,timestamp\\n1,1700000000\\n")
    >>> read_table(p).to_dict("records")
    [{'number': '1', 'timestamp': '1700000000'}]
    """
    return read_arrow(path).to_pandas()


def require(table, columns, path):
    """Raise :class:`LoadError` unless ``table`` (pyarrow or pandas) has every column in ``columns``."""
    names = table.column_names if isinstance(table, pa.Table) else table.columns
    for c in columns:
        if c not in names:
            raise LoadError(path, "missing column", column=c)


def _strings(values):
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if isinstance(values, pa.Array):
        return values
    return pa.array([str(v) for v in values], type=pa.string())


def _all(mask):
    return pc.all(mask, min_count=0).as_py() is not False


def _fail_first(ok, raw, path, column, message):
    """Raise naming the first row where the boolean array ``ok`` is false, if any."""
    if not _all(ok):
        i = int(np.argmin(ok.to_numpy(zero_copy_only=False)))
        raise LoadError(path, f"{message}: {raw[i].as_py()!r}", row=i + 1, column=column)


def to_ints(values, path, column, allow_empty=False):
    """Parse decimal strings into exact Python ints (a numpy object array; ``None`` where empty).

    Values that fit int64 are converted in bulk; longer ones (uint256) one by one, exactly.

    Examples
    --------
    >>> to_ints(["1", "115792089237316195423570985008687907853269984665640564039457584007913129639935"],
    ...         "f", "value")[1] == 2**256 - 1
    True
    >>> to_ints(["1", "-5"], "f.csv", "value")
    Traceback (most recent call last):
    ...
    tracer.errors.LoadError: f.csv, row 2, column 'value': not a non-negative integer: '-5'
    """
    raw = _strings(values)
    s = pc.utf8_trim_whitespace(raw)
    ok = pc.match_substring_regex(s, _UINT)
    empty = pc.equal(s, "")
    if allow_empty:
        ok = pc.or_(ok, empty)
    _fail_first(ok, raw, path, column, "not a non-negative integer")
    short = pc.less_equal(pc.utf8_length(s), _INT64_DIGITS)
    if allow_empty:
        short = pc.and_(short, pc.invert(empty))
    if _all(short):
        return pc.cast(s, pa.int64()).to_numpy().astype(object)
    out = np.empty(len(s), dtype=object)
    mask = short.to_numpy(zero_copy_only=False)
    out[mask] = pc.cast(pc.filter(s, short), pa.int64()).to_numpy().astype(object)
    rest = np.flatnonzero(~mask)
    out[rest] = [int(v) if v else None for v in pc.take(s, pa.array(rest)).to_pylist()]
    return out


def to_addresses(values, path, column):
    """Validate and lower-case EVM addresses (empty stays empty: contract creation, mint).

    Returns a numpy object array in which equal addresses are one ``str`` object (an address
    appears in many rows; sharing keeps a million-row table small).

    Examples
    --------
    >>> to_addresses(["0x" + "Ab" * 20, ""], "f", "to_address").tolist() == ["0x" + "ab" * 20, ""]
    True
    >>> to_addresses(["0x" + "1" * 40, "0xnothex"], "f.csv", "to_address")
    Traceback (most recent call last):
    ...
    tracer.errors.LoadError: f.csv, row 2, column 'to_address': not an EVM address: '0xnothex'
    """
    raw = _strings(values)
    enc = pc.dictionary_encode(raw)  # check and lower each distinct value once
    words = pc.utf8_lower(pc.utf8_trim_whitespace(enc.dictionary))
    good = pc.or_(pc.match_substring_regex(words, _ADDRESS), pc.equal(words, ""))
    if not _all(good):
        ok = pc.take(good, enc.indices)
        _fail_first(ok, raw, path, column, "not an EVM address")
    return _objects(words, enc.indices)


def _objects(dictionary, indices):
    return np.array(dictionary.to_pylist() + [None], dtype=object)[indices.to_numpy()]


def _strings_shared(values):
    enc = pc.dictionary_encode(_strings(values))
    return _objects(enc.dictionary, enc.indices)


def checksum(address):
    """EIP-55 mixed-case display form of a lower-case EVM address.

    Examples
    --------
    >>> checksum("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
    """
    from eth_utils import keccak
    a = address.lower().removeprefix("0x")
    h = keccak(text=a).hex()
    return "0x" + "".join(c.upper() if int(h[i], 16) >= 8 else c for i, c in enumerate(a))


def _symbols(values):
    """Token symbols as written, stripped; an empty one is unknown (None). Control characters
    (a bytes32 symbol decoded badly) become U+FFFD so that a table's lines stay whole."""
    out = []
    for v in _strings(values).to_pylist():
        v = "".join("\ufffd" if unicodedata.category(c)[0] == "C" else c for c in v.strip())
        out.append(v or None)
    return out


def _full(n, value):
    a = np.empty(n, dtype=object)
    a[:] = value
    return a


def _frame(chain, txh, block, ts, frm, to, asset, amount, kind, decimals, index, tx_index=-1, symbol=None):
    """One part of the table: a column name -> numpy object array dict (scalars repeated)."""
    n = len(txh)
    def col(v):
        return _full(n, v) if isinstance(v, (str, int, type(None))) else np.asarray(v, dtype=object)
    return dict(zip(_COLUMNS, map(col, (chain, txh, block, ts, frm, to, asset, amount, kind, decimals, index,
                                        tx_index, symbol))))


_COLUMNS = T.COLUMNS + [T.TX_INDEX, T.SYMBOL]


def _lookup(keys, mapping):
    """``mapping.get(k)`` for each of ``keys`` (an object array), vectorized."""
    if not len(mapping):
        return _full(len(keys), None)
    vals = np.array(list(mapping.values()) + [None], dtype=object)
    try:
        pos = pc.fill_null(pc.index_in(pa.array(keys), value_set=pa.array(list(mapping))), -1).to_numpy()
    except (pa.ArrowException, OverflowError, TypeError):  # keys beyond int64, mixed types
        pos = pd.Index(list(mapping), dtype=object).get_indexer(pd.Index(keys, dtype=object))
    return vals[pos]  # -1 (absent) picks the trailing None


def _timestamps(table, block, blocks, path):
    """Unix seconds of each row: its ``block_timestamp`` if given, else its block's from ``blocks``."""
    ts = _lookup(block, blocks)
    if "block_timestamp" not in table.column_names:
        return ts
    raw = _strings(table["block_timestamp"])
    enc = pc.dictionary_encode(raw)  # one value per block: parse each once
    words = enc.dictionary.to_pylist()
    parsed = []
    for w in words:
        try:
            parsed.append(parse_timestamp(w) if w.strip() else None)
        except LoadError:
            parsed.append(None)  # reported below with its row
    bad = [i for i, (w, p) in enumerate(zip(words, parsed)) if w.strip() and p is None]
    if bad:
        ok = pc.invert(pc.is_in(enc.indices, value_set=pa.array(bad, type=enc.indices.type)))
        _fail_first(ok, raw, path, "block_timestamp", "not a timestamp")
    given = np.array(parsed + [None], dtype=object)[enc.indices.to_numpy()]
    has = np.array([p is not None for p in parsed] + [False])[enc.indices.to_numpy()]
    ts[has] = given[has]
    return ts


def _hashes(values, path, column, where=None):
    """Transaction hashes as an object array; empty ones are an error (in rows ``where``, if given).

    A transfer without its transaction hash cannot be ordered, cited or traced; geth trace
    exports leave it empty (ethereum-etl's schema notes), so such a file must be joined first.
    """
    raw = _strings(values)
    ok = pc.not_equal(pc.utf8_trim_whitespace(raw), "")
    if where is not None:
        ok = pc.or_(ok, pa.array(~where))
    _fail_first(ok, raw, path, column, "empty transaction hash")
    _fail_first(pc.invert(pc.match_substring(raw, "\x00")), raw, path, column, "NUL character in transaction hash")
    return raw.to_numpy(zero_copy_only=False)


def _status_ok(values, path, column):
    """True where a status column does not say failed (``0``); empty means unknown: moves value."""
    raw = _strings(values)
    s = pc.utf8_trim_whitespace(raw)
    _fail_first(pc.is_in(s, value_set=pa.array(["", "0", "1"])), raw, path, column,
                f"{column} must be 0 or 1")
    return pc.not_equal(s, "0").to_numpy(zero_copy_only=False)


def _join_receipts(tx, path):
    """Give ``transactions`` rows the receipt fields of a separate ``receipts`` file.

    ethereum-etl's CLI writes receipts apart (BigQuery's table has them inline as ``receipt_*``);
    without them a failed transaction would seem to move value and no fee would be paid.
    A transaction without a receipt keeps empty fields (status unknown, no fee), as before.
    """
    r = read_arrow(path, RECEIPT_COLUMNS + ["effective_gas_price"])
    require(r, RECEIPT_COLUMNS, path)
    # check here, so that an error names the receipts file and its row
    _status_ok(r["status"], path, "status")
    to_ints(r["gas_used"], path, "gas_used", True)
    if "effective_gas_price" in r.column_names:
        to_ints(r["effective_gas_price"], path, "effective_gas_price", True)
    mine, theirs = _strings(tx["hash"]), _strings(r["transaction_hash"])
    if len(mine) == len(theirs) and _all(pc.equal(mine, theirs)):
        take = None  # the CLI writes both in the same order: row for row
    else:  # the first receipt of a hash wins (overlapping exports repeat rows)
        take = pc.index_in(mine, value_set=theirs)
    fields = {"receipt_status": "status", "receipt_gas_used": "gas_used"}
    if "effective_gas_price" in r.column_names:
        fields["receipt_effective_gas_price"] = "effective_gas_price"
    for mine, theirs in fields.items():
        col = _strings(r[theirs]) if take is None else pc.fill_null(pc.take(_strings(r[theirs]), take), "")
        i = tx.column_names.index(mine) if mine in tx.column_names else None
        tx = tx.set_column(i, mine, col) if i is not None else tx.append_column(mine, col)
    return tx


def _transactions(files, chain, blocks):
    p = files["transactions"]
    df = read_arrow(p, TRANSACTION_COLUMNS + TRANSACTION_OPTIONAL)
    require(df, TRANSACTION_COLUMNS, p)
    value = to_ints(df["value"], p, "value")
    frm, to = to_addresses(df["from_address"], p, "from_address"), to_addresses(df["to_address"], p, "to_address")
    block = to_ints(df["block_number"], p, "block_number")
    ts = _timestamps(df, block, blocks, p)
    if "receipts" in files and "receipt_status" not in df.column_names:
        df = _join_receipts(df, files["receipts"])
    txh = _hashes(df["hash"], p, "hash")
    ok = _status_ok(df["receipt_status"], p, "receipt_status") if "receipt_status" in df.column_names \
        else np.ones(len(df), dtype=bool)
    keep = ok & (value > 0)
    txi = _tx_index(df, p)
    parts = [_frame(chain, txh[keep], block[keep], ts[keep], frm[keep], to[keep], "ETH",
                    value[keep], T.NATIVE, 18, -1, txi[keep], "ETH")]
    price_col = "receipt_effective_gas_price" if "receipt_effective_gas_price" in df.column_names else "gas_price"
    if "receipt_gas_used" in df.column_names and price_col in df.column_names:
        used = to_ints(df["receipt_gas_used"], p, "receipt_gas_used", True)
        price = to_ints(df[price_col], p, price_col, True)
        known = np.not_equal(used, None) & np.not_equal(price, None)
        fee = np.zeros(len(df), dtype=object)
        fee[known] = used[known] * price[known]
        has = fee > 0  # failed transactions still pay gas
        parts.append(_frame(chain, txh[has], block[has], ts[has], frm[has], T.FEE_ADDRESS, "ETH",
                            fee[has], T.FEE, 18, -1, txi[has], "ETH"))
    return parts


def _traces(files, chain, blocks):
    p = files["traces"]
    df = read_arrow(p, TRACE_COLUMNS + ["block_timestamp", "transaction_index"])
    require(df, TRACE_COLUMNS, p)
    value = to_ints(df["value"], p, "value", True)
    value[np.equal(value, None)] = 0
    frm, to = to_addresses(df["from_address"], p, "from_address"), to_addresses(df["to_address"], p, "to_address")
    block = to_ints(df["block_number"], p, "block_number")
    ts = _timestamps(df, block, blocks, p)
    ok = _status_ok(df["status"], p, "status")
    # top-level traces (empty trace_address) repeat the transaction's own value
    call = pc.equal(_strings(df["trace_type"]), "call").to_numpy(zero_copy_only=False)
    nested = pc.not_equal(_strings(df["trace_address"]), "").to_numpy(zero_copy_only=False)
    keep = ok & call & nested & (value > 0)
    txh = _hashes(df["transaction_hash"], p, "transaction_hash", where=keep)
    return [_frame(chain, txh[keep], block[keep], ts[keep], frm[keep], to[keep], "ETH", value[keep],
                   T.INTERNAL, 18, -1, _tx_index(df, p)[keep], "ETH")]


def _token_transfers(files, chain, blocks, tokens):
    p = files["token_transfers"]
    df = read_arrow(p, TOKEN_TRANSFER_COLUMNS + ["block_timestamp"])
    require(df, TOKEN_TRANSFER_COLUMNS, p)
    value = to_ints(df["value"], p, "value")
    token = to_addresses(df["token_address"], p, "token_address")
    frm, to = to_addresses(df["from_address"], p, "from_address"), to_addresses(df["to_address"], p, "to_address")
    block = to_ints(df["block_number"], p, "block_number")
    log_index = to_ints(df["log_index"], p, "log_index")
    txh = _hashes(df["transaction_hash"], p, "transaction_hash")
    decimals, symbols = tokens
    return [_frame(chain, txh, block, _timestamps(df, block, blocks, p), frm, to, token, value, T.TOKEN,
                   _lookup(token, decimals), log_index, -1, _lookup(token, symbols))]


def _logs(files, chain, blocks, tokens):
    """ERC-20 transfers decoded from raw logs, as ethereum-etl's own extract_token_transfers does:
    the Transfer topic with exactly three topics and a 32-byte amount (ERC-721 has four topics)."""
    p = files["logs"]
    df = read_arrow(p, LOG_COLUMNS + ["block_timestamp", "transaction_index"])
    require(df, LOG_COLUMNS, p)
    topics = _strings(df["topics"]).to_pylist()
    data = _strings(df["data"]).to_pylist()
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
    token = to_addresses(df["address"], p, "address")
    block = to_ints(df["block_number"], p, "block_number")
    txi = _tx_index(df, p)
    decimals, symbols = tokens
    return [_frame(chain, _hashes(df["transaction_hash"], p, "transaction_hash"), block,
                   _timestamps(df, block, blocks, p), np.array(frm, dtype=object), np.array(to, dtype=object),
                   token, np.array(value, dtype=object), T.TOKEN, _lookup(token, decimals),
                   to_ints(df["log_index"], p, "log_index"), txi, _lookup(token, symbols))]


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
        Transfers: successful transactions with value > 0 (kind ``native``), their gas fee
        (kind ``fee``, to :data:`tracer.transfers.FEE_ADDRESS`, when receipt fields are
        present), successful nested call traces with value > 0 (``internal``), and token
        transfers (``token``; decoded from ``logs`` when there is no ``token_transfers`` file).

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
    >>> t[["tx_hash", "amount", "kind"]].to_dict("records")
    [{'tx_hash': '0xaa', 'amount': 1000000000000000000, 'kind': 'native'}]
    """
    blocks, decimals, symbols, parts = {}, {}, {}, []
    if "blocks" in files:
        p = files["blocks"]; b = read_arrow(p, BLOCK_COLUMNS); require(b, BLOCK_COLUMNS, p)
        blocks = dict(zip(to_ints(b["number"], p, "number"), to_ints(b["timestamp"], p, "timestamp")))
    if "tokens" in files:
        p = files["tokens"]; k = read_arrow(p, TOKEN_COLUMNS + TOKEN_OPTIONAL); require(k, TOKEN_COLUMNS, p)
        addresses = to_addresses(k["address"], p, "address")
        decimals = dict(zip(addresses, to_ints(k["decimals"], p, "decimals", True)))
        if "symbol" in k.column_names:
            symbols = dict(zip(addresses, _symbols(k["symbol"])))
    if "transactions" in files:
        parts += _transactions(files, chain, blocks)
    if "traces" in files:
        parts += _traces(files, chain, blocks)
    if "token_transfers" in files:
        parts += _token_transfers(files, chain, blocks, (decimals, symbols))
    elif "logs" in files:  # the same transfers, decoded here (both would count them twice)
        parts += _logs(files, chain, blocks, (decimals, symbols))
    parts = [x for x in parts if len(x[T.TX_HASH])]
    if not parts:
        return T.empty(_COLUMNS)
    cols = {c: np.concatenate([x[c] for x in parts]) if len(parts) > 1 else parts[0][c] for c in _COLUMNS}
    _fill_timestamps(cols)
    _fill_tx_index(cols)
    return _table(cols)


def _tx_index(df, path):
    """The ``transaction_index`` column as ints, -1 where the file has none."""
    if "transaction_index" not in df.column_names:
        return _full(len(df), -1)
    txi = to_ints(df["transaction_index"], path, "transaction_index", True)
    txi[np.equal(txi, None)] = -1
    return txi


def _fill_tx_index(cols):
    """Token transfers carry no transaction index: take it from the transaction's other rows."""
    txi = cols[T.TX_INDEX]
    missing = txi == -1
    if missing.any() and not missing.all():
        txh = cols[T.TX_HASH]
        pos = pc.index_in(pa.array(txh[missing], type=pa.string()),
                          value_set=pa.array(txh[~missing], type=pa.string()))
        known = txi[~missing]
        found = np.full(int(missing.sum()), -1, dtype=object)
        hit = pc.is_valid(pos).to_numpy(zero_copy_only=False)
        found[hit] = known[pc.drop_null(pos).to_numpy()]
        txi[missing] = found


def _fill_timestamps(cols):
    """Token transfers carry no timestamp in ethereum-etl's CLI output: take it from any row of
    the same block (rows of a block share its time), else leave it missing."""
    ts = cols[T.TIMESTAMP]
    missing = np.equal(ts, None)
    if missing.any() and not missing.all():
        block = cols[T.BLOCK]
        known = dict(zip(block[~missing], ts[~missing]))
        ts[missing] = _lookup(block[missing], known)


_RANK = {T.NATIVE: 0, T.INTERNAL: 1, T.TOKEN: 1, T.FEE: 3}


def _tx_index_order(txh, block, txi, rank, index):
    """The sort order when every row knows its transaction's position in the block: then (block,
    position) names the transaction and the hash is not needed. None if a position is missing, or
    if two hashes share one (an export mixing forks): the caller orders by hash as well."""
    if (txi < 0).any():
        return None
    order = np.lexsort((index, rank, txi, block))
    b, t, h = block[order], txi[order], txh[order]
    if ((b[1:] == b[:-1]) & (t[1:] == t[:-1]) & (h[1:] != h[:-1])).any():
        return None
    return order


def _hash_prefix_order(txh, block, txi, rank, index):
    """The sort order with tx hashes compared by their first 16 characters, as two big-endian
    integers: ASCII strings padded with NUL bytes compare like the strings, and ranking a
    million strings costs seconds (:func:`_hashes` let no NUL through). None if a hash is not ASCII, or if two
    different hashes of one block share the prefix (never seen; then the caller ranks them)."""
    try:
        raw = txh.astype("S")
    except (UnicodeEncodeError, ValueError):
        return None
    if raw.dtype.itemsize < 16:
        raw = raw.astype("S16")
    head = np.ascontiguousarray(raw.view(np.uint8).reshape(len(raw), -1)[:, :16]).view(">u8")
    w0, w1 = head[:, 0], head[:, 1]
    order = np.lexsort((index, rank, w1, w0, txi, block))
    same = (block[order][1:] == block[order][:-1]) & (w0[order][1:] == w0[order][:-1]) \
        & (w1[order][1:] == w1[order][:-1])
    sorted_raw = raw[order]
    if (same & (sorted_raw[1:] != sorted_raw[:-1])).any():
        return None
    return order


def _table(cols):
    """The transfers table from its columns, in :func:`tracer.transfers.sort` order.

    Same order (block, transaction index, tx hash, kind rank, index; stable), found with integer keys and
    ``numpy.lexsort``: pandas sorts object columns of a million rows slowly.
    """
    n = len(cols[T.TX_HASH])
    try:
        block = pa.array(cols[T.BLOCK], type=pa.int64()).to_numpy()
        index = pa.array(cols[T.INDEX], type=pa.int64()).to_numpy()
        txi = pa.array(cols[T.TX_INDEX], type=pa.int64()).to_numpy()
    except (pa.ArrowException, OverflowError, TypeError):  # block numbers beyond int64: pandas
        return T.sort(pd.DataFrame(cols, dtype=object))
    kind = cols[T.KIND]
    rank = np.where(kind == T.FEE, 3, np.where(kind == T.NATIVE, 0, 1))
    order = _tx_index_order(cols[T.TX_HASH], block, txi, rank, index)
    if order is None:
        order = _hash_prefix_order(cols[T.TX_HASH], block, txi, rank, index)
    if order is None:
        # str order is code point order, and so is arrow's byte order on UTF-8
        txh = pc.rank(pa.array(cols[T.TX_HASH], type=pa.string()), tiebreaker="dense").to_numpy()
        order = np.lexsort((index, rank, txh, txi, block))
    # one 2-D object block, filled in place: pandas takes it without copying
    data = np.empty((len(_COLUMNS), n), dtype=object)
    for j, c in enumerate(_COLUMNS):
        np.take(cols[c], order, out=data[j])
    return pd.DataFrame(data.T, columns=_COLUMNS, dtype=object, copy=False)
