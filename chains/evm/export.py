"""Export a lab EVM chain as CSV files in the ethereum-etl schema.

What ethereum-etl writes from a mainnet node, this writes from a lab chain, with the same columns
(:mod:`chains.evm.etl_schema`) and the same value encodings, so that the tracer, pandas, BigQuery-style
SQL and every tool that reads ethereum-etl exports read a lab case as they read a real one.

Blocks, receipts and traces come from the backend (:meth:`~chains.evm.backends.base.Backend.fetch_blocks`),
each by its own fastest way. The pure-Python backend has no trace API, so there ``traces.csv`` holds
only its header, a :class:`MissingTracesWarning` is emitted and ``EXPORT_NOTES.txt`` says so in the
folder itself, so nobody mistakes "no rows" for "no internal transfers".
"""
from __future__ import annotations

import csv
import os
import tempfile
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3 import Web3

from . import etl_schema as S

NOTES_FILE = "EXPORT_NOTES.txt"

Progress = Callable[[int, int], None]


class MissingTracesWarning(UserWarning):
    """The backend has no trace API: internal transfers are absent from the export."""


# -- value encodings -------------------------------------------------------------------------
def _q(value: Any) -> int | None:
    """A JSON-RPC quantity (hex string or int) as an int; None stays None."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(value, 16)


def _hex(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value).lower()


def _bloom(value: Any) -> str | None:
    # py-evm's bloom comes through web3 as a bare integer ("0x00"); a node returns all 256 bytes
    if value is None:
        return None
    return "0x" + (_q(value) if not isinstance(value, (bytes, bytearray)) else int.from_bytes(value, "big")).to_bytes(256, "big").hex()


def _addr(value: Any) -> str | None:
    return None if value is None else str(value).lower()


def _cell(value: Any) -> str:
    # ethereum-etl's CSV exporter: lists joined with ",", booleans as True/False, None empty
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (list, tuple)):
        return ",".join(_cell(v) for v in value)
    return str(value)


# -- mappers: node JSON (JSON-RPC field names) -> ethereum-etl rows ---------------------------
def map_block(b: dict) -> dict:
    return {
        "number": _q(b["number"]), "hash": _hex(b["hash"]), "parent_hash": _hex(b["parentHash"]),
        "nonce": _hex(b.get("nonce")), "sha3_uncles": _hex(b.get("sha3Uncles")),
        "logs_bloom": _bloom(b.get("logsBloom")), "transactions_root": _hex(b.get("transactionsRoot")),
        "state_root": _hex(b.get("stateRoot")), "receipts_root": _hex(b.get("receiptsRoot")),
        "miner": _addr(b.get("miner")), "difficulty": _q(b.get("difficulty")),
        "total_difficulty": _q(b.get("totalDifficulty")), "size": _q(b.get("size")),
        "extra_data": _hex(b.get("extraData")), "gas_limit": _q(b.get("gasLimit")), "gas_used": _q(b.get("gasUsed")),
        "timestamp": _q(b["timestamp"]), "transaction_count": len(b.get("transactions") or []),
        "base_fee_per_gas": _q(b.get("baseFeePerGas")), "withdrawals_root": _hex(b.get("withdrawalsRoot")),
        "withdrawals": [{"index": _q(w.get("index")), "validator_index": _q(w.get("validatorIndex")),
                         "address": _addr(w.get("address")), "amount": _q(w.get("amount"))}
                        for w in b.get("withdrawals") or []],
        "blob_gas_used": _q(b.get("blobGasUsed")), "excess_blob_gas": _q(b.get("excessBlobGas")),
    }


def map_transaction(t: dict, block_timestamp: int) -> dict:
    return {
        "hash": _hex(t["hash"]), "nonce": _q(t["nonce"]), "block_hash": _hex(t["blockHash"]),
        "block_number": _q(t["blockNumber"]), "transaction_index": _q(t["transactionIndex"]),
        "from_address": _addr(t["from"]), "to_address": _addr(t.get("to")), "value": _q(t["value"]),
        "gas": _q(t["gas"]), "gas_price": _q(t.get("gasPrice")), "input": _hex(t.get("input")),
        "block_timestamp": block_timestamp, "max_fee_per_gas": _q(t.get("maxFeePerGas")),
        "max_priority_fee_per_gas": _q(t.get("maxPriorityFeePerGas")), "transaction_type": _q(t.get("type")),
        "max_fee_per_blob_gas": _q(t.get("maxFeePerBlobGas")),
        "blob_versioned_hashes": [_hex(h) for h in t.get("blobVersionedHashes") or []],
    }


def map_receipt(r: dict) -> dict:
    return {
        "transaction_hash": _hex(r["transactionHash"]), "transaction_index": _q(r["transactionIndex"]),
        "block_hash": _hex(r["blockHash"]), "block_number": _q(r["blockNumber"]),
        "cumulative_gas_used": _q(r["cumulativeGasUsed"]), "gas_used": _q(r["gasUsed"]),
        "contract_address": _addr(r.get("contractAddress")), "root": _hex(r.get("root")),
        "status": _q(r.get("status")), "effective_gas_price": _q(r.get("effectiveGasPrice")),
        "l1_fee": None, "l1_gas_used": None, "l1_gas_price": None, "l1_fee_scalar": None,
        "blob_gas_price": _q(r.get("blobGasPrice")), "blob_gas_used": _q(r.get("blobGasUsed")),
    }


def map_log(lg: dict) -> dict:
    return {
        "log_index": _q(lg["logIndex"]), "transaction_hash": _hex(lg["transactionHash"]),
        "transaction_index": _q(lg["transactionIndex"]), "block_hash": _hex(lg["blockHash"]),
        "block_number": _q(lg["blockNumber"]), "address": _addr(lg["address"]), "data": _hex(lg.get("data")),
        "topics": [_hex(t) for t in lg.get("topics") or []],
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
    row.update(block_number=_q(t.get("blockNumber")), transaction_hash=_hex(t.get("transactionHash")),
               transaction_index=_q(t.get("transactionPosition")), subtraces=_q(t.get("subtraces")),
               trace_address=list(t.get("traceAddress") or []), error=t.get("error") or None, trace_type=kind)
    if kind in ("call", "create"):
        row.update(from_address=_addr(action.get("from")), value=_q(action.get("value")),
                   gas=_q(action.get("gas")), gas_used=_q(result.get("gasUsed")))
    if kind == "call":
        row.update(call_type=action.get("callType"), to_address=_addr(action.get("to")),
                   input=_hex(action.get("input")), output=_hex(result.get("output")))
    elif kind == "create":
        row.update(to_address=_addr(result.get("address")), input=_hex(action.get("init")),
                   output=_hex(result.get("code")))
    elif kind == "suicide":
        row.update(from_address=_addr(action.get("address")), to_address=_addr(action.get("refundAddress")),
                   value=_q(action.get("balance")))
    elif kind == "reward":
        row.update(to_address=_addr(action.get("author")), value=_q(action.get("value")),
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


# -- contracts and tokens ----------------------------------------------------------------------
def function_sighashes(bytecode: str | None) -> list[str]:
    """The PUSH4 operands of ``bytecode``, sorted: ethereum-etl's guess at a contract's selectors."""
    if not bytecode or bytecode == "0x":
        return []
    code = bytes.fromhex(bytecode.removeprefix("0x"))
    found, i = set(), 0
    while i < len(code):
        op = code[i]
        if 0x60 <= op <= 0x7F:  # PUSH1..PUSH32: skip the pushed bytes, they are data not opcodes
            n = op - 0x5F
            if op == 0x63 and i + 1 + n <= len(code):
                found.add("0x" + code[i + 1:i + 1 + n].hex())
            i += 1 + n
        else:
            i += 1
    return sorted(found)


def _selector(signature: str) -> str:
    return "0x" + function_signature_to_4byte_selector(signature).hex()


def is_erc20(sighashes: Iterable[str]) -> bool:
    have = set(sighashes)
    return all(_selector(f) in have for f in S.ERC20_FUNCTIONS)


def is_erc721(sighashes: Iterable[str]) -> bool:
    have = set(sighashes)
    return (all(_selector(f) in have for f in S.ERC721_FUNCTIONS)
            and any(_selector(f) in have for f in S.ERC721_TRANSFER_ANY_OF))


def _decode_text(raw: bytes) -> str | None:
    if not raw:
        return None
    try:
        text = abi_decode(["string"], raw)[0]
    except (DecodingError, UnicodeDecodeError, OverflowError):
        if len(raw) != 32:  # some old tokens return bytes32
            return None
        text = raw.rstrip(b"\x00").decode("utf-8", "replace")
    return text.replace("\x00", "")


def _decode_uint(raw: bytes) -> int | None:
    if len(raw) < 32:
        return None
    return int.from_bytes(raw[:32], "big")


def read_token(w3: Web3, address: str, block: int) -> dict:
    """symbol, name, decimals and total_supply by ``eth_call`` at ``block``; a call that fails gives None."""
    def call(signature: str) -> bytes:
        try:
            return bytes(w3.eth.call({"to": to_checksum_address(address),
                                      "data": _selector(signature)}, block_identifier=block))
        except Exception:  # noqa: BLE001 -- not every contract that emits Transfer answers every ERC-20 getter
            return b""
    return {"symbol": _decode_text(call("symbol()")), "name": _decode_text(call("name()")),
            "decimals": _decode_uint(call("decimals()")), "total_supply": _decode_uint(call("totalSupply()"))}


# -- writing -----------------------------------------------------------------------------------
class _Csv:
    def __init__(self, path: Path, columns: tuple[str, ...]):
        self.path, self.columns = path, columns
        # ethereum-etl writes with Python's csv module in its default (excel) dialect: CRLF rows
        self._fh = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 -- closed by close()
        self._w = csv.writer(self._fh)
        self._w.writerow(columns)

    def write(self, row: dict):
        self._w.writerow([_cell(row[c]) for c in self.columns])

    def close(self):
        self._fh.close()


def export_chain(chain, out_dir: str | Path, *, progress: Progress | None = None, start_block: int = 0,
                 end_block: int | None = None) -> dict[str, Path]:
    """Write every block of ``chain`` as ethereum-etl CSV files into ``out_dir``.

    Parameters
    ----------
    chain : chains.evm.EvmChain
        A running chain (anvil or pyevm backend). Queued, unmined transactions are not exported.
    out_dir : str or Path
        Created if missing; existing files of the same names are replaced.
    progress : callable, optional
        ``progress(blocks_done, blocks_total)``, called as blocks are written (e.g. a rich progress bar).
    start_block, end_block : int, optional
        The range to export, inclusive; by default the whole chain. Genesis traces need ``start_block=0``.

    Returns
    -------
    dict[str, Path]
        File name -> path, for every file of :data:`chains.evm.etl_schema.FILES` and ``EXPORT_NOTES.txt``.

    Warns
    -----
    MissingTracesWarning
        On a backend without a trace API: ``traces.csv`` then has only its header.
    """
    out = Path(out_dir)
    chain.sync()  # the export reads the node directly, past web3's wait for queued writes
    w3, backend = chain.w3, chain.backend
    last = w3.eth.block_number
    head = last if end_block is None else int(end_block)
    if start_block < 0 or head < start_block or head > last:
        raise ValueError(f"cannot export blocks {start_block}..{head}: the chain has blocks 0..{last}")
    out.mkdir(parents=True, exist_ok=True)
    # written into a scratch folder and moved in place at the end, so a failed export leaves any
    # earlier export in out_dir untouched
    with tempfile.TemporaryDirectory(prefix=".export-", dir=out) as scratch:
        paths = _export(chain, Path(scratch), progress, start_block, head)
        for name, path in paths.items():
            os.replace(path, out / name)
    if not backend.caps.trace_api:
        warnings.warn(f"the {backend.name} backend has no trace API: traces.csv has only its header, and "
                      "internal ETH transfers (value sent by contracts) are NOT in this export "
                      f"(see {out / NOTES_FILE})", MissingTracesWarning, stacklevel=2)
    return {name: out / name for name in paths}


def _export(chain, out: Path, progress: Progress | None, start_block: int, head: int) -> dict[str, Path]:
    w3, backend = chain.w3, chain.backend
    numbers = list(range(start_block, head + 1))
    has_traces = bool(backend.caps.trace_api)
    source = backend.fetch_blocks(numbers)

    writers = {name: _Csv(out / name, cols) for name, cols in S.FILES.items()}
    traces: list[dict] = []
    if has_traces and start_block == 0:
        traces += genesis_traces(chain.genesis.alloc)
    contracts: dict[str, tuple] = {}  # address -> (block, tx index, trace address): where it was created
    token_seen: dict[str, int] = {}  # token address -> first block with a transfer
    try:
        for done, (block, receipts, raw_traces) in enumerate(source, 1):
            b = map_block(block)
            writers["blocks.csv"].write(b)
            txs = sorted((map_transaction(t, b["timestamp"]) for t in block.get("transactions") or []),
                         key=lambda r: r["transaction_index"])
            for t in txs:
                writers["transactions.csv"].write(t)
            recs = sorted((map_receipt(r) for r in receipts), key=lambda r: r["transaction_index"])
            if len(recs) != len(txs):
                raise RuntimeError(f"block {b['number']}: {len(txs)} transactions but {len(recs)} receipts")
            logs = []
            for raw, rec in zip(sorted(receipts, key=lambda r: _q(r["transactionIndex"])), recs):
                writers["receipts.csv"].write(rec)
                if rec["contract_address"] and rec["status"] == 1:
                    contracts.setdefault(rec["contract_address"], (b["number"], rec["transaction_index"], ()))
                logs += [map_log(lg) for lg in raw.get("logs") or []]
            for lg in sorted(logs, key=lambda r: r["log_index"]):
                writers["logs.csv"].write(lg)
                tt = extract_token_transfer(lg)
                if tt:
                    writers["token_transfers.csv"].write(tt)
                    token_seen.setdefault(tt["token_address"], tt["block_number"])
            traces += [map_trace(t) for t in raw_traces]
            if progress:
                progress(done, len(numbers))
        traces = finish_traces(traces)
        for row in traces:
            writers["traces.csv"].write(row)
            if row["trace_type"] == "create" and row["status"] == 1 and row["to_address"]:
                contracts.setdefault(row["to_address"],
                                     (row["block_number"], row["transaction_index"], tuple(row["trace_address"])))

        token_rows: dict[str, int] = {}
        for address, where in sorted(contracts.items(), key=lambda kv: (kv[1], kv[0])):
            code = _hex(w3.eth.get_code(to_checksum_address(address), block_identifier=head))
            sighashes = function_sighashes(code)
            row = {"address": address, "bytecode": code, "function_sighashes": sighashes,
                   "is_erc20": is_erc20(sighashes), "is_erc721": is_erc721(sighashes), "block_number": where[0]}
            writers["contracts.csv"].write(row)
            if row["is_erc20"] or row["is_erc721"]:
                token_rows[address] = where[0]
        for address, first in sorted(token_seen.items(), key=lambda kv: (kv[1], kv[0])):
            token_rows.setdefault(address, contracts.get(address, (first,))[0])
        for address, block_number in token_rows.items():
            writers["tokens.csv"].write({"address": address, **read_token(w3, address, head),
                                         "block_number": block_number})
    finally:
        for w in writers.values():
            w.close()

    notes = out / NOTES_FILE
    notes.write_text(_notes(backend.name, chain.chain_id, start_block, head, has_traces), encoding="utf-8")
    paths = {name: w.path for name, w in writers.items()}
    paths[NOTES_FILE] = notes
    return paths


def _notes(backend: str, chain_id: int, first: int, last: int, has_traces: bool) -> str:
    lines = [
        "tracelab EVM export, ethereum-etl schema (CSV)",
        f"backend: {backend}",
        f"chain id: {chain_id}",
        f"blocks: {first}..{last}",
    ]
    if has_traces:
        lines += ["traces: complete (Parity-style trace_block), including internal ETH transfers made by "
                  "contracts" + ("; block 0 has one 'genesis' trace per genesis allocation" if first == 0 else "")]
    else:
        lines += [
            "traces: NOT AVAILABLE. This backend has no trace API, so traces.csv has only its header.",
            "WARNING: internal ETH transfers (value sent by contracts, e.g. a mixer paying out) are missing",
            "from this export. An empty traces.csv does NOT mean there were no internal transfers; such",
            "transfers show only through the events the contracts emit (logs.csv). Contracts created by",
            "other contracts are missing from contracts.csv for the same reason.",
        ]
    lines += ["lab chain: no uncles, no block rewards, zero base fee, simulated block timestamps"]
    return "\n".join(lines) + "\n"
