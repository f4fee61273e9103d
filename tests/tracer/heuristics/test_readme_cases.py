"""The README's heuristics examples, on the example specs they generate (docs/examples/): a trace that
follows a peel chain's change, an instant swap and a bridge, and mixer linking without a relayer."""
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from labs.bundle import write_bundle
from labs.cli import cli
from labs.evaluate import Truth, score
from labs.scenario import run_case
from labs.spec import load_spec
from tracer.heuristics import load, run
from tracer.load.tagpack import load_tagpacks
from tracer.transfers import whole_units

pytestmark = pytest.mark.xdist_group("readme-cases")  # one worker: each case made once
EXAMPLES = Path(__file__).parents[3] / "docs" / "examples"
PRICES = ["--price", "BTC=60000", "--price", "ETH=3000"]


def _make(tmp_path_factory, name):
    out = tmp_path_factory.mktemp(name)
    with run_case(load_spec(EXAMPLES / f"{name}.toml")) as c:
        return write_bundle(c, out / "case", out / "case.key")


@pytest.fixture(scope="module")
def psb(tmp_path_factory):
    return _make(tmp_path_factory, "peel-swap-bridge")


def _first_payment(bundle):
    """What the README's grep takes from the brief: the first reported payment, HASH:VOUT."""
    hash_, vout = re.search(r"`([0-9a-f]{64})` \| (\d+)", (bundle / "brief.md").read_text()).groups()
    return f"{hash_}:{vout}"


def test_a_trace_follows_change_the_swap_and_the_bridge(psb):
    bundle, key = psb
    args = ["trace", "--data", str(bundle), "--tx", _first_payment(bundle), "--rule", "haircut", "--hops", "4",
            "--follow", "change,swap,bridge", *PRICES]
    r = CliRunner().invoke(cli, [*args, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    legs = {g["leg"]: g for g in out["legs"]}
    # each leg carries on from its parent: a peel chain's change, then the swap, then the bridge
    chain_of_legs, g = [], legs[max(legs)]
    while g["parent"] is not None:
        chain_of_legs.insert(0, g["heuristic"])
        g = legs[g["parent"]]
    assert chain_of_legs[-2:] == ["swap", "bridge"] and chain_of_legs[0] in ("peel_chain", "change.vote",
                                                                             "change.address_reuse")
    for g in out["legs"][1:]:
        assert g["confidence"] in ("high", "medium", "low") and g["reason"]
        assert g["measured"].startswith("measured on ") and "precision" in g["measured"]
        hops = [h for h in out["hops"] if h["leg"] == g["leg"]]
        assert hops and all(f"followed by {g['heuristic']} ({g['confidence']})" in h["reason"] for h in hops)
    # where the value ends: an exchange on the second chain, reached by the bridge's leg
    last = [e for e in out["endpoints"] if e["leg"] == max(legs) and e["why"] == "attributed service"]
    assert last and last[0]["chain"] == "sidechain" and "Exchange" in last[0]["label"]
    truth = json.loads((key / "key.json").read_text())
    cash_out = [m for s in truth["steps"] if s["typology"] == "cash_out" for m in s["transactions"]]
    assert {m["recipient"].lower() for m in cash_out} & {h["to"] for h in out["hops"]}
    text = CliRunner().invoke(cli, args)
    assert text.exit_code == 0 and "swap" in text.output and "bridge" in text.output
    # amounts as an investigator reads them (bridged ETH has ETH's 18 decimals), not in base units
    assert whole_units(int(last[0]["amount"]), 18, last[0]["symbol"]) in text.output
    assert last[0]["amount"] not in text.output


def test_a_followed_trace_report_cites_each_heuristic_it_followed(psb, tmp_path):
    from tracer.heuristics.measured import cite, source

    bundle, _ = psb
    out = tmp_path / "report.md"
    r = CliRunner().invoke(cli, ["trace", "--data", str(bundle), "--tx", _first_payment(bundle), "--rule", "haircut",
                                 "--hops", "4", "--follow", "change,swap,bridge", *PRICES, "--report", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    heads = [line for line in text.splitlines() if line.startswith("## ")]
    assert heads == ["## The legs", "## Where the value stops", "## What this trace relies on"]
    assert "MANIFEST.sha256 hashes to" in text
    relies = text.split("## What this trace relies on")[1]
    for name in ("swap", "bridge"):
        assert f"| legs | `{name}` (" in relies and cite(name) in relies
    assert "| flows | no heuristic |" in relies and source() in relies


def test_follow_options_are_checked(psb):
    bundle, _ = psb
    base = ["trace", "--data", str(bundle), "--tx", _first_payment(bundle)]
    r = CliRunner().invoke(cli, [*base, "--follow", "change,teleport"])
    assert r.exit_code == 2 and "teleport" in r.output and "change, bridge, swap, cluster" in r.output
    r = CliRunner().invoke(cli, [*base, "--follow", "change", "--direction", "backward"])
    assert r.exit_code == 2 and "forward" in r.output
    r = CliRunner().invoke(cli, [*base, "--price", "BTC=60000"])
    assert r.exit_code == 2 and "--follow swap" in r.output


def test_mixer_linking_without_a_relayer(tmp_path_factory):
    bundle, key = _make(tmp_path_factory, "mixer-no-relayer")
    t = load(bundle / "exports")
    found = run(t, only=["mixer.gas_funding", "mixer.linked_addresses"],
                tags=load_tagpacks(bundle))
    s = score(found.evidence, Truth.read(key), t)
    tp, fp, _ = s["mixer.gas_funding"]
    assert tp > 0 and fp == 0   # every withdrawal address it names got its gas from a depositor of that money
