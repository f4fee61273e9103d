"""Map what a node answers (JSON-RPC field names) to ethereum-etl rows, as ethereum-etl's mappers do.

Pure functions over dicts: a block, transaction, receipt, log or trace in, one row of
:mod:`chains.evm.etl_schema`'s columns out. A quantity may come as a hex string (a node) or an int
(web3, py-evm); both map to the same int.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from . import etl_schema as S


# -- value encodings -------------------------------------------------------------------------
def to_int(value: Any) -> int | None:
    """A JSON-RPC quantity (hex string or int) as an int; None stays None."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(value, 16)


def to_hex(value: Any) -> str | None:
    """Bytes or a hex string as lower-case ``0x`` hex; None stays None."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value).lower()


def to_bloom(value: Any) -> str | None:
    """A logs bloom as its full 256 bytes of hex."""
    # py-evm's bloom comes through web3 as a bare integer ("0x00"); a node returns all 256 bytes
    if value is None:
        return None
    bits = int.from_bytes(value, "big") if isinstance(value, (bytes, bytearray)) else to_int(value)
    return "0x" + bits.to_bytes(256, "big").hex()


def to_addr(value: Any) -> str | None:
    """An address as ethereum-etl writes it: lower case, not checksummed."""
    return None if value is None else str(value).lower()


# -- node JSON (JSON-RPC field names) -> ethereum-etl rows -------------------------------------
def map_block(b: dict) -> dict:
    return {
        "number": to_int(b["number"]), "hash": to_hex(b["hash"]), "parent_hash": to_hex(b["parentHash"]),
        "nonce": to_hex(b.get("nonce")), "sha3_uncles": to_hex(b.get("sha3Uncles")),
        "logs_bloom": to_bloom(b.get("logsBloom")), "transactions_root": to_hex(b.get("transactionsRoot")),
        "state_root": to_hex(b.get("stateRoot")), "receipts_root": to_hex(b.get("receiptsRoot")),
        "miner": to_addr(b.get("miner")), "difficulty": to_int(b.get("difficulty")),
        "total_difficulty": to_int(b.get("totalDifficulty")), "size": to_int(b.get("size")),
        "extra_data": to_hex(b.get("extraData")), "gas_limit": to_int(b.get("gasLimit")),
        "gas_used": to_int(b.get("gasUsed")),
        "timestamp": to_int(b["timestamp"]), "transaction_count": len(b.get("transactions") or []),
        "base_fee_per_gas": to_int(b.get("baseFeePerGas")), "withdrawals_root": to_hex(b.get("withdrawalsRoot")),
        "withdrawals": [{"index": to_int(w.get("index")), "validator_index": to_int(w.get("validatorIndex")),
                         "address": to_addr(w.get("address")), "amount": to_int(w.get("amount"))}
                        for w in b.get("withdrawals") or []],
        "blob_gas_used": to_int(b.get("blobGasUsed")), "excess_blob_gas": to_int(b.get("excessBlobGas")),
    }


def map_transaction(t: dict, block_timestamp: int) -> dict:
    return {
        "hash": to_hex(t["hash"]), "nonce": to_int(t["nonce"]), "block_hash": to_hex(t["blockHash"]),
        "block_number": to_int(t["blockNumber"]), "transaction_index": to_int(t["transactionIndex"]),
        "from_address": to_addr(t["from"]), "to_address": to_addr(t.get("to")), "value": to_int(t["value"]),
        "gas": to_int(t["gas"]), "gas_price": to_int(t.get("gasPrice")), "input": to_hex(t.get("input")),
        "block_timestamp": block_timestamp, "max_fee_per_gas": to_int(t.get("maxFeePerGas")),
        "max_priority_fee_per_gas": to_int(t.get("maxPriorityFeePerGas")), "transaction_type": to_int(t.get("type")),
        "max_fee_per_blob_gas": to_int(t.get("maxFeePerBlobGas")),
        "blob_versioned_hashes": [to_hex(h) for h in t.get("blobVersionedHashes") or []],
    }


def map_receipt(r: dict) -> dict:
    return {
        "transaction_hash": to_hex(r["transactionHash"]), "transaction_index": to_int(r["transactionIndex"]),
        "block_hash": to_hex(r["blockHash"]), "block_number": to_int(r["blockNumber"]),
        "cumulative_gas_used": to_int(r["cumulativeGasUsed"]), "gas_used": to_int(r["gasUsed"]),
        "contract_address": to_addr(r.get("contractAddress")), "root": to_hex(r.get("root")),
        "status": to_int(r.get("status")), "effective_gas_price": to_int(r.get("effectiveGasPrice")),
        "l1_fee": None, "l1_gas_used": None, "l1_gas_price": None, "l1_fee_scalar": None,
        "blob_gas_price": to_int(r.get("blobGasPrice")), "blob_gas_used": to_int(r.get("blobGasUsed")),
    }


def map_log(lg: dict) -> dict:
    return {
        "log_index": to_int(lg["logIndex"]), "transaction_hash": to_hex(lg["transactionHash"]),
        "transaction_index": to_int(lg["transactionIndex"]), "block_hash": to_hex(lg["blockHash"]),
        "block_number": to_int(lg["blockNumber"]), "address": to_addr(lg["address"]), "data": to_hex(lg.get("data")),
        "topics": [to_hex(t) for t in lg.get("topics") or []],
    }


def extract_token_transfer(log: dict) -> dict | None:
    """An ERC-20/ERC-721 ``Transfer`` from a log row, as ethereum-etl extracts it (None if not one).

    Indexed or not, the event has four 32-byte words (topic 0, from, to, value or token id);
    a log with another word count is not a transfer ethereum-etl recognises.
    """
    topics = log["topics"]
    if not topics or topics[0] != S.TRANSFER_EVENT_TOPIC:
        return None
    data = (log["data"] or "0x")[2:]
    if len(data) % 64:
        return None
    words = [t[2:] for t in topics] + [data[i:i + 64] for i in range(0, len(data), 64)]
    if len(words) != 4:
        return None
    return {
        "token_address": log["address"], "from_address": "0x" + words[1][-40:], "to_address": "0x" + words[2][-40:],
        "value": int(words[3], 16), "transaction_hash": log["transaction_hash"], "log_index": log["log_index"],
        "block_number": log["block_number"],
    }


def map_trace(t: dict) -> dict:
    """One Parity-style trace (``trace_block``) as an ethereum-etl traces row (status and id added later)."""
    action, result = t.get("action") or {}, t.get("result") or {}
    kind = t.get("type")
    row = dict.fromkeys(S.TRACES)
    row.update(block_number=to_int(t.get("blockNumber")), transaction_hash=to_hex(t.get("transactionHash")),
               transaction_index=to_int(t.get("transactionPosition")), subtraces=to_int(t.get("subtraces")),
               trace_address=list(t.get("traceAddress") or []), error=t.get("error") or None, trace_type=kind)
    if kind in ("call", "create"):
        row.update(from_address=to_addr(action.get("from")), value=to_int(action.get("value")),
                   gas=to_int(action.get("gas")), gas_used=to_int(result.get("gasUsed")))
    if kind == "call":
        row.update(call_type=action.get("callType"), to_address=to_addr(action.get("to")),
                   input=to_hex(action.get("input")), output=to_hex(result.get("output")))
    elif kind == "create":
        row.update(to_address=to_addr(result.get("address")), input=to_hex(action.get("init")),
                   output=to_hex(result.get("code")))
    elif kind == "suicide":
        row.update(from_address=to_addr(action.get("address")), to_address=to_addr(action.get("refundAddress")),
                   value=to_int(action.get("balance")))
    elif kind == "reward":
        row.update(to_address=to_addr(action.get("author")), value=to_int(action.get("value")),
                   reward_type=action.get("rewardType"))
    return row


def genesis_traces(alloc: dict[str, int]) -> list[dict]:
    """The ``genesis`` trace rows ethereum-etl emits for block 0's allocations."""
    rows = []
    for address, balance in alloc.items():
        row = dict.fromkeys(S.TRACES)
        row.update(block_number=0, to_address=address.lower(), value=int(balance), trace_type="genesis", status=1,
                   trace_address=[])
        rows.append(row)
    return rows


def finish_traces(rows: list[dict]) -> list[dict]:
    """Add ``status`` and ``trace_id`` as ethereum-etl computes them, and sort deterministically.

    A trace fails if it has an error or any ancestor failed. Transaction-scoped ids are
    ``{trace_type}_{tx_hash}_{trace_address joined by _}``; block-scoped ones (genesis, reward)
    ``{trace_type}_{block}_{i}``, numbered within a type in (reward_type, from, to, value) order.
    """
    by_tx: dict[str, list[dict]] = defaultdict(list)
    block_scoped: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        if row["trace_type"] in ("genesis", "daofork"):
            row["status"] = 1
        else:
            row["status"] = 0 if row["error"] else 1
        if row["transaction_hash"]:
            by_tx[row["transaction_hash"]].append(row)
        else:
            block_scoped[(row["block_number"], row["trace_type"])].append(row)
    for tx_hash, tx_rows in by_tx.items():
        status = {}
        for row in sorted(tx_rows, key=lambda r: len(r["trace_address"])):
            addr = tuple(row["trace_address"])
            if addr and status.get(addr[:-1]) == 0:
                row["status"] = 0
            status[addr] = row["status"]
            row["trace_id"] = f"{row['trace_type']}_{tx_hash}_{'_'.join(map(str, addr))}"
    for (block, kind), group in block_scoped.items():
        group.sort(key=lambda r: (r["reward_type"] or "", r["from_address"] or "", r["to_address"] or "",
                                  r["value"] or 0))
        for i, row in enumerate(group):
            row["trace_id"] = f"{kind}_{block}_{i}"
    # block-scoped rows first in their block, then by transaction and depth-first trace address
    return sorted(rows, key=lambda r: (r["block_number"], r["transaction_hash"] is not None,
                                       r["transaction_index"] if r["transaction_index"] is not None else -1,
                                       r["trace_address"], r["trace_id"]))
