"""Export a lab EVM chain as CSV files in the ethereum-etl schema.

What ethereum-etl writes from a mainnet node, this writes from a lab chain, with the same columns
(:mod:`chains.evm.etl_schema`) and the same value encodings, so that the tracer, pandas, BigQuery-style
SQL and every tool that reads ethereum-etl exports read a lab case as they read a real one.

As in ethereum-etl, extract, map, export: blocks, receipts and traces come from the backend, each by
its own fastest way (:meth:`~chains.evm.backends.base.Backend.fetch_blocks`); :mod:`chains.evm.etl_map`
and :mod:`chains.evm.etl_contracts` turn them into rows; this module writes the files. The
pure-Python backend has no trace API, so there ``traces.csv`` holds only its header, a
:class:`MissingTracesWarning` is emitted and ``EXPORT_NOTES.txt`` says so in the folder itself, so
nobody mistakes "no rows" for "no internal transfers".
"""
from __future__ import annotations

import csv
import os
import tempfile
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address

from . import etl_schema as S
from .etl_contracts import function_sighashes, is_erc20, is_erc721, read_token
from .etl_map import (extract_token_transfer, finish_traces, genesis_traces, map_block, map_log, map_receipt,
                      map_trace, map_transaction, to_hex, to_int)

NOTES_FILE = "EXPORT_NOTES.txt"

Progress = Callable[[int, int], None]


class MissingTracesWarning(UserWarning):
    """The backend has no trace API: internal transfers are absent from the export."""


def _cell(value: Any) -> str:
    # ethereum-etl's CSV exporter: lists joined with ",", booleans as True/False, None empty
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (list, tuple)):
        return ",".join(_cell(v) for v in value)
    return str(value)


class _Csv:
    """One ethereum-etl CSV file: its header, then one row per :meth:`write`."""

    def __init__(self, fh, columns: tuple[str, ...]):
        self.columns = columns
        # ethereum-etl writes with Python's csv module in its default (excel) dialect: CRLF rows
        self._w = csv.writer(fh)
        self._w.writerow(columns)

    def write(self, row: dict):
        self._w.writerow([_cell(row[c]) for c in self.columns])


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

    traces: list[dict] = []
    if has_traces and start_block == 0:
        traces += genesis_traces(chain.genesis.alloc)
    contracts: dict[str, tuple] = {}  # address -> (block, tx index, trace address): where it was created
    token_seen: dict[str, int] = {}  # token address -> first block with a transfer
    with ExitStack() as files:
        writers = {name: _Csv(files.enter_context(open(out / name, "w", newline="", encoding="utf-8")), columns)
                   for name, columns in S.FILES.items()}
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
            for raw, rec in zip(sorted(receipts, key=lambda r: to_int(r["transactionIndex"])), recs, strict=True):
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
            code = to_hex(w3.eth.get_code(to_checksum_address(address), block_identifier=head))
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

    notes = out / NOTES_FILE
    notes.write_text(_notes(backend.name, chain.chain_id, start_block, head, has_traces), encoding="utf-8")
    return {**{name: out / name for name in S.FILES}, NOTES_FILE: notes}


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
