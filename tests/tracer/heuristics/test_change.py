from pathlib import Path

import pytest

import tracer.load
from tracer.heuristics.change import change, unique_change, vote
from tracer.heuristics.evidence import MissingColumnError
from tracer.heuristics.examples import tx, utxo

from .test_coinjoin import JOINMARKET

DATA = Path(__file__).parents[1] / "data"
WPKH, PKH = "witness_v0_keyhash", "pubkeyhash"


def outputs(t, name, **kw):
    return change(t, name, **kw)["output"].tolist()


def test_address_reuse():
    pos = tx("t1", [("alice", 10_000_000)], [("shop", 6_000_000), ("alice", 3_990_000)])
    neg = tx("t2", [("bob", 10_000_000)], [("shop", 6_000_000), ("bob2", 3_990_000)], block=2)
    both = tx("t3", [("carl", 10_000_000), ("dora", 1_000)], [("carl", 6_000_000), ("dora", 3_990_000)], block=3)
    assert outputs(utxo(pos, neg, both), "address_reuse") == ["t1:1"]


def test_address_reuse_on_mainnet_block_170():
    # Satoshi paid Hal Finney 10 BTC and took 40 BTC back to the same key
    t = tracer.load.load(DATA / "bitcoin_etl" / "mainnet")
    e = change(t, "address_reuse")
    assert e["output"].tolist() == ["f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16:1"]
    assert e.loc[0, "b"] == "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
    assert change(t, "power_of_ten_value").empty  # 10 and 40 BTC are both round
    # and where a rule is wrong: Hal's address was new, Satoshi's was not, so the fresh-address rule
    # (and BlockSci's legacy rule with it) names the payment as the change
    hal = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16:0"
    assert change(t, "client_change_address_behavior")["output"].tolist() == [hal]
    assert change(t, "legacy")["output"].tolist() == [hal]
    assert change(t, "vote").empty  # the rules disagree


def test_address_type_needs_its_column_and_then_finds_the_one_of_the_inputs_type():
    pos = tx("t1", [("w1", 10_000_000)], [("legacy", 6_000_000), ("w2", 3_990_000)])
    same = tx("t2", [("w3", 10_000_000)], [("w4", 6_000_000), ("w5", 3_990_000)], block=2)
    mixed = tx("t3", [("w6", 5_000_000), ("l2", 5_000_000)], [("legacy3", 6_000_000), ("w7", 3_990_000)], block=3)
    plain = utxo(pos, same, mixed)
    with pytest.raises(MissingColumnError, match=r"'script_type'.*extra=True"):
        change(plain, "address_type")
    types = {a: (PKH if a.startswith("l") else WPKH) for a in
             ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "legacy", "l2", "legacy3"]}
    assert outputs(utxo(pos, same, mixed, types=types), "address_type") == ["t1:1"]


def test_optimal_change():
    pos = tx("t1", [("a", 5_000_000), ("b", 4_000_000)], [("shop", 7_000_000), ("a2", 1_990_000)])
    neg = tx("t2", [("c", 5_000_000), ("d", 4_000_000)], [("shop", 4_500_000), ("c2", 4_490_000)], block=2)
    assert outputs(utxo(pos, neg), "optimal_change") == ["t1:1"]


def test_power_of_ten_value_and_its_digits():
    t = utxo(tx("t1", [("a", 10_000_000)], [("shop", 3_000_000), ("a2", 6_990_000)]),
             tx("t2", [("b", 10_000_000)], [("shop", 3_100_000), ("b2", 6_890_000)], block=2))
    assert outputs(t, "power_of_ten_value") == ["t1:1"]
    assert outputs(t, "power_of_ten_value", digits=5) == ["t1:1", "t2:1"]


def test_locktime_and_version_read_the_spending_transaction():
    # t1 sets nLockTime; its output 0 is spent by a wallet that does not, output 1 by one that does
    t = utxo(tx("t1", [("a", 10_000_000)], [("shop", 6_000_000), ("a2", 3_990_000)], locktime=100),
             tx("s0", [("shop", 6_000_000)], [("x", 5_990_000)], block=2, locktime=0, version=1),
             tx("s1", [("a2", 3_990_000)], [("y", 3_980_000)], block=2, locktime=101), extra=True)
    e = change(t, "locktime")
    assert e["output"].tolist() == ["t1:1"] and e.loc[0, "txs"] == ("t1", "s1")
    assert outputs(t, "version") == ["t1:1"]
    with pytest.raises(MissingColumnError, match="'locktime'"):
        change(utxo(tx("t", [("a", 10)], [("b", 5), ("c", 4)])), "locktime")


def test_client_change_address_behavior():
    t = utxo(tx("t0", [("x", 10_000_000)], [("shop", 1_000_000), ("x2", 8_990_000)]),
             tx("t1", [("x2", 8_990_000)], [("shop", 2_000_000), ("fresh", 6_980_000)], block=2),
             tx("t2", [("y", 5_000_000)], [("new1", 2_000_000), ("new2", 2_990_000)], block=3))
    assert outputs(t, "client_change_address_behavior") == ["t1:1"]  # t0: both new; t2: both new


def test_peeling_chain():
    # BlockSci counts an unspent output as a candidate: only h3, whose peel was spent, has one
    t = utxo(tx("h1", [("src", 100_000)], [("p1", 10_000), ("c1", 89_000)]),
             tx("h2", [("c1", 89_000)], [("p2", 12_000), ("c2", 76_000)], block=2),
             tx("h3", [("c2", 76_000)], [("p3", 15_000), ("c3", 60_000)], block=3),
             tx("p", [("p3", 15_000)], [("shop", 5_000), ("shop2", 9_000), ("shop3", 900)], block=4))
    assert outputs(t, "peeling_chain") == ["h3:1"]
    # the exchange sweeps the peels it got: h1 and h2 have theirs spent by a transaction of another shape
    sweep = tx("sweep", [("p1", 10_000), ("p2", 12_000)], [("hot", 21_000)], block=5)
    e = change(utxo(
        tx("h1", [("src", 100_000)], [("p1", 10_000), ("c1", 89_000)]),
        tx("h2", [("c1", 89_000)], [("p2", 12_000), ("c2", 76_000)], block=2),
        tx("h3", [("c2", 76_000)], [("p3", 15_000), ("c3", 60_000)], block=3), sweep), "peeling_chain")
    assert e["output"].tolist() == ["h1:1", "h2:1"]  # h3: both unspent
    assert e.loc[0, "txs"] == ("h1", "h2")
    lone = utxo(tx("x1", [("s", 100_000)], [("p", 10_000), ("c", 89_000)]))
    assert outputs(lone, "peeling_chain") == []  # one transaction of the shape is no chain


def test_coinjoins_and_single_output_transactions_have_no_change():
    t = utxo(JOINMARKET, tx("one", [("a", 5_000_000)], [("a", 4_990_000)], block=2))
    for name in ("address_reuse", "optimal_change", "power_of_ten_value", "client_change_address_behavior"):
        assert outputs(t, name) == [], name


def test_combinations():
    t = utxo(tx("t0", [("z", 9_000_000)], [("shop", 8_990_000)]),
             tx("t1", [("a", 5_000_000), ("b", 4_000_000)], [("shop", 7_000_000), ("a2", 1_990_000)], block=2),
             tx("t2", [("c", 5_000_000), ("c", 4_000_000)], [("d", 6_000_000), ("c", 2_990_000)], block=3))
    # t2: c is change (reused), smaller than an input and not round; but d is the fresh address
    assert outputs(t, "legacy") == ["t1:1"]
    both = unique_change(t, ["optimal_change", "power_of_ten_value"])
    assert both["output"].tolist() == ["t1:1", "t2:1"]
    assert both.loc[0, "heuristic"] == "change.optimal_change&power_of_ten_value"
    v = vote(t)
    assert dict(zip(v["output"], v["confidence"], strict=True)) == {"t1:1": "high"}  # t2: fresh address disagrees
    assert "3 heuristics" in v.loc[0, "reason"]


def test_vote_needs_agreement():
    # round values name output 1, fresh address names output 0: they disagree
    t = utxo(tx("t0", [("z", 2_000_000)], [("b", 1_990_000)]),
             tx("t1", [("a", 9_000_000)], [("new", 5_000_000), ("b", 3_990_000)], block=2))
    assert outputs(t, "power_of_ten_value") == ["t1:1"]
    assert outputs(t, "client_change_address_behavior") == ["t1:0"]
    assert vote(t).empty


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown change heuristic 'round'"):
        change(utxo(tx("t", [("a", 10)], [("b", 5)])), "round")
