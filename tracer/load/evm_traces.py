"""ethereum-etl ``traces``: the internal transfers, value moved by contracts inside a transaction.

A nested trace (non-empty ``trace_address``: the top-level one repeats the transaction's own
value) is an internal transfer when it moves value (:data:`~tracer.load.evm_schema.VALUE_TRACES`,
not :data:`~tracer.load.evm_schema.NO_VALUE_CALLS`), more than 0, and did not fail.
"""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracer import transfers as T
from tracer.errors import LoadError
from tracer.load.evm_schema import NO_VALUE_CALLS, TRACE_COLUMNS, VALUE_TRACES
from tracer.load.evm_transactions import NATIVE, joined
from tracer.load.parsers import blank, status_ok, timestamps, to_addresses, to_int64, to_ints, to_numpy, tx_index
from tracer.load.readers import require
from tracer.load.table import Part


def map_traces(files, blocks, txs):
    """The internal transfers of the ``traces`` file; ``txs`` the :class:`Transactions`, or None."""
    p = files["traces"]
    df = files.read("traces")
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
    nested = to_numpy(pc.not_equal(df["trace_address"], ""))
    keep = to_numpy(moves) & nested & (value > 0)
    no_hash = to_numpy(blank(df["transaction_hash"]))
    keep &= _succeeded(df, p, block, txi, no_hash, keep)
    txh = _hashes(df, p, block, txi, no_hash & keep, txs)
    rows = np.flatnonzero(keep)
    return [Part(T.INTERNAL, txh[rows], block[rows], (ts[rows], known[rows]), frm[rows], to[rows], value[rows],
                 **NATIVE, **joined(txs, txi[rows], pa.array(txh[rows], type=pa.string())))]


def _hashes(df, path, block, txi, missing, txs):
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


def _succeeded(df, path, block, txi, no_hash, keep):
    """False where a trace failed: its ``status`` says 0, or, where ``status`` is empty (geth
    traces), it or a trace above it in its transaction has an ``error``, as ethereum-etl's
    ``calculate_trace_statuses`` decides when it fills the column."""
    ok = status_ok(df["status"], path, "status")
    if "error" not in df.column_names:
        return ok
    unset = blank(df["status"])
    failed = to_numpy(pc.and_(unset, pc.invert(blank(df["error"]))))
    if not failed.any():
        return ok
    # a transaction is its hash, or (block, position) where the hash is empty
    key = np.where(no_hash, [f"{b}:{t}" for b, t in zip(block, txi, strict=True)], to_numpy(df["transaction_hash"]))
    address = to_numpy(df["trace_address"])
    roots = {}
    for i in np.flatnonzero(failed):
        roots.setdefault(key[i], []).append(address[i])
    for i in np.flatnonzero(to_numpy(unset) & keep):
        for root in roots.get(key[i], ()):
            if root == "" or address[i] == root or address[i].startswith(root + ","):
                ok[i] = False
    return ok
