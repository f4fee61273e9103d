"""Load bitcoin-etl ``transactions`` JSON lines (nested inputs and outputs, values in satoshi).

Each input becomes a ``utxo`` row from its address to the transaction hash, and each output a
``utxo`` row from the transaction hash to its address; ``index`` is the input/output index
(inputs are stored as ``-1 - index`` so inputs and outputs stay distinct). The fee is a row of
kind ``fee`` from the transaction to :data:`tracer.transfers.FEE_ADDRESS`. Coinbase inputs
are skipped (newly minted value has no source).
"""
import json

import pandas as pd

from tracer import transfers as T
from tracer.errors import LoadError


def _uint(v, path, row, column):
    if isinstance(v, bool) or not isinstance(v, (int, str)) or not str(v).isdigit():
        raise LoadError(path, f"not a non-negative integer: {v!r}", row=row, column=column)
    return int(v)


def load_bitcoin_etl(path, chain="bitcoin"):
    """Load a bitcoin-etl transactions JSON-lines file.

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
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                tx = json.loads(line)
            except json.JSONDecodeError as e:
                raise LoadError(path, f"not JSON: {e.msg}", row=n) from None
            if "inputs" not in tx and "outputs" not in tx:
                continue  # a blocks file shares the name pattern
            for c in ("hash", "block_number", "outputs"):
                if c not in tx:
                    raise LoadError(path, "missing field", row=n, column=c)
            h, b = tx["hash"], _uint(tx["block_number"], path, n, "block_number")
            ts = tx.get("block_timestamp")
            ts = _uint(ts, path, n, "block_timestamp") if ts not in (None, "") else None
            total_in = total_out = 0
            if not tx.get("is_coinbase"):
                for i in tx.get("inputs", []):
                    v = _uint(i.get("value"), path, n, "inputs.value")
                    total_in += v
                    addr = ",".join(i.get("addresses") or []) or f"{i.get('spent_transaction_hash')}:{i.get('spent_output_index')}"
                    rows.append((chain, h, b, ts, addr, h, "BTC", v, T.UTXO, 8, -1 - _uint(i.get("index"), path, n, "inputs.index")))
            for o in tx["outputs"]:
                v = _uint(o.get("value"), path, n, "outputs.value")
                total_out += v
                addr = ",".join(o.get("addresses") or []) or f"{h}:{o.get('index')}"
                rows.append((chain, h, b, ts, h, addr, "BTC", v, T.UTXO, 8, _uint(o.get("index"), path, n, "outputs.index")))
            fee = tx.get("fee")
            fee = _uint(fee, path, n, "fee") if fee not in (None, "") else (total_in - total_out if not tx.get("is_coinbase") else 0)
            if not tx.get("is_coinbase") and total_in != total_out + fee:
                raise LoadError(path, f"inputs {total_in} != outputs {total_out} + fee {fee}", row=n, column="fee")
            if fee:
                rows.append((chain, h, b, ts, h, T.FEE_ADDRESS, "BTC", fee, T.FEE, 8, 1 << 30))
    if not rows:
        return T.empty()
    return pd.DataFrame(rows, columns=T.COLUMNS, dtype=object)
