"""Load ethereum-etl exports (the schema of the public BigQuery ``crypto_ethereum`` datasets).

Reads ``transactions``, ``traces``, ``token_transfers``, ``blocks`` and ``tokens`` as CSV or
JSON lines and turns them into the transfers table (:mod:`tracer.transfers`).
"""
import json
import re
from pathlib import Path

import pandas as pd

from tracer import transfers as T
from tracer.errors import LoadError

TRANSACTION_COLUMNS = ["hash", "block_number", "from_address", "to_address", "value"]
TRACE_COLUMNS = ["transaction_hash", "block_number", "from_address", "to_address", "value",
                 "trace_type", "status", "trace_address"]
TOKEN_TRANSFER_COLUMNS = ["token_address", "from_address", "to_address", "value",
                          "transaction_hash", "log_index", "block_number"]
BLOCK_COLUMNS = ["number", "timestamp"]
TOKEN_COLUMNS = ["address", "decimals"]

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_UINT = re.compile(r"^[0-9]+$")


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
    path = Path(path)
    try:
        if path.suffix in (".json", ".jsonl"):
            rows = []
            with open(path) as f:
                for n, line in enumerate(f, 1):
                    if line.strip():
                        try:
                            rows.append(json.loads(line))
                        except json.JSONDecodeError as e:
                            raise LoadError(path, f"not JSON: {e.msg}", row=n) from None
            df = pd.DataFrame(rows)
            return df.astype(object).where(df.notna(), "").map(lambda v: v if isinstance(v, str) else str(v))
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except LoadError:
        raise
    except Exception as e:  # pandas parser errors name no file
        raise LoadError(path, f"unreadable: {e}") from None


def require(df, columns, path):
    """Raise :class:`LoadError` unless ``df`` has every column in ``columns``."""
    for c in columns:
        if c not in df.columns:
            raise LoadError(path, "missing column", column=c)


RECEIPT_COLUMNS = ("transaction_hash", "status", "gas_used")


def _join_receipts(df, path):
    """Give ``transactions`` rows the receipt fields of a separate ``receipts`` file.

    ethereum-etl's CLI writes receipts apart (BigQuery's table has them inline as ``receipt_*``);
    without them a failed transaction would seem to move value and no fee would be paid.
    """
    r = read_table(path)
    require(r, RECEIPT_COLUMNS, path)
    r = r.drop_duplicates("transaction_hash").set_index("transaction_hash")
    df = df.copy()
    df["receipt_status"] = df["hash"].map(r["status"]).fillna("")
    df["receipt_gas_used"] = df["hash"].map(r["gas_used"]).fillna("")
    if "effective_gas_price" in r.columns:
        df["receipt_effective_gas_price"] = df["hash"].map(r["effective_gas_price"]).fillna("")
    return df


def to_ints(series, path, column, allow_empty=False):
    """Parse a column of decimal strings into exact Python ints (object dtype).

    Examples
    --------
    >>> import pandas as pd
    >>> to_ints(pd.Series(["1", "115792089237316195423570985008687907853269984665640564039457584007913129639935"]), "f", "value").tolist()[1] == 2**256 - 1
    True
    >>> to_ints(pd.Series(["1", "-5"]), "f.csv", "value")
    Traceback (most recent call last):
    ...
    tracer.errors.LoadError: f.csv, row 2, column 'value': not a non-negative integer: '-5'
    """
    s = series.astype(str).str.strip()
    ok = s.str.fullmatch(_UINT.pattern) | ((s == "") if allow_empty else False)
    if not ok.all():
        i = int((~ok).to_numpy().argmax())
        raise LoadError(path, f"not a non-negative integer: {series.iloc[i]!r}", row=i + 1, column=column)
    return pd.Series([int(v) if v else None for v in s], index=series.index, dtype=object)


def to_addresses(series, path, column):
    """Validate and lower-case EVM addresses (empty stays empty: contract creation, mint)."""
    s = series.astype(str).str.strip()
    ok = s.str.fullmatch(_ADDRESS.pattern) | (s == "")
    if not ok.all():
        i = int((~ok).to_numpy().argmax())
        raise LoadError(path, f"not an EVM address: {series.iloc[i]!r}", row=i + 1, column=column)
    return s.str.lower()


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


def _frame(chain, txh, block, ts, frm, to, asset, amount, kind, decimals, index):
    n = len(txh)
    def col(v):
        return pd.Series(list(v), dtype=object) if not isinstance(v, (str, int, type(None))) else pd.Series([v] * n, dtype=object)
    return pd.DataFrame({T.CHAIN: col(chain), T.TX_HASH: col(txh), T.BLOCK: col(block), T.TIMESTAMP: col(ts),
                         T.FROM: col(frm), T.TO: col(to), T.ASSET: col(asset), T.AMOUNT: col(amount),
                         T.KIND: col(kind), T.DECIMALS: col(decimals), T.INDEX: col(index)})


def _timestamps(df, blocks, path):
    if "block_timestamp" in df.columns and (df["block_timestamp"] != "").all():
        ts = df["block_timestamp"]
        if ts.str.fullmatch(r"[0-9]+").all():
            return [int(v) for v in ts]
        parsed = pd.to_datetime(ts, utc=True, errors="coerce")
        if parsed.isna().any():
            i = int(parsed.isna().to_numpy().argmax())
            raise LoadError(path, f"not a timestamp: {ts.iloc[i]!r}", row=i + 1, column="block_timestamp")
        return [int(v.timestamp()) for v in parsed]
    return [blocks.get(b) for b in df["block_number"].astype(int)]


def load_ethereum_etl(files, chain="ethereum"):
    """Load ethereum-etl export files of one chain into a transfers table.

    Parameters
    ----------
    files : dict
        Maps a table name (``transactions``, ``traces``, ``token_transfers``, ``blocks``,
        ``tokens``) to a path; absent tables are skipped.
    chain : str
        Chain name written to the ``chain`` column.

    Returns
    -------
    pandas.DataFrame
        Transfers: successful transactions with value > 0 (kind ``native``), their gas fee
        (kind ``fee``, to :data:`tracer.transfers.FEE_ADDRESS`, when receipt fields are
        present), successful nested call traces with value > 0 (``internal``), and token
        transfers (``token``).

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
    blocks, decimals, parts = {}, {}, []
    if "blocks" in files:
        p = files["blocks"]; b = read_table(p); require(b, BLOCK_COLUMNS, p)
        blocks = dict(zip(to_ints(b["number"], p, "number"), to_ints(b["timestamp"], p, "timestamp")))
    if "tokens" in files:
        p = files["tokens"]; k = read_table(p); require(k, TOKEN_COLUMNS, p)
        decimals = dict(zip(to_addresses(k["address"], p, "address"), to_ints(k["decimals"], p, "decimals", True)))
    if "transactions" in files:
        p = files["transactions"]; df = read_table(p); require(df, TRANSACTION_COLUMNS, p)
        value = to_ints(df["value"], p, "value")
        frm, to = to_addresses(df["from_address"], p, "from_address"), to_addresses(df["to_address"], p, "to_address")
        block = to_ints(df["block_number"], p, "block_number")
        ts = pd.Series(_timestamps(df, blocks, p), dtype=object)
        if "receipts" in files and "receipt_status" not in df.columns:
            df = _join_receipts(df, files["receipts"])
        status = df["receipt_status"] if "receipt_status" in df.columns else pd.Series([""] * len(df))
        bad = ~status.isin(["", "0", "1"])
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise LoadError(p, f"receipt_status must be 0 or 1: {status.iloc[i]!r}", row=i + 1, column="receipt_status")
        ok = (status != "0").to_numpy()
        keep = ok & (value > 0).to_numpy()
        parts.append(_frame(chain, df["hash"][keep], block[keep], ts[keep], frm[keep], to[keep], "ETH",
                            value[keep], T.NATIVE, 18, -1))
        if "receipt_gas_used" in df.columns:
            price_col = "receipt_effective_gas_price" if "receipt_effective_gas_price" in df.columns else "gas_price"
            if price_col in df.columns:
                used = to_ints(df["receipt_gas_used"], p, "receipt_gas_used", True)
                price = to_ints(df[price_col], p, price_col, True)
                fee = pd.Series([u * q if u is not None and q is not None else 0 for u, q in zip(used, price)], dtype=object)
                has = (fee > 0).to_numpy()  # failed txs still pay gas
                parts.append(_frame(chain, df["hash"][has], block[has], ts[has], frm[has], T.FEE_ADDRESS, "ETH",
                                    fee[has], T.FEE, 18, -1))
    if "traces" in files:
        p = files["traces"]; df = read_table(p); require(df, TRACE_COLUMNS, p)
        value = to_ints(df["value"], p, "value", True).map(lambda v: v or 0)
        # top-level traces (empty trace_address) repeat the transaction's own value
        keep = ((df["status"] != "0") & (df["trace_type"] == "call") & (df["trace_address"] != "")).to_numpy() \
            & (value > 0).to_numpy()
        df, value = df[keep].reset_index(drop=True), value[keep].reset_index(drop=True)
        frm, to = to_addresses(df["from_address"], p, "from_address"), to_addresses(df["to_address"], p, "to_address")
        parts.append(_frame(chain, df["transaction_hash"], to_ints(df["block_number"], p, "block_number"),
                            _timestamps(df, blocks, p), frm, to, "ETH", value, T.INTERNAL, 18, -1))
    if "token_transfers" in files:
        p = files["token_transfers"]; df = read_table(p); require(df, TOKEN_TRANSFER_COLUMNS, p)
        value = to_ints(df["value"], p, "value")
        token = to_addresses(df["token_address"], p, "token_address")
        parts.append(_frame(chain, df["transaction_hash"], to_ints(df["block_number"], p, "block_number"),
                            _timestamps(df, blocks, p), to_addresses(df["from_address"], p, "from_address"),
                            to_addresses(df["to_address"], p, "to_address"), token, value, T.TOKEN,
                            [decimals.get(a) for a in token], to_ints(df["log_index"], p, "log_index")))
    parts = [x for x in parts if len(x)]
    if not parts:
        return T.empty()
    out = pd.concat(parts, ignore_index=True)
    # token transfers carry no timestamp in ethereum-etl: take it from any row of the same block
    known = out[out[T.TIMESTAMP].notna()].drop_duplicates(T.BLOCK).set_index(T.BLOCK)[T.TIMESTAMP]
    missing = out[T.TIMESTAMP].isna()
    out.loc[missing, T.TIMESTAMP] = out.loc[missing, T.BLOCK].map(known).astype(object)
    return T.sort(out)
