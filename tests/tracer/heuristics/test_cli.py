import json

import yaml
from click.testing import CliRunner

from labs.cli import cli
from tracer.heuristics import measured
from tracer.heuristics.examples import tx

from .exports import write_bitcoin_etl, write_ethereum_etl
from .test_coinjoin import WHIRLPOOL

E18 = 10**18
U, R, POOL, RELAYER, HOT, DEP, GAS = ("0x" + d * 40 for d in "1234567")


def bundle(tmp_path):
    """A folder laid out like a bundle: exports/<chain>/ and tags/services.yaml."""
    write_bitcoin_etl(tmp_path / "exports" / "bitcoin" / "transactions.json", [
        tx("c1", [("bc1qa", 5_000_000), ("bc1qb", 7_000_000)], [("bc1qshop", 6_000_000), ("bc1qa", 5_990_000)]),
        {**WHIRLPOOL, "block": 2},
        tx("t3", [("premix0", 3_000), ("bc1qz", 4_000)], [("bc1qy", 6_900)], block=3)])
    write_ethereum_etl(tmp_path / "exports" / "ethereum", [
        {"hash": "0x01", "block": 1, "from": U, "to": POOL, "value": E18},
        {"hash": "0x02", "block": 2, "from": GAS, "to": DEP, "value": 10**17},
        {"hash": "0x03", "block": 3, "from": GAS, "to": "0x" + "9" * 40, "value": 10**16},
        {"hash": "0x04", "block": 200, "from": RELAYER, "to": POOL, "internal": [(POOL, U, 997 * E18 // 1000),
                                                                               (POOL, RELAYER, 3 * E18 // 1000)]},
        {"hash": "0x05", "block": 210, "from": HOT, "to": DEP, "internal": [(DEP, HOT, 10**17)]},
    ])
    tags = {"title": "t", "creator": "tests", "source": "tests", "currency": "ETH", "tags": [
        {"address": POOL, "label": "Lab Mixer: 1 ETH pool", "category": "mixing_service"},
        {"address": RELAYER, "label": "Lab Mixer relayer", "category": "mixing_service"},
        {"address": HOT, "label": "Exchange: hot wallet", "category": "exchange"}]}
    (tmp_path / "tags").mkdir()
    (tmp_path / "tags" / "services.yaml").write_text(yaml.safe_dump(tags))
    return tmp_path


def test_cluster_json_lists_clusters_with_evidence_and_the_coinjoins_left_out(tmp_path):
    d = bundle(tmp_path)
    r = CliRunner().invoke(cli, ["cluster", "--data", str(d), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    members = [sorted(a["address"] for a in c["addresses"]) for c in out["clusters"]]
    assert members == [[DEP, GAS], ["bc1qa", "bc1qb"], ["bc1qz", "premix0"]]
    assert {e["heuristic"] for c in out["clusters"] for e in c["evidence"]} == {"multi_input", "deposit_address"}
    assert [c["a"] for c in out["coinjoins"]] == ["round"]
    assert "(the bundle's own; --tags to give others)" in r.stderr


def test_the_data_may_be_given_as_arguments(tmp_path):
    d = bundle(tmp_path)
    by_option = CliRunner().invoke(cli, ["heuristics", "--data", str(d), "--only", "coinjoin", "--json"])
    as_argument = CliRunner().invoke(cli, ["heuristics", str(d), "--only", "coinjoin", "--json"])
    assert as_argument.exit_code == 0 and json.loads(as_argument.stdout) == json.loads(by_option.stdout)
    assert CliRunner().invoke(cli, ["cluster", str(d / "exports" / "bitcoin")]).exit_code == 0


def test_cluster_table_and_keeping_coinjoins(tmp_path):
    d = bundle(tmp_path)
    r = CliRunner().invoke(cli, ["cluster", "--data", str(d / "exports" / "bitcoin"), "--coinjoin-rule", "none"])
    assert r.exit_code == 0, r.output
    assert "premix1" in r.stdout and "CoinJoin" not in r.stdout


def test_heuristics_json_and_only(tmp_path):
    d = bundle(tmp_path)
    r = CliRunner().invoke(cli, ["heuristics", "--data", str(d), "--only", "mixer", "--only", "change.address_reuse",
                                 "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    by = {e["heuristic"]: e for e in out["evidence"]}
    assert by["mixer.same_address"]["txs"] == ["0x01", "0x04"]
    assert by["change.address_reuse"]["output"] == "c1:1"
    assert set(by) == {"mixer.same_address", "change.address_reuse"}
    assert "mixer.unique_gas_price" not in out["skipped"] or "gas_price" in out["skipped"]["mixer.unique_gas_price"]
    # beside each row's confidence (the heuristic's own rule): how often it was right on the lab's cases
    assert out["measured"]["mixer.same_address"] == measured.cite("mixer.same_address")
    assert out["measured"]["mixer.same_address"].startswith("measured on ")


def test_heuristics_text_says_what_it_skipped(tmp_path):
    d = bundle(tmp_path)
    r = CliRunner().invoke(cli, ["heuristics", "--data", str(d / "exports"), "--only", "structuring",
                                 "--only", "coinjoin"])
    assert r.exit_code == 0, r.output
    assert "coinjoin: 1 row(s)" in r.stdout and "Whirlpool" in r.stdout
    assert measured.cite("coinjoin")[:60] in " ".join(r.stdout.split())
    assert "structuring: skipped" in r.stderr and "--price" in r.stderr


def test_bad_options_name_what_is_wrong(tmp_path):
    d = bundle(tmp_path)
    r = CliRunner().invoke(cli, ["heuristics", "--data", str(d), "--only", "peel"])
    assert r.exit_code == 2 and "unknown heuristic 'peel'" in r.output
    r = CliRunner().invoke(cli, ["heuristics", "--data", str(d), "--price", "BTC"])
    assert r.exit_code == 2 and "SYMBOL=PRICE" in r.output
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(cli, ["cluster", "--data", str(tmp_path / "empty")])
    assert r.exit_code == 1 and "no export files found" in r.output
