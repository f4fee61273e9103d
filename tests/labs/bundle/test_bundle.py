"""Bundles: byte-identical for a seed, the key kept apart, every key fact in the exports."""
import csv
import json

import pytest
from click.testing import CliRunner

from labs.bundle import check_manifest, write_bundle
from labs.errors import BundleError
from labs.scenario import run_case
from labs.cli.scenario import scenario
from labs.spec import load_spec
from labs.bundle.verify import verify_bundle

from ..specs import spec_text

SPEC = spec_text("bundle-small", [
    {"typology": "investment_fraud_collection", "victims": 2, "days": 2}, {"typology": "fan_in"},
    {"typology": "cash_out"}], summary="A small case for the bundle tests.")


def make(tmp_path, seed=4, name="case"):
    spec = load_spec("t.toml", text=SPEC).with_seed(seed)
    with run_case(spec) as case:
        return write_bundle(case, tmp_path / name)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return make(tmp_path_factory.mktemp("b"))


def test_layout_and_manifest(bundle):
    out, key = bundle
    assert key == out.with_name(out.name + ".key")
    for rel in ("brief.md", "bundle.json", "tags/services.yaml", "chains/ethereum/replay.jsonl",
                "exports/ethereum/transactions.csv", "exports/ethereum/blocks.csv", "MANIFEST.sha256"):
        assert (out / rel).is_file(), rel
    assert check_manifest(out) == []
    assert check_manifest(key) == []
    assert not (out / "spec.json").exists(), "the spec names every step: it belongs with the key"
    for rel in ("key.json", "spec.json", "actors.json", "addresses.jsonl"):
        assert (key / rel).is_file(), rel


def test_key_is_nowhere_in_the_bundle(bundle):
    out, key = bundle
    actors = json.loads((key / "actors.json").read_text())
    secrets = [a["mnemonic"] for a in actors.values()]
    truth = json.loads((key / "key.json").read_text())
    secrets += [c["kyc"]["name"] for c in truth["cashouts"] if "kyc" in c]
    perp_addresses = [a for chains in truth["clusters"].values() for addrs in chains.values() for a in addrs]
    text = "\n".join(p.read_text(errors="ignore") for p in out.rglob("*") if p.is_file())
    for s in secrets:
        assert s not in text
    tags = (out / "tags" / "services.yaml").read_text().lower()
    assert not any(a.lower() in tags for a in perp_addresses), "perpetrators are never tagged"


def test_every_key_fact_is_in_the_exports(bundle):
    out, key = bundle
    truth = json.loads((key / "key.json").read_text())
    with open(out / "exports/ethereum/transactions.csv", newline="") as fh:
        txs = {r["hash"]: r for r in csv.DictReader(fh)}
    addresses = {r["from_address"] for r in txs.values()} | {r["to_address"] for r in txs.values()}
    for step in truth["steps"]:
        for move in step["transactions"]:
            assert move["tx"] in txs
            assert move["sender"].lower() in addresses
    for victim in truth["victims"]:
        row = txs[victim["tx"]]
        assert int(row["value"]) == int(victim["amount"])
    for co in truth["cashouts"]:
        assert txs[co["tx"]]["from_address"] == co["from"].lower()


def test_same_seed_same_bytes_other_seed_other_case(tmp_path, bundle):
    out, _ = bundle
    again, _ = make(tmp_path, seed=4, name="again")
    assert (again / "MANIFEST.sha256").read_text() == (out / "MANIFEST.sha256").read_text()
    other, _ = make(tmp_path, seed=5, name="other")
    assert (other / "MANIFEST.sha256").read_text() != (out / "MANIFEST.sha256").read_text()


BOTH_CHAINS = spec_text("both-chains", [
    {"typology": "ransomware_payment", "chain": "bitcoin", "amount_usd": 60000},
    {"typology": "peel_chain", "hops": 3}, {"typology": "cash_out", "chain": "bitcoin"}],
    chains=("ethereum", "bitcoin"), users=12, transactions=80, days=2)


def test_same_seed_same_bytes_across_processes(tmp_path):
    """Hash seeds, signatures and wall-clock time must not leak into a bundle: two interpreters
    with different PYTHONHASHSEED write the same bytes for both chain kinds."""
    import os
    import subprocess
    import sys

    spec = tmp_path / "s.toml"
    spec.write_text(BOTH_CHAINS)
    runs = []
    for hashseed in ("1", "2"):
        out = tmp_path / f"run{hashseed}"
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        runs.append((out, subprocess.Popen(
            [sys.executable, "-m", "labs.cli", "scenario", "new", str(spec), "--seed", "9",
             "--out", str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)))
    for out, proc in runs:
        assert proc.wait(timeout=600) == 0, proc.stdout.read().decode()
    manifests = [(out / "MANIFEST.sha256").read_text() for out, _ in runs]
    assert "chains/bitcoin/replay.jsonl" in manifests[0]
    assert manifests[0] == manifests[1]
    keys = [(out.with_name(out.name + ".key") / "MANIFEST.sha256").read_text() for out, _ in runs]
    assert keys[0] == keys[1]


def test_verify_and_tampering(tmp_path, bundle):
    out, _ = bundle
    assert verify_bundle(out) == []
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    path = copy / "exports/ethereum/transactions.csv"
    path.write_text(path.read_text().replace(",1,", ",2,", 1))
    problems = verify_bundle(copy)
    assert any("transactions.csv: SHA-256 differs" in p for p in problems)
    assert any("transactions.csv: differs from what the replayed chain exports" in p for p in problems)


def test_verify_on_another_backend_checks_the_chain_and_says_what_it_cannot_compare(tmp_path, bundle):
    from chains.evm import find_anvil
    from labs.bundle.verify import _export_backend

    out, _ = bundle
    made_on = _export_backend(out / "exports" / "ethereum")
    other = "pyevm" if made_on == "anvil" else "anvil"
    if other == "anvil" and not find_anvil():
        pytest.skip("anvil not installed")
    skipped = []
    assert verify_bundle(out, backend=other, skipped=skipped) == []
    assert skipped == [f"exports/ethereum: made on {made_on}, rebuilt on {other}: every block's transactions "
                       "checked, the files not compared (block hashes and traces differ between backends)"]
    # the chain itself is still checked: a replay log that does not rebuild is a problem
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    log = copy / "chains/ethereum/replay.jsonl"
    lines = log.read_text().splitlines()
    log.write_text("\n".join(lines[:-2] + lines[-1:]) + "\n")  # a block is gone: the next has the wrong number
    problems = verify_bundle(copy, backend=other)
    assert any("chains/ethereum/replay.jsonl: does not rebuild" in p and "was expected" in p for p in problems)


def test_existing_folder_is_not_overwritten(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    spec = load_spec("t.toml", text=SPEC)
    with run_case(spec) as case:
        with pytest.raises(BundleError, match="exists and is not empty"):
            write_bundle(case, tmp_path / "taken")
        with pytest.raises(BundleError, match="must not be inside each other"):
            write_bundle(case, tmp_path / "b", tmp_path / "b" / "key")
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"
    assert not list(tmp_path.glob(".*tmp*"))


def test_force_replaces_only_what_tracelab_made(tmp_path, bundle):
    """--force replaces a bundle (or key) tracelab wrote, or an empty folder; a user's file survives."""
    import shutil

    out, key = bundle
    spec = load_spec("t.toml", text=SPEC).with_seed(4)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "notes.txt").write_text("mine")
    mine = tmp_path / "mine"
    shutil.copytree(out, mine)
    (mine / "exports" / "my-analysis.csv").write_text("a,b\n")  # a trainee's file inside a bundle
    keyed = tmp_path / "keyed"
    shutil.copytree(out, keyed)
    with run_case(spec) as case:
        with pytest.raises(BundleError, match="is not a tracelab bundle .it has no MANIFEST.sha256."):
            write_bundle(case, notes, tmp_path / "k1", force=True)
        with pytest.raises(BundleError, match="exports/my-analysis.csv is not one of its files"):
            write_bundle(case, mine, tmp_path / "k2", force=True)
        with pytest.raises(BundleError, match="is not a tracelab key .its manifest lists no key.json."):
            write_bundle(case, tmp_path / "new", keyed, force=True)  # a bundle is no key
        assert not (tmp_path / "new").exists()
        (tmp_path / "empty").mkdir()
        write_bundle(case, tmp_path / "empty", tmp_path / "empty.key", force=True)
        replaced = write_bundle(case, tmp_path / "empty", tmp_path / "empty.key", force=True)
    assert (notes / "notes.txt").read_text() == "mine"
    assert (mine / "exports" / "my-analysis.csv").is_file()
    assert check_manifest(replaced[0]) == [] and check_manifest(replaced[1]) == []
    assert (replaced[0] / "MANIFEST.sha256").read_text() == (out / "MANIFEST.sha256").read_text()


def test_cli_new_and_verify(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC)
    runner = CliRunner()
    r = runner.invoke(scenario, ["new", str(spec), "--seed", "2", "--out", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "c.key" / "key.json").is_file()
    info = json.loads((tmp_path / "c" / "bundle.json").read_text())
    n, backend = info["transactions"]["ethereum"], info["backends"]["ethereum"]
    assert n > 30 and f"({n:,} transactions (ethereum {n:,} on {backend}))" in r.output
    r = runner.invoke(scenario, ["verify", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    assert f"checked {n:,} transactions (ethereum {n:,} on {backend})" in r.output
    bad = tmp_path / "bad.toml"
    bad.write_text(SPEC.replace('typology = "fan_in"', 'typology = "fan_inn"'))
    r = runner.invoke(scenario, ["new", str(bad), "--out", str(tmp_path / "d")])
    assert r.exit_code == 1 and "unknown typology 'fan_inn'" in r.output
    assert not (tmp_path / "d").exists()


def test_cli_a_story_that_cannot_be_played_says_why_and_writes_nothing(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.replace('[[story]]', '[[story]]\ntypology = "mixer"\n[[story]]', 1))
    out = tmp_path / "c"
    r = CliRunner().invoke(scenario, ["new", str(spec), "--out", str(out), "--backend", "pyevm"])
    assert r.exit_code == 1, r.output
    assert "story step 0 (mixer): no proceeds on ethereum to work on" in r.output
    assert "Traceback" not in r.output and r.exception.__class__ is SystemExit
    assert not out.exists() and not (tmp_path / "c.key").exists()


def test_cli_on_the_pure_python_evm_says_once_what_the_exports_lack(tmp_path):
    import warnings

    from chains.evm.export import MissingTracesWarning

    spec = tmp_path / "s.toml"
    spec.write_text(SPEC)
    runner = CliRunner()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = runner.invoke(scenario, ["new", str(spec), "--out", str(tmp_path / "c"), "--backend", "pyevm"])
        assert r.exit_code == 0, r.output
        assert r.output.count("note: ethereum ran on the pure-Python EVM, which has no trace API") == 1
        r = runner.invoke(scenario, ["verify", str(tmp_path / "c"), "--backend", "pyevm"])
        assert r.exit_code == 0, r.output
    # the raw warning would name a scratch folder that is gone by then
    assert not [w for w in caught if issubclass(w.category, MissingTracesWarning)]
