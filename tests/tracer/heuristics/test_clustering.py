import json

import tracer.load
from tracer.heuristics import cluster, multi_input
from tracer.heuristics.examples import tx, utxo

from .test_coinjoin import WHIRLPOOL
from pathlib import Path

DATA = Path(__file__).parents[1] / "data"


def test_co_spent_addresses_join_transitively():
    t = utxo(tx("t1", [("a", 5_000), ("b", 5_000)], [("x", 9_900)]),
             tx("t2", [("b", 1_000), ("c", 1_000), ("c", 2_000)], [("y", 3_900)], block=2),
             tx("t3", [("d", 1_000)], [("e", 900)], block=3))
    c = cluster(t)
    assert c.of("c") == ["a", "b", "c"] and c.of("d") == ["d"]
    assert c.of(" `c` ") == ["a", "b", "c"]  # as copied from a table
    e = multi_input(t)
    assert e[["a", "b", "txs"]].values.tolist() == [["a", "b", ("t1",)], ["b", "c", ("t2",)]]  # c once


def test_an_address_copied_in_upper_case_finds_its_cluster():
    a, b = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"  # BIP 173
    c = cluster(utxo(tx("t1", [(a, 5_000), (b, 5_000)], [("x", 9_900)])))
    assert c.of(a.upper()) == c.of(a) == sorted([a, b])


def test_coinjoins_are_left_out_and_listed():
    t = utxo(WHIRLPOOL, tx("t2", [("premix0", 4_000), ("z", 4_000)], [("q", 7_900)], block=2))
    c = cluster(t)
    assert c.of("premix1") == ["premix1"]  # the round joins nobody
    assert c.of("z") == ["premix0", "z"]
    assert c.coinjoins["a"].tolist() == ["round"]
    kept = cluster(t, coinjoin_rule=None)
    assert len(kept.of("premix1")) == 6  # what clustering gets wrong without the exclusion


def test_evidence_of_other_heuristics_joins_clusters():
    from tracer.heuristics import evidence as E

    t = utxo(tx("t1", [("a", 5_000), ("b", 5_000)], [("x", 9_900)]))
    extra = E.frame([{"heuristic": "deposit_address", "link": E.SAME_OWNER, "chain": "bitcoin", "a": "b", "b": "k",
                      "confidence": E.HIGH, "reason": "r", "txs": ["t9"]},
                     {"heuristic": "bridge", "link": E.SAME_FUNDS, "chain": "bitcoin", "a": "a", "b": "zz",
                      "confidence": E.HIGH, "reason": "r", "txs": ["t9"]}])
    c = cluster(t, evidence=extra)
    assert c.of("a") == ["a", "b", "k"]  # same funds does not join owners


def test_to_dict_is_json():
    t = utxo(tx("t1", [("a", 5_000), ("b", 5_000)], [("x", 9_900)]), WHIRLPOOL)
    d = json.loads(json.dumps(cluster(t).to_dict()))
    assert d["clusters"][0]["id"] == 1
    assert [x["address"] for x in d["clusters"][0]["addresses"]] == ["a", "b"]
    assert d["clusters"][0]["evidence"][0]["txs"] == ["t1"]
    assert d["coinjoins"][0]["a"] == "round"


def test_real_bitcoin_etl_file():
    t = tracer.load.load(DATA / "bitcoin_etl" / "mainnet")
    assert cluster(t).members.empty  # one input each: nothing to join (and coinbases have none)
