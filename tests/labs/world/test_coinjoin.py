"""CoinJoin on the UTXO lab chain: Whirlpool-shaped rounds, read back from the ledger and the key."""
from __future__ import annotations

import functools


from chains.utxo.scripts import address as script_address
from labs.world.coinjoin import POOLS, PREMIX_SURPLUS, ROUND_SIZE
from labs.scenario import run_case
from labs.spec import load_spec

from ..specs import spec_text


@functools.cache
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


def test_coins_no_round_took_are_recorded_as_the_premix_coins_they_are():
    """With too few other users no round can run (five owners each): at the deadline the perpetrator's
    coins are still the Tx0's premix coins, and the key records them at their real value, not the pool's."""
    text = spec_text("cj-few", [{"typology": "ransomware_payment", "chain": "bitcoin", "amount_usd": 30000},
                                {"typology": "coinjoin", "outputs_max": 2},
                                {"typology": "cash_out", "chain": "bitcoin"}],
                     chains=("bitcoin",), users=2, transactions=20, days=2, difficulty="easy")
    case = run_case(load_spec("t.toml", text=text).with_seed(3))
    case.close()
    world, lane = case.world, case.world.lanes["bitcoin"]
    assert not [r for r in world.truth.coinjoins if any(i["actor"] == "perpetrator" for i in r["inputs"])]
    step = next(s["step"] for s in world.truth.steps if s["typology"] == "coinjoin")
    left = [m for m in world.truth.moves if m.step == step and "premix coin left" in m.note]
    assert left and not [m for m in world.truth.moves if m.step == step and "postmix" in m.note]
    for m in left:
        out = lane.ledger.outputs[(bytes.fromhex(m.tx), next(
            n for n, o in enumerate(lane.ledger.get_transaction(m.tx)[0].tx.vout)
            if script_address(o.script_pubkey.data) == m.recipient))]
        assert m.amount == out.value > int(min(POOLS))
    cash_out = [m for m in world.truth.moves if m.step > step]
    assert sum(m.amount for m in cash_out if m.sender in {x.recipient for x in left}) > 0
