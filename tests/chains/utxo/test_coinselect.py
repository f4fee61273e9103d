"""Coin selection and size estimates on their own: no ledger, real signatures."""
import random

import pytest

from chains.utxo.coinselect import INPUT_WEIGHT, Utxo, estimate_vsize, select_bnb, select_coins
from chains.utxo.keys import Key
from chains.utxo.sweep import sweep_utxos
from chains.utxo.validation import Coin

KEY = Key(bytes(31) + b"\x07")


def coins(values, kind="p2wpkh"):
    return [Utxo((bytes([i + 1]) * 32, 0), Coin(v, KEY.script(kind), 1, False), KEY, kind)
            for i, v in enumerate(values)]


@pytest.mark.parametrize("kind", sorted(INPUT_WEIGHT))
def test_the_estimate_bounds_the_signed_size(kind):
    utxos = coins([50_000, 60_000, 70_000], kind)
    dest = Key(bytes(31) + b"\x08").address("p2tr")
    tx = sweep_utxos(utxos, dest, fee_rate=1)
    estimate = estimate_vsize([kind] * 3, [tx.tx.vout[0].script_pubkey.data])
    assert tx.vsize <= estimate <= tx.vsize + 3  # signatures counted at their largest


def test_branch_and_bound_finds_a_changeless_match():
    utxos = coins([10_000, 25_000, 40_000, 7_000])
    per_input = (INPUT_WEIGHT["p2wpkh"] + 3) // 4
    target = 25_000 + 7_000 - 2 * per_input  # the 25,000 and 7,000 coins, less what spending them costs
    chosen = select_bnb(utxos, target, fee_rate=1, cost_of_change=0)
    assert sorted(u.value for u in chosen) == [7_000, 25_000]
    assert select_bnb(utxos, 100_000, fee_rate=1, cost_of_change=0) is None


def test_strategies_pick_as_named():
    utxos = coins([10_000, 40_000, 25_000])
    def pick(strategy, seed=0):
        chosen = select_coins(utxos, strategy, target=1, fee_rate=1, cost_of_change=0,
                              need=lambda c: 20_000, rng=random.Random(seed))
        return [u.value for u in chosen]
    assert pick("largest_first") == [40_000]
    assert pick("oldest_first") == [10_000, 40_000]
    assert pick("random", 3) == pick("random", 3)
    assert {tuple(pick("random", s)) for s in range(20)} > {(40_000,)}
    assert select_coins(utxos, "oldest_first", target=1, fee_rate=1, cost_of_change=0,
                        need=lambda c: 10**9, rng=random.Random(0)) is None
