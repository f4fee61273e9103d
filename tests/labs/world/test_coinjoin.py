"""CoinJoin on the UTXO lab chain: Whirlpool-shaped rounds, read back from the ledger and the key."""
from __future__ import annotations

import functools

import pytest

from chains.utxo.scripts import address as script_address
from labs.world.coinjoin import POOLS, PREMIX_SURPLUS, ROUND_SIZE
from labs.scenario import run_case
from labs.spec import load_spec

from ..specs import spec_text


@functools.lru_cache(maxsize=None)
def _case(consolidate: bool):
    text = spec_text("cj", [{"typology": "ransomware_payment", "chain": "bitcoin", "amount_usd": 30000},
                            {"typology": "coinjoin", "remixes": 1, "outputs_max": 4, "consolidate": consolidate},
                            {"typology": "cash_out", "chain": "bitcoin"}],
                     chains=("bitcoin",), users=30, transactions=300, days=4, difficulty="easy")
    case = run_case(load_spec("t.toml", text=text).with_seed(6))
    case.close()
    return case


def _txs(lane):
    return {tx.txid: tx for block in lane.ledger.blocks[1:] for tx in block.txs[1:]}


def test_rounds_are_five_equal_outputs_one_coin_per_owner_and_the_key_says_whose():
    world = _case(False).world
    lane = world.lanes["bitcoin"]
    txs = _txs(lane)
    rounds = world.truth.coinjoins
    assert len(rounds) >= 4 and {r["pool"] for r in rounds} <= {str(p) for p in POOLS}
    background = [r for r in rounds if not any(i["actor"] == "perpetrator" for i in r["inputs"])]
    assert background, "ordinary users mix too"
    for r in rounds:
        tx = txs[r["tx"]].tx
        assert len(tx.vin) == len(tx.vout) == ROUND_SIZE
        assert {o.value for o in tx.vout} == {int(r["pool"])}
        owners = [i["actor"] for i in r["inputs"]]
        assert len(set(owners)) == ROUND_SIZE  # no round takes two coins of one owner
        assert [o["address"] for o in r["outputs"]] == [script_address(o.script_pubkey.data) for o in tx.vout]
        assert sorted(owners) == sorted(o["actor"] for o in r["outputs"])
        fresh = [i for i in r["inputs"] if not i["remix"]]
        assert fresh and all(int(i["amount"]) == int(r["pool"]) + PREMIX_SURPLUS for i in fresh)
    assert any(r["remixes"] for r in rounds), "coins remix"
    # each of the perpetrator's coins took its first round and one remix
    perp = [r for r in rounds if any(i["actor"] == "perpetrator" for i in r["inputs"])]
    firsts = sum(not i["remix"] for r in perp for i in r["inputs"] if i["actor"] == "perpetrator")
    assert sum(i["actor"] == "perpetrator" for r in perp for i in r["inputs"]) == 2 * firsts
    # a round is no change: the key's UTXO table says so
    made = {m["tx"]: m for m in lane.made}
    assert all(made[r["tx"]]["change"] == [] for r in rounds)


def test_postmix_coins_are_spent_apart_unless_the_consolidate_mistake():
    """Common-input ownership is wrong on every round; it is right again where the launderer merges
    the postmix coins, which is a mistake the key names."""
    for consolidate in (False, True):
        world = _case(consolidate).world
        txs = _txs(world.lanes["bitcoin"])
        rounds = {r["tx"] for r in world.truth.coinjoins}
        postmix = {(r["tx"], o["vout"]) for r in world.truth.coinjoins for o in r["outputs"]
                   if o["actor"] == "perpetrator"}
        merging = [t for t in txs.values() if t.txid not in rounds
                   and sum((i.txid.hex(), i.vout) in postmix for i in t.tx.vin) > 1]
        named = [m["mistake"] for s in world.truth.steps for m in s.get("mistakes", [])]
        assert bool(merging) == consolidate and ("consolidate" in named) == consolidate
