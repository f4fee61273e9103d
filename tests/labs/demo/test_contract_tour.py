import json
import re

import pytest
from click.testing import CliRunner

from chains.evm import find_anvil
from labs.demo import demo
from labs.demo.contract_tour import ETH, USD, run_tour
from labs.units import decimals_of, fmt

BACKENDS = ["pyevm"] + (["anvil"] if find_anvil() else [])


@pytest.mark.parametrize("backend", BACKENDS)
def test_contract_story(backend):
    result = run_tour(backend)
    assert len(result.steps) == 12
    assert all(len(h) == 66 and h.startswith("0x") for _, _, h in result.steps)
    bal = {(c, who, unit.split()[0]): amount for c, who, _, amount, unit in result.balances}
    assert bal[("A", "platform", "LUSD")] == 0               # frozen, then seized
    assert bal[("A", "custody", "LUSD")] == 0                 # ... and paid out by 2 of 3 officers
    assert bal[("A", "restitution account", "LUSD")] == 20_000 * USD
    assert bal[("A", "mixer", "wei")] == 0                    # the one note was withdrawn
    assert bal[("A", "bridge (locked)", "wei")] == 9 * ETH // 10
    assert bal[("B", "fresh address", "bETH")] == 9 * ETH // 10  # minted 1:1 on the other chain


def test_demo_cli(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    # a narrow terminal: every hash and address still printed whole, nothing cut or wrapped
    result = CliRunner().invoke(demo, ["--out", str(tmp_path)], env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert "…" not in result.output
    assert {len(h) for h in re.findall(r"\b0x[0-9a-fA-F]+", result.output)} == {42, 66}
    summary = json.loads((tmp_path / "contract-story.json").read_text())
    assert len(summary["steps"]) == 12
    for step in summary["steps"]:
        assert step["tx"] in result.output
    # then a catalog case, generated and verified, its key beside the bundle
    assert (tmp_path / "case" / "MANIFEST.sha256").is_file()
    assert (tmp_path / "case.key" / "key.json").is_file()
    assert "verified: manifest, replay logs and exports agree" in result.output
    # and traced with the tracer from the reported payments: a report whose rows name real transactions
    report = (tmp_path / "report.md").read_text()
    assert "MANIFEST.sha256 hashes to" in report
    exported = "".join(p.read_text() for p in (tmp_path / "case" / "exports").rglob("transactions.*"))
    rows = [line for line in report.splitlines() if line.startswith("| `")]
    hashes = {h for line in rows for h in re.findall(r"`((?:0x)?[0-9a-f]{64})`", line)}
    assert rows and hashes
    assert all(h in exported for h in hashes)
    # and it says what the trace rests on: here an exact rule throughout, entries read from the data
    assert "## What this trace relies on" in report
    assert "No heuristic: every flow follows an exact rule over the data" in report
    assert "entry address(es) read from the data alone" in report
    assert "20,000 LUSD" in result.output
    truth = json.loads((tmp_path / "case.key" / "key.json").read_text())
    assert truth["cashouts"]
    for co in truth["cashouts"]:  # in whole units of the asset's own decimals (BTC: 8), to the last unit
        said = f"cash-out: {fmt(int(co['amount']), decimals_of(co['asset']), co['asset'])} to {co['address']} "
        assert said in result.output and co["tx"] in result.output
