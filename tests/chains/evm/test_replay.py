import json

import pytest

from chains.evm import Genesis, ReplayLog, funded_genesis


def test_genesis_json_round_trip():
    genesis, _ = funded_genesis(accounts=3, chain_id=99, timestamp=1_800_000_000)
    assert Genesis.from_geth_json(json.loads(genesis.dumps())) == genesis


def test_genesis_rejects_bad_values():
    with pytest.raises(ValueError, match="chain_id must be a non-negative integer"):
        Genesis(chain_id=-1)
    with pytest.raises(ValueError, match="balance of 0xabc must be a non-negative integer"):
        Genesis(alloc={"0xabc": 1.5})


@pytest.mark.parametrize(("lines", "message"), [
    ([], "empty replay log"),
    (['{"kind": "block", "number": 1, "timestamp": 5, "txs": []}'], "line 1: .*before the genesis"),
    (["GENESIS", '{"kind": "block", "number": 2, "timestamp": 5, "txs": []}'], "line 2: .*block 2 where block 1"),
    (["GENESIS", '{"kind": "block", "number": 1, "timestamp": 5, "txs": ["0xzz"]}'], "line 2: malformed"),
    (["GENESIS", "not json"], "line 2: malformed"),
    (["GENESIS", '{"kind": "uncle"}'], "unknown kind 'uncle'"),
])
def test_malformed_logs_name_the_line(tmp_path, lines, message):
    genesis = json.dumps({"kind": "genesis", "genesis": funded_genesis(accounts=1)[0].to_geth_json()})
    path = tmp_path / "replay.jsonl"
    path.write_text("\n".join(genesis if line == "GENESIS" else line for line in lines) + "\n")
    with pytest.raises(ValueError, match=message):
        ReplayLog.read(path)


def test_write_is_atomic(tmp_path):
    log = ReplayLog(funded_genesis(accounts=1)[0])
    path = log.write(tmp_path / "replay.jsonl")
    assert ReplayLog.read(path).dumps() == log.dumps()
    assert not list(tmp_path.glob("*.tmp"))
