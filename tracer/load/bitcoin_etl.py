"""Load bitcoin-etl ``transactions`` exports (JSON lines or CSV) into the transfers table.

Accepted layouts, all in the schema of ``bitcoinetl export_blocks_and_transactions`` (and of the
public BigQuery ``crypto_bitcoin.transactions`` table, which bitcoin-etl fills):

- JSON lines as bitcoin-etl writes them (integers as JSON numbers, ``block_timestamp`` in UNIX
  seconds), including lines of ``bitcoinetl stream`` that carry ``"type": "block"``;
- JSON lines as BigQuery exports them (INT64 and NUMERIC as strings, ``block_timestamp`` as
  ``"2009-01-03 18:15:05 UTC"``);
- CSV as bitcoin-etl writes it for any output name not ending in ``.json``: ``inputs`` and
  ``outputs`` are the items joined by commas (Python ``repr`` or compact JSON of each dict).

Each input becomes a ``utxo`` row from its address to the transaction hash, each output a ``utxo``
row from the transaction hash to its address; ``index`` is the output index, or ``-1 - index`` for
inputs so both stay distinct. An input row also names the output it spends
(:data:`tracer.transfers.SPENT_TX`, :data:`tracer.transfers.SPENT_INDEX`), so value is followed
output by output, not address by address. A non-zero fee is a ``fee`` row to :data:`tracer.transfers.FEE_ADDRESS`.
Addresses: ``addresses`` joined by ``","`` (a bare multisig output lists every key's address, and
the input that spends it carries the same list, so both ends get the same name); an output with no
address gets bitcoin-etl's own name for it, ``"nonstandard"`` + the first 40 hex digits of
SHA-256(script); failing a script, ``"<txid>:<vout>"``. Coinbase inputs carry no value and are
skipped (minted value has no source). Inputs left ``null`` by an export that was not enriched are
filled from the spent output when it is in the same file; otherwise loading fails. See
``docs/bitcoin-etl.md`` (section "Reading bitcoin-etl files").
"""
import ast
import csv
import hashlib
import json
import re
from pathlib import Path

import pandas as pd

from tracer import transfers as T
from tracer.errors import LoadError
from tracer.load.bitcoin_columns import NotColumnar, load_columns
from tracer.load.timestamps import parse_timestamp

_DIGITS = re.compile(r"-?[0-9]+\Z")
_FEE_INDEX = 1 << 30  # sorts the fee row after every output
_COLUMNS = T.COLUMNS + [T.TX_INDEX, T.SPENT_TX, T.SPENT_INDEX]


def _err(where, message):
    path, row, column = where
    return LoadError(path, message, row=row, column=column)


def _int(v, where, signed=False):
    """An exact integer from an int or a string of digits; anything else is an error."""
    if isinstance(v, int) and not isinstance(v, bool):
        n = v
    elif isinstance(v, str) and _DIGITS.match(v):
        n = int(v)
    else:
        kind = "float" if isinstance(v, float) else type(v).__name__
        raise _err(where, f"not an integer: {v!r} ({kind}); bitcoin-etl writes whole satoshi and counts")
    if n < 0 and not signed:
        raise _err(where, f"negative: {n}")
    return n


def _bool(v, where):
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    raise _err(where, f"not a boolean: {v!r}")


def _items(v, where):
    """``inputs``/``outputs``: a list of dicts (JSON) or the text bitcoin-etl's CSV writer makes of one."""
    if isinstance(v, str):
        text = v.strip()
        if not text:
            return []
        try:
            v = json.loads(f"[{text}]")
        except json.JSONDecodeError:
            try:  # older blockchainetl CSV writers join str(dict), a Python literal
                v = ast.literal_eval(f"[{text}]")
            except (ValueError, SyntaxError):
                raise _err(where, "not a list of inputs/outputs (neither JSON nor Python literals)") from None
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise _err(where, f"not a list of objects: {str(v)[:80]!r}")
    return v


def _addresses(v, where):
    if v in (None, ""):
        return []
    if isinstance(v, str):  # a CSV cell or a single address
        v = [v]
    if not isinstance(v, list) or not all(isinstance(a, str) and a and "," not in a for a in v):
        raise _err(where, f"not a list of addresses: {v!r}")
    return v


def nonstandard_address(script_hex):
    """bitcoin-etl's name for an output without an address: ``nonstandard`` + SHA-256(script)[:40].

    Examples
    --------
    >>> nonstandard_address("6a")  # a bare OP_RETURN
    'nonstandard189f40034be7a199f1fa9891668ee3ab6049f82d'
    """
    return "nonstandard" + hashlib.sha256(bytes.fromhex(script_hex)).hexdigest()[:40]


def _records(path):
    """Yield (row number, dict) from JSON lines or CSV; rows are file lines / CSV data rows."""
    if Path(path).suffix.lower() == ".csv":
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            for n, rec in enumerate(reader, 1):
                yield n, {k: (None if v == "" else v) for k, v in rec.items() if k is not None}
        return
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise LoadError(path, f"not JSON: {e.msg} (at character {e.colno})", row=n) from None
            if not isinstance(rec, dict):
                raise LoadError(path, f"not a JSON object: {line.strip()[:60]!r}", row=n)
            yield n, rec


def _is_block(rec):
    return rec.get("type") == "block" or ("outputs" not in rec and "inputs" not in rec
                                          and ("transaction_count" in rec or "merkle_root" in rec))


def load_bitcoin_etl(path, chain="bitcoin", extra=False):
    """Load a bitcoin-etl transactions file (``.json``/``.jsonl`` lines or ``.csv``).

    Parameters
    ----------
    path : str or Path
        The file. Block rows in it (``bitcoinetl stream`` writes both kinds to one file) are skipped,
        except that their ``timestamp`` fills a transaction whose ``block_timestamp`` is empty.
    chain : str
        Value of the ``chain`` column.
    extra : bool
        Add the heuristics' columns (:data:`tracer.transfers.EXTRA`): script types (an input's from
        its ``type``, else from the output it spends when that is in the file), the transaction's
        ``lock_time`` and ``version``, an input's ``sequence``; the EVM ones None.

    Returns
    -------
    pandas.DataFrame
        The transfers table (:data:`tracer.transfers.COLUMNS`, ``tx_index``, ``symbol`` "BTC"),
        amounts exact ``int`` satoshi.

    Raises
    ------
    tracer.errors.LoadError
        Naming file, row and column (e.g. ``outputs[2].value``) for malformed JSON, a missing field,
        a value that is not a whole non-negative number, a bad timestamp, inputs that do not equal
        outputs + fee, or an input value that is null and cannot be filled from this file.

    Examples
    --------
    >>> import tempfile, os, json
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "transactions.json")
    >>> tx = {"hash": "t1", "block_number": 5, "block_timestamp": 1700000000, "is_coinbase": False, "fee": 100,
    ...       "inputs": [{"index": 0, "spent_transaction_hash": "t0", "spent_output_index": 1,
    ...                   "addresses": ["bc1a"], "value": 1000, "type": "witness_v0_keyhash"}],
    ...       "outputs": [{"index": 0, "addresses": ["bc1b"], "value": 900, "type": "witness_v0_keyhash"}]}
    >>> _ = open(p, "w").write(json.dumps(tx) + "\\n")
    >>> load_bitcoin_etl(p)[["from", "to", "amount", "kind"]].values.tolist()
    [['bc1a', 't1', 1000, 'utxo'], ['t1', 'bc1b', 900, 'utxo'], ['t1', 'fee', 100, 'fee']]
    """
    return read(path, chain, extra)


def read(path, chain="bitcoin", extra=False, ordered=False):
    """:func:`load_bitcoin_etl`, the rows transaction by transaction in file order, or in
    :func:`tracer.transfers.sort` order if ``ordered`` (one pass: :func:`tracer.load.load` needs them so).

    bitcoin-etl's own JSON lines are read by whole columns (:mod:`tracer.load.bitcoin_columns`);
    what that reader does not take (other layouts, a value to name in an error) row by row here.
    """
    if Path(path).suffix.lower() in (".json", ".jsonl") and not extra:
        try:
            return load_columns(path, chain, _COLUMNS + [T.SYMBOL], ordered)
        except NotColumnar:
            pass
    table = _read_rows(path, chain, extra)
    return T.sort(table) if ordered and len(table) else table


def _read_rows(path, chain, extra):
    txs, block_times = [], {}
    spent = {}  # (txid, vout) -> (address, value, row) of every output in the file
    for n, rec in _records(path):
        if _is_block(rec):
            if rec.get("number") is not None and rec.get("timestamp") is not None:
                number = _int(rec["number"], (path, n, "number"))
                block_times[number] = parse_timestamp(rec["timestamp"], (path, n, "timestamp"))
            continue
        txs.append(_transaction(path, n, rec, spent, extra))
    rows = []
    for tx in txs:
        rows += _rows(path, tx, spent, block_times, chain)
    if not rows:
        return _finish(T.empty(_COLUMNS), txs, extra)
    return _finish(pd.DataFrame(rows, columns=_COLUMNS, dtype=object), txs, extra)


def _finish(table, txs, extra):
    """The columns that do not come from the rows: ``symbol``, and the heuristics' if asked for."""
    table[T.SYMBOL] = pd.Series(["BTC"] * len(table), index=table.index, dtype=object)
    if extra:
        for c, values in _extra_columns(table, txs).items():
            table[c] = pd.Series(values, index=table.index, dtype=object)
    return table


def _extra_columns(table, txs):
    """:data:`tracer.transfers.EXTRA` for the rows, which come transaction by transaction, in file order."""
    n = len(table)
    cols = {c: [None] * n for c in T.EXTRA}
    txh, index, kind = table[T.TX_HASH].tolist(), table[T.INDEX].tolist(), table[T.KIND].tolist()
    spent_type = {(tx["hash"], i): t for tx in txs for i, t in tx["extra"]["outputs"].items()}
    at = 0
    for tx in txs:
        rows = len(tx["inputs"]) + len(tx["outputs"])
        rows += at + rows < n and kind[at + rows] == T.FEE and txh[at + rows] == tx["hash"]
        e = tx["extra"]
        inputs = {i["index"]: i for i in tx["inputs"]}
        for r in range(at, at + rows):
            cols[T.VERSION][r], cols[T.LOCKTIME][r] = e["version"], e["locktime"]
            if kind[r] == T.FEE:
                continue
            if index[r] < 0:  # an input, stored as -1 - its index
                k = -1 - index[r]
                script, cols[T.SEQUENCE][r] = e["inputs"].get(k, (None, None))
                cols[T.SCRIPT_TYPE][r] = script or spent_type.get(inputs[k]["outpoint"])
            else:
                cols[T.SCRIPT_TYPE][r] = e["outputs"].get(index[r])
        at += rows
    return cols


def _extra(path, n, rec, coinbase):
    """What :func:`_extra_columns` needs of one transaction row: version, lock time, each input's
    (type, sequence) and each output's type, by index."""
    def number(v, column, signed=False):
        return None if v in (None, "") else _int(v, (path, n, column), signed=signed)

    inputs, outputs = {}, {}
    if not coinbase:
        for k, i in enumerate(_items(rec.get("inputs") or [], (path, n, "inputs"))):
            inputs[_int(i["index"], (path, n, f"inputs[{k}].index"))] = (
                i.get("type") or None, number(i.get("sequence"), f"inputs[{k}].sequence"))
    for k, o in enumerate(_items(rec["outputs"], (path, n, "outputs"))):
        outputs[_int(o["index"], (path, n, f"outputs[{k}].index"))] = o.get("type") or None
    # Bitcoin Core shows the version as a signed 32-bit number
    return {"version": number(rec.get("version"), "version", signed=True),
            "locktime": number(rec.get("lock_time"), "lock_time"), "inputs": inputs, "outputs": outputs}


def _transaction(path, n, rec, spent, extra=False):
    """Check one transaction row and register its outputs; inputs are resolved later."""
    def where(column):
        return (path, n, column)

    for c in ("hash", "block_number", "is_coinbase", "outputs"):
        if rec.get(c) is None:
            raise _err(where(c), "missing field" if c not in rec else "empty (null)")
    h = rec["hash"]
    if not isinstance(h, str) or not h.strip():
        raise _err(where("hash"), f"not a transaction hash: {h!r}")
    tx = {"row": n, "hash": h, "block": _int(rec["block_number"], where("block_number")),
          "coinbase": _bool(rec["is_coinbase"], where("is_coinbase")), "inputs": [], "outputs": []}
    ts = rec.get("block_timestamp")
    tx["timestamp"] = None if ts in (None, "") else parse_timestamp(ts, where("block_timestamp"))
    # the position in the block orders a child after the parent it spends in the same block
    tx["tx_index"] = -1 if rec.get("index") in (None, "") else _int(rec["index"], where("index"))
    if "inputs" not in rec and not tx["coinbase"]:
        raise _err(where("inputs"), "missing field")
    for k, o in enumerate(_items(rec["outputs"], where("outputs"))):
        col = f"outputs[{k}]"
        for c in ("index", "value"):
            if o.get(c) is None:
                raise _err(where(f"{col}.{c}"), "missing field" if c not in o else "empty (null)")
        index, value = _int(o["index"], where(f"{col}.index")), _int(o["value"], where(f"{col}.value"))
        addrs = _addresses(o.get("addresses"), where(f"{col}.addresses"))
        if addrs:
            addr = ",".join(addrs)
        elif isinstance(o.get("script_hex"), str):
            try:
                addr = nonstandard_address(o["script_hex"])
            except ValueError:
                raise _err(where(f"{col}.script_hex"), f"not hex: {o['script_hex'][:40]!r}") from None
        else:
            addr = f"{h}:{index}"
        if (h, index) in spent and not tx["coinbase"]:  # two coinbases share a txid before BIP 30; the later one counts
            first = spent[(h, index)][2]
            raise _err(where(f"{col}.index"), f"output {h}:{index} appears twice (first in row {first})")
        spent[(h, index)] = (addr, value, n)
        tx["outputs"].append((index, addr, value))
    for k, i in enumerate(_items(rec.get("inputs") or [], where("inputs"))):
        col = f"inputs[{k}]"
        if tx["coinbase"]:
            continue  # bitcoin-etl drops the coinbase input; other exports keep it without a value
        value = i.get("value")
        value = None if value in (None, "") else _int(value, where(f"{col}.value"))
        for c in ("index", "spent_transaction_hash", "spent_output_index"):
            if i.get(c) is None:
                raise _err(where(f"{col}.{c}"), "missing field" if c not in i else "empty (null)")
        tx["inputs"].append({
            "col": col, "index": _int(i["index"], where(f"{col}.index")),
            "outpoint": (i["spent_transaction_hash"],
                         _int(i["spent_output_index"], where(f"{col}.spent_output_index"))),
            "addresses": _addresses(i.get("addresses"), where(f"{col}.addresses")),
            "value": value})
    for c in ("fee", "input_value", "output_value", "input_count", "output_count"):
        v = rec.get(c)
        # fee is signed: bitcoin-etl writes -output_value before enrich_transactions fills the inputs
        tx[c] = None if v in (None, "") else _int(v, where(c), signed=(c == "fee"))
    if extra:
        tx["extra"] = _extra(path, n, rec, tx["coinbase"])
    return tx


def _rows(path, tx, spent, block_times, chain):
    n, h, b = tx["row"], tx["hash"], tx["block"]
    ts = tx["timestamp"] if tx["timestamp"] is not None else block_times.get(b)
    rows, total_in, enriched_here = [], 0, False
    for i in tx["inputs"]:
        known = spent.get(i["outpoint"])
        value = i["value"]
        if value is None:
            if known is None:
                raise LoadError(path, f"input value is null and the spent output {i['outpoint'][0]}:{i['outpoint'][1]} "
                                      "is not in this file: export with `bitcoinetl enrich_transactions`, or include "
                                      "the spending history", row=n, column=f"{i['col']}.value")
            value, enriched_here = known[1], True
        if i["addresses"]:
            addr = ",".join(i["addresses"])
        elif known is not None:
            addr = known[0]
        else:  # the same name the spent output got when it had neither address nor script
            addr = f"{i['outpoint'][0]}:{i['outpoint'][1]}"
        total_in += value
        rows.append((chain, h, b, ts, addr, h, "BTC", value, T.UTXO, 8, -1 - i["index"], tx["tx_index"],
                     i["outpoint"][0], i["outpoint"][1]))
    total_out = 0
    for index, addr, value in tx["outputs"]:
        total_out += value
        rows.append((chain, h, b, ts, h, addr, "BTC", value, T.UTXO, 8, index, tx["tx_index"], None, None))
    for c, actual in (("input_count", len(tx["inputs"])), ("output_count", len(tx["outputs"])),
                      ("output_value", total_out)):
        if tx[c] is not None and tx[c] != actual and not (tx["coinbase"] and c == "input_count"):
            raise LoadError(path, f"{c} {tx[c]} but the row lists {actual}", row=n, column=c)
    if tx["coinbase"]:
        if tx["fee"] not in (None, 0):
            raise LoadError(path, f"a coinbase pays no fee, got {tx['fee']}", row=n, column="fee")
        return rows
    if tx["input_value"] is not None and not enriched_here and tx["input_value"] != total_in:
        raise LoadError(path, f"input_value {tx['input_value']} but the inputs add up to {total_in}", row=n,
                        column="input_value")
    fee = total_in - total_out
    if fee < 0:
        raise LoadError(path, f"inputs {total_in} < outputs {total_out}", row=n, column="fee")
    if tx["fee"] is not None and not enriched_here and tx["fee"] != fee:
        raise LoadError(path, f"inputs {total_in} != outputs {total_out} + fee {tx['fee']}", row=n, column="fee")
    if fee:
        rows.append((chain, h, b, ts, h, T.FEE_ADDRESS, "BTC", fee, T.FEE, 8, _FEE_INDEX, tx["tx_index"], None, None))
    return rows
