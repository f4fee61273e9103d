import json

from click.testing import CliRunner

from chains.evm import EvmChain
from chains.export_cmd import export
from chains.utxo.demo import demo_ledger
from chains.utxo.replay import write_replay


def test_export_evm_replay(tmp_path):
    with EvmChain.start("pyevm", accounts=2) as chain:
        h = chain.send(chain.accounts[0], chain.accounts[1].address, value=7)
        chain.mine()
        log = chain.write_replay(tmp_path / "replay.jsonl")
    r = CliRunner().invoke(export, [str(log), "--out", str(tmp_path / "out"), "--backend", "pyevm"])
    assert r.exit_code == 0, r.output
    assert "note: the pyevm backend has no trace API" in r.output
    rows = (tmp_path / "out" / "transactions.csv").read_text().splitlines()
    assert rows[0].startswith("hash,nonce,block_hash")
    assert any(row.startswith("0x" + h.hex()) and ",7," in row for row in rows[1:])


def test_export_utxo_replay(tmp_path):
    ledger = demo_ledger("abandon " * 11 + "about", 1_767_225_600)
    write_replay(ledger, tmp_path / "btc.jsonl")
    r = CliRunner().invoke(export, [str(tmp_path / "btc.jsonl"), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    blocks = (tmp_path / "out" / "blocks.jsonl").read_text().splitlines()
    assert len(blocks) == ledger.height + 1
    assert json.loads(blocks[-1])["hash"] == ledger.tip.hash


def test_export_rejects_other_files(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"hello": 1}\n')
    r = CliRunner().invoke(export, [str(bad), "--out", str(tmp_path / "out")])
    assert r.exit_code == 1
    assert "neither an EVM genesis nor a UTXO replay header" in r.output


def test_export_names_a_first_line_that_is_not_json(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text("not json\n")
    r = CliRunner().invoke(export, [str(bad), "--out", str(tmp_path / "out")])
    assert r.exit_code == 1 and "line 1 is neither an EVM genesis nor a UTXO replay header" in r.output
    assert not (tmp_path / "out").exists()
