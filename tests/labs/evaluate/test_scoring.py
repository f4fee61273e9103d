"""Scoring on a hand-written key with known counts: each number below is counted by hand."""
import json

import pytest

from labs.evaluate.scoring import Truth, score
from tracer.heuristics import evidence as E
from tracer.heuristics.examples import combine, evm, send, tx, utxo

BTC, ETH = "bitcoin", "ethereum"


def _key(folder, tables, steps=()):
    folder.mkdir()
    index = {}
    for name, rows in tables.items():
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        index[name] = {"file": f"{name}.jsonl", "rows": len(rows)}
    (folder / "key.json").write_text(json.dumps({"tables": index, "steps": list(steps)}))
    return folder


@pytest.fixture
def case(tmp_path):
    """Transfers on two chains and a key folder that says who is who."""
    t = combine(
        utxo(tx("t1", [("a", 5_000), ("b", 5_000), ("c", 5_000)], [("shop", 11_000), ("a2", 3_900)]),
             tx("t2", [("x", 5_000), ("y", 5_000)], [("z", 9_900)], block=2),
             tx("t5", [("a2", 3_900)], [("a3", 2_000), ("mule", 1_800)], block=3),
             tx("t6", [("a3", 2_000)], [("a4", 1_900)], block=4)),
        evm(send("0xp", "0xdep", 10**18, tx="0xe1"), send("0xq", "0xdep", 10**18, tx="0xe2", block=2),
            send("0xp2", "0xdep", 10**18, tx="0xe3", block=3)))
    owners = [(BTC, "a", "alice"), (BTC, "b", "alice"), (BTC, "c", "carol"), (BTC, "x", "xavier"),
              (BTC, "y", "yann"), (BTC, "a2", "alice"), (BTC, "a3", "alice"), (ETH, "0xP", "pat"),
              (ETH, "0xp2", "pat"), (ETH, "0xq", "quinn"), (ETH, "0xu", "ursula"), (ETH, "0xr1", "ursula"),
              (ETH, "0xf", "ursula"), (ETH, "0xv", "vic"), (ETH, "0xr2", "wes")]
    tables = {
        "addresses": [{"chain": c, "address": a, "actor": who} for c, a, who in owners]
        + [{"chain": ETH, "address": "0xDEP", "actor": "exchange-1", "role": "deposit", "customer_actor": "pat"}],
        "utxo_transactions": [{"tx": "t1", "change": [1]}, {"tx": "t5", "change": [0]}, {"tx": "t6", "change": [0]},
                              {"tx": "t3", "change": []}],
        "coinjoins": [{"tx": "t3"}, {"tx": "t4"}],
        "mixer_notes": [
            {"chain": ETH, "deposit_from": "0xU", "recipient": "0xR1", "depositor": "ursula",
             "recipient_actor": "ursula", "withdraw_tx": "0xw1"},
            {"chain": ETH, "deposit_from": "0xv", "recipient": "0xr2", "depositor": "vic",
             "recipient_actor": "wes", "withdraw_tx": "0xw2"},
            {"chain": ETH, "deposit_from": "0xv", "recipient": None, "depositor": "vic", "withdraw_tx": None}],
        "bridge_transfers": [{"deposit_tx": "0xD1", "payout_tx": "0xp1"}, {"deposit_tx": "0xd2", "payout_tx": "0xp2"},
                             {"deposit_tx": "0xd3", "payout_tx": None}],
        "swap_orders": [{"btc_tx": "s1", "eth_tx": "0xS1"}, {"btc_tx": "s2", "eth_tx": None}],
    }
    steps = [{"typology": "fan_out", "transactions": [{"tx": "0xT7"}, {"tx": "0xt8"}]},
             {"typology": "peel_chain", "transactions": [{"tx": "t5"}]}]
    return t, Truth.read(_key(tmp_path / "case.key", tables, steps))


def test_read_spells_the_key_as_the_exports_do(case):
    _, truth = case
    assert truth.owner[(ETH, "0xp")] == "pat" and truth.customer == {(ETH, "0xdep"): "pat"}
    assert truth.change == {"t1:1", "t5:0", "t6:0"} and truth.coinjoins == {"t3", "t4"}
    assert truth.notes == {(ETH, "0xu", "0xr1"), (ETH, "0xv", "0xr2")}        # the unwithdrawn note is not one
    assert truth.bridges == {("0xd1", "0xp1"), ("0xd2", "0xp2")} and truth.swaps == {("s1", "0xs1")}
    assert truth.structuring == {"0xt7", "0xt8"} and truth.peel_change == {"t5:0"}


def row(heuristic, link, a, b=None, chain=BTC, output=None, txs=()):
    return {"heuristic": heuristic, "link": link, "chain": chain, "a": a, "b": b, "output": output, "txs": list(txs)}


def test_each_kind_of_claim_counted(case):
    t, truth = case
    rows = E.frame([
        row("multi_input", E.SAME_OWNER, "a", "b", txs=["t1"]),        # right
        row("multi_input", E.SAME_OWNER, "a", "c", txs=["t1"]),        # wrong: carol's
        row("multi_input", E.SAME_OWNER, "x", "y", txs=["t2"]),        # wrong: two people
        row("coinjoin", E.COINJOIN, "t3"), row("coinjoin", E.COINJOIN, "t1"),
        row("change.vote", E.CHANGE, "a", "shop", output="t1:0"),
        row("change.address_reuse", E.CHANGE, "a", "a2", output="t1:1"),
        row("peel_chain", E.PEEL, "a2", "a3", output="t5:0"), row("peel_chain", E.PEEL, "a", "a2", output="t1:1"),
        row("deposit_address", E.SAME_OWNER, "0xP", "0xdep", chain=ETH),
        row("deposit_address", E.SAME_OWNER, "0xq", "0xdep", chain=ETH),
        row("mixer.timing", E.SAME_FUNDS, "0xu", "0xr1", chain=ETH),
        row("mixer.timing", E.SAME_FUNDS, "0xu", "0xr2", chain=ETH),
        row("mixer.gas_funding", E.SAME_OWNER, "0xf", "0xr1", chain=ETH),
        row("mixer.linked_addresses", E.SAME_OWNER, "0xv", "0xr2", chain=ETH),
        row("mixer.linked_addresses", E.SAME_OWNER, "0xr1", "0xr2", chain=ETH),
        row("bridge", E.SAME_FUNDS, "x", "y", chain=ETH, txs=["0xd1", "0xP1"]),
        row("bridge", E.SAME_FUNDS, "x", "y", chain=ETH, txs=["0xd2", "0xp3"]),
        row("swap", E.SAME_FUNDS, "x", "y", txs=["s1", "0xs1"]),
        row("structuring", E.STRUCTURING, "0xm", chain=ETH, txs=["0xt7", "0xt9"]),
    ])
    s = score(rows, truth, t)
    assert all(isinstance(v, int) for counts in s.values() for v in counts)
    # to find: a with b (alice's) in t1; x and y are two people; c is carol's
    assert s["multi_input"] == (1, 2, 0)
    assert s["coinjoin"] == (1, 1, 1)                  # t4 missed
    # change to find: t1:1 and t5:0 (t6 has one output: nothing to tell apart)
    assert s["change.vote"] == (0, 1, 2)
    assert s["change.address_reuse"] == (1, 0, 1)
    assert s["change.locktime"] == (0, 0, 2)           # no rows: only misses
    assert s["peel_chain"] == (2, 0, 0)                # both outputs named are change; t5's was the one to find
    # pat paid her own deposit address twice (0xp, 0xp2): one found, one missed; quinn is not its customer
    assert s["deposit_address"] == (1, 1, 1)
    assert s["mixer.timing"] == (1, 1, 1)
    # 0xf is ursula's (right: one owner), but the pairs to find were the notes' 0xu-0xr1 and 0xv-0xr2;
    # vic's deposit withdrawn by wes is a link too (the note), and 0xr1-0xr2 is neither
    assert s["mixer.gas_funding"] == (1, 0, 2)
    assert s["mixer.linked_addresses"] == (1, 1, 1)
    assert s["bridge"] == (1, 1, 1) and s["swap"] == (1, 0, 0)
    assert s["structuring"] == (1, 1, 1)


def test_no_rows_no_claims(case):
    t, truth = case
    s = score(E.empty(), truth, t)
    assert s["multi_input"] == (0, 0, 1) and s["coinjoin"] == (0, 0, 2) and s["deposit_address"] == (0, 0, 2)
    assert all(tp == fp == 0 for tp, fp, _ in s.values())
