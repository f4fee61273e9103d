"""bitcoin-etl exports (golden files), the replay log, and determinism."""
import hashlib
import json
import os
from pathlib import Path

import pytest

from chains.utxo.demo import demo_ledger
from chains.utxo.etl_schema import BLOCK_FIELDS, INPUT_FIELDS, OUTPUT_FIELDS, TRANSACTION_FIELDS
from chains.utxo.export import export_jsonl
from chains.utxo.replay import ReplayError, read_replay, write_replay

from .conftest import MNEMONIC, START

GOLDEN = Path(__file__).parent / "golden"
# The golden range: the lab wallet's coinbase of block 1 and the demo's payments (106..108).
RANGES = {"early": (0, 1), "payments": (106, 108)}


@pytest.mark.parametrize("name", sorted(RANGES))
def test_golden_exports(demo, tmp_path, name):
    start, end = RANGES[name]
    blocks, txs = tmp_path / "blocks.jsonl", tmp_path / "transactions.jsonl"
    export_jsonl(demo, blocks, txs, start, end)
    for path in (blocks, txs):
        golden = GOLDEN / f"{name}_{path.name}"
        if os.environ.get("TRACELAB_UPDATE_GOLDEN"):
            golden.write_bytes(path.read_bytes())
        assert path.read_bytes() == golden.read_bytes(), f"{golden} differs"


def test_export_fields_and_value_identities(demo, tmp_path):
    blocks, txs = tmp_path / "b.jsonl", tmp_path / "t.jsonl"
    nb, nt = export_jsonl(demo, blocks, txs)
    block_rows = [json.loads(line) for line in blocks.read_text().splitlines()]
    tx_rows = [json.loads(line) for line in txs.read_text().splitlines()]
    assert len(block_rows) == nb == demo.height + 1 and len(tx_rows) == nt
    assert all(tuple(b) == BLOCK_FIELDS for b in block_rows)
    for row in tx_rows:
        assert tuple(row) == TRANSACTION_FIELDS
        assert all(tuple(i) == INPUT_FIELDS for i in row["inputs"])
        assert all(tuple(o) == OUTPUT_FIELDS for o in row["outputs"])
        assert row["input_value"] == sum(i["value"] for i in row["inputs"])
        assert row["output_value"] == sum(o["value"] for o in row["outputs"])
        if row["is_coinbase"]:
            assert row["inputs"] == [] and row["fee"] == 0
        else:
            assert row["fee"] == row["input_value"] - row["output_value"] > 0
            assert row["fee"] == demo.fees[row["hash"]]
    # Every satoshi paid out by coinbases after genesis is still somewhere (value conservation).
    spent = {(i["spent_transaction_hash"], i["spent_output_index"])
             for row in tx_rows for i in row["inputs"]}
    unspent = sum(o["value"] for row in tx_rows[1:] for o in row["outputs"]
                  if (row["hash"], o["index"]) not in spent)
    assert unspent == sum(c.value for c in demo.utxos.values())
    witness_commitment = tx_rows[1]["outputs"][1]
    assert witness_commitment["type"] == "nonstandard"
    assert witness_commitment["addresses"][0].startswith("nonstandard")


def test_replay_rebuilds_exactly(demo, tmp_path):
    log = tmp_path / "replay.jsonl"
    assert write_replay(demo, log) == demo.height
    rebuilt = read_replay(log)
    assert [b.hash for b in rebuilt.blocks] == [b.hash for b in demo.blocks]
    assert rebuilt.utxos == demo.utxos
    lines = log.read_text().splitlines()
    item = json.loads(lines[107])
    item["raw"] = item["raw"][:-2] + ("00" if item["raw"][-2:] != "00" else "01")
    lines[107] = json.dumps(item)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReplayError, match=r"bad.jsonl:108"):
        read_replay(bad)


def test_same_inputs_same_bytes(tmp_path):
    def digest(ledger, folder):
        folder.mkdir()
        export_jsonl(ledger, folder / "b", folder / "t")
        write_replay(ledger, folder / "r")
        return [hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in "btr"]
    one = digest(demo_ledger(MNEMONIC, START, seed=1), tmp_path / "one")
    two = digest(demo_ledger(MNEMONIC, START, seed=1), tmp_path / "two")
    later = digest(demo_ledger(MNEMONIC, START + 1, seed=1), tmp_path / "later")
    assert one == two
    assert one != later
