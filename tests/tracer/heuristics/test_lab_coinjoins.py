"""CoinJoin detection and exclusion on the lab's own CoinJoins (Whirlpool-shaped rounds among ordinary
users), read back from a generated bundle's bitcoin-etl export and checked against its key."""
import json

import pytest

from labs.bundle import write_bundle
from labs.evaluate import Truth, score
from labs.scenario import run_case
from labs.spec import load_spec
from tracer.heuristics import cluster, load, multi_input
from tracer.heuristics.coinjoin import coinjoins

SPEC = """name = "cj"
difficulty = "easy"
[chains.bitcoin]
kind = "utxo"
[world]
users = 30
[background]
transactions = 300
days = 4
[[story]]
typology = "ransomware_payment"
chain = "bitcoin"
amount_usd = 30000
[[story]]
typology = "coinjoin"
remixes = 1
outputs_max = 4
consolidate = {consolidate}
[[story]]
typology = "cash_out"
chain = "bitcoin"
"""


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    out = tmp_path_factory.mktemp("coinjoin")
    spec = load_spec("cj.toml", text=SPEC.format(consolidate="false")).with_seed(6)
    with run_case(spec) as c:
        bundle, key = write_bundle(c, out / "case", out / "case.key")
    rounds = [json.loads(line) for line in (key / "coinjoins.jsonl").read_text().splitlines()]
    return load(bundle / "exports"), rounds, Truth.read(key)


def test_every_round_is_detected(case):
    t, rounds, _ = case
    assert len(rounds) >= 4
    assert {r["tx"] for r in rounds} <= set(coinjoins(t)["a"])


def test_rounds_join_no_one(case):
    t, rounds, truth = case
    kept, joined = cluster(t), cluster(t, coinjoin_rule=None)
    spends = t[t["kind"] == "utxo"]
    for r in rounds:
        addresses = spends[spends["to"] == r["tx"]]["from"].tolist()
        assert len(addresses) == len(r["inputs"])
        # five owners: left out, the round's inputs stay in five clusters; kept in, they become one
        assert len({tuple(kept.of(a)) for a in addresses}) == len(addresses)
        assert len({tuple(joined.of(a)) for a in addresses}) == 1
    # scored against the key: with the exclusion every multi-input link is one owner's; without, not
    assert score(multi_input(t), truth, t)["multi_input"][1] == 0
    assert score(multi_input(t, coinjoin_rule=None), truth, t)["multi_input"][1] > 0
