"""Exports in bitcoin-etl's schema: blocks and transactions as JSON lines.

As bitcoin-etl does: the coinbase input is dropped (its script becomes the block's
``coinbase_param``) and the transaction is flagged ``is_coinbase``; inputs are enriched with the
spent output's type, addresses and value; an output without an address gets type
``nonstandard`` and the address ``nonstandard`` + the first 40 hex digits of SHA-256(script).
Every amount is an integer in satoshi.
"""
import hashlib
import json
from pathlib import Path

from chains.utxo import scripts
from chains.utxo.etl_schema import (BLOCK_FIELDS, INPUT_FIELDS, NONSTANDARD, OUTPUT_FIELDS,
                                    TRANSACTION_FIELDS)
from chains.utxo.ledger import Ledger


def _type_and_addresses(script: bytes) -> tuple[str, list[str]]:
    addr = scripts.address(script)
    if addr is None:
        return NONSTANDARD, [NONSTANDARD + hashlib.sha256(script).hexdigest()[:40]]
    return scripts.classify(script), [addr]


def block_record(ledger: Ledger, height: int) -> dict:
    """The blocks.json record of the block at ``height``."""
    block = ledger.blocks[height]
    h = block.header
    record = {
        "hash": block.hash, "size": block.size, "stripped_size": block.stripped_size,
        "weight": block.weight, "number": height, "version": h.version,
        "merkle_root": h.merkle_root, "timestamp": h.time, "nonce": format(h.nonce, "x"),
        "bits": f"{h.bits:08x}", "coinbase_param": block.txs[0].tx.vin[0].script_sig.data.hex(),
        "transaction_count": len(block.txs),
    }
    assert tuple(record) == BLOCK_FIELDS
    return record


def transaction_records(ledger: Ledger, height: int) -> list[dict]:
    """The transactions.json records of the block at ``height``, in block order."""
    block = ledger.blocks[height]
    records = []
    for index, tx in enumerate(block.txs):
        inputs = []
        if not tx.is_coinbase:
            for n, inp in enumerate(tx.tx.vin):
                spent = ledger.outputs[(inp.txid, inp.vout)]
                kind, addresses = _type_and_addresses(spent.script)
                inputs.append(dict(zip(INPUT_FIELDS, (
                    n, inp.txid.hex(), inp.vout, scripts.asm(inp.script_sig.data, True),
                    inp.script_sig.data.hex(), inp.sequence,
                    scripts.required_signatures(spent.script), kind, addresses, spent.value), strict=True)))
        outputs = []
        for n, out in enumerate(tx.tx.vout):
            script = out.script_pubkey.data
            kind, addresses = _type_and_addresses(script)
            outputs.append(dict(zip(OUTPUT_FIELDS, (
                n, scripts.asm(script), script.hex(), scripts.required_signatures(script), kind,
                addresses, out.value), strict=True)))
        input_value = sum(i["value"] for i in inputs)
        output_value = sum(o["value"] for o in outputs)
        record = dict(zip(TRANSACTION_FIELDS, (
            tx.txid, tx.size, tx.vsize, tx.tx.version, tx.tx.locktime, height, block.hash,
            block.header.time, tx.is_coinbase, index, inputs, outputs, len(inputs), len(outputs),
            input_value, output_value, 0 if tx.is_coinbase else input_value - output_value), strict=True))
        records.append(record)
    return records


def export_jsonl(ledger: Ledger, blocks_path: str | Path, transactions_path: str | Path,
                 start: int = 0, end: int | None = None) -> tuple[int, int]:
    """Write blocks ``start..end`` (inclusive; default: to the tip) as bitcoin-etl JSON lines.

    Returns
    -------
    (blocks, transactions) : tuple of int
        Lines written to each file.
    """
    end = ledger.height if end is None else end
    if not 0 <= start <= end <= ledger.height:
        raise ValueError(f"block range {start}..{end} outside 0..{ledger.height}")
    n_blocks = n_txs = 0
    with open(blocks_path, "w", encoding="utf-8", newline="\n") as fb, \
            open(transactions_path, "w", encoding="utf-8", newline="\n") as ft:
        for height in range(start, end + 1):
            fb.write(json.dumps(block_record(ledger, height)) + "\n")
            n_blocks += 1
            for record in transaction_records(ledger, height):
                ft.write(json.dumps(record) + "\n")
                n_txs += 1
    return n_blocks, n_txs
