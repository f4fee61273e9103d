"""Real export files from small hand-made transactions, for tests that go through the loaders."""
import csv
import json

from tracer.heuristics.examples import START

TYPES = {"bc1p": "witness_v1_taproot", "bc1q": "witness_v0_keyhash"}


def _type(address):
    return next((t for p, t in TYPES.items() if address.startswith(p)), "pubkeyhash")


def write_bitcoin_etl(path, txs):
    """bitcoin-etl JSON lines (enriched: inputs carry value, addresses and type) of
    :func:`tracer.heuristics.examples.tx` transactions; every input names the output it spends."""
    made = {}  # (address, value) -> outpoints not yet spent, to name what each input spends
    lines = []
    for t in txs:
        inputs = []
        for i, item in enumerate(t["inputs"]):
            address, value = item[0], item[1]
            spent = item[2] if len(item) > 2 else (made.get((address, value)) or [f"{'0' * 63}{i}:0"]).pop(0)
            h, vout = spent.rsplit(":", 1)
            inputs.append({"index": i, "spent_transaction_hash": h, "spent_output_index": int(vout),
                           "script_asm": "", "script_hex": "", "sequence": t["sequence"], "required_signatures": 1,
                           "type": _type(address), "addresses": [address], "value": value})
        outputs = []
        for i, (address, value) in enumerate(t["outputs"]):
            made.setdefault((address, value), []).append(f"{t['hash']}:{i}")
            outputs.append({"index": i, "script_asm": "", "script_hex": "", "required_signatures": 1,
                            "type": _type(address), "addresses": [address], "value": value})
        total_in, total_out = sum(x["value"] for x in inputs), sum(x["value"] for x in outputs)
        lines.append({"hash": t["hash"], "size": 200, "virtual_size": 150, "version": t["version"],
                      "lock_time": t["locktime"], "block_number": t["block"], "block_hash": f"b{t['block']}",
                      "block_timestamp": t["time"], "is_coinbase": not inputs, "index": len(lines),
                      "inputs": inputs, "outputs": outputs, "input_count": len(inputs), "output_count": len(outputs),
                      "input_value": total_in, "output_value": total_out, "fee": total_in - total_out if inputs else 0})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))


TX_COLUMNS = ["hash", "nonce", "block_hash", "block_number", "transaction_index", "from_address", "to_address",
              "value", "gas", "gas_price", "input", "block_timestamp", "receipt_gas_used", "receipt_status",
              "receipt_effective_gas_price"]
TRACE_COLUMNS = ["transaction_hash", "transaction_index", "from_address", "to_address", "value", "input", "output",
                 "trace_type", "call_type", "reward_type", "gas", "gas_used", "subtraces", "trace_address", "error",
                 "status", "block_number", "block_timestamp", "block_hash", "trace_id"]


def write_ethereum_etl(folder, txs):
    """ethereum-etl ``transactions.csv`` (receipt fields inline) and ``traces.csv`` of dicts
    ``{hash, block, from, to, value, internal: [(from, to, value)], gas_price}``."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "transactions.csv", "w", newline="") as f, open(folder / "traces.csv", "w", newline="") as g:
        tw, gw = csv.writer(f), csv.writer(g)
        tw.writerow(TX_COLUMNS)
        gw.writerow(TRACE_COLUMNS)
        for k, t in enumerate(txs):
            ts = START + 12 * t["block"]
            price = t.get("gas_price", 10**9)
            tw.writerow([t["hash"], k, f"0xb{t['block']}", t["block"], k, t["from"], t["to"], t.get("value", 0),
                         100_000, price, "0x", ts, 21_000, 1, price])
            gw.writerow([t["hash"], k, t["from"], t["to"], t.get("value", 0), "0x", "0x", "call", "call", "",
                         100_000, 21_000, len(t.get("internal", ())), "", "", 1, t["block"], ts, f"0xb{t['block']}",
                         f"call_{t['hash']}_"])
            for j, (a, b, v) in enumerate(t.get("internal", ())):
                gw.writerow([t["hash"], k, a, b, v, "0x", "0x", "call", "call", "", 2_300, 0, 0, str(j), "", 1,
                             t["block"], ts, f"0xb{t['block']}", f"call_{t['hash']}_{j}"])
