"""Coin selection and transaction size: which of a wallet's coins pay, and what the fee comes to.

Sizes count each signature at its largest, as wallets estimate before signing. The strategies
are the ones heuristics meet in the wild: Bitcoin Core's branch and bound for a changeless match
(Murch's), then a single random draw; largest coins first; oldest first (FIFO); a random draw.
"""
import random
from collections.abc import Callable
from dataclasses import dataclass

from chains.utxo.keys import Key
from chains.utxo.validation import Coin, Outpoint

#: Weight units of an input spending each script kind, signature at its largest (72-byte DER).
INPUT_WEIGHT = {"p2pkh": 4 * 148, "p2wpkh": 4 * 41 + 108, "p2tr": 4 * 41 + 66}
COIN_SELECTION = ("bnb", "largest_first", "oldest_first", "random")


class InsufficientFunds(ValueError):
    """The wallet cannot pay the amounts plus the fee."""


def output_weight(script: bytes) -> int:
    """Weight units of an output paying to ``script``."""
    return 4 * (8 + 1 + len(script))


def estimate_vsize(input_kinds: list[str], output_scripts: list[bytes]) -> int:
    """Virtual size of a signed transaction, signatures counted at their largest."""
    segwit = any(k != "p2pkh" for k in input_kinds)
    weight = 4 * (4 + 4 + 1 + 1) + (2 if segwit else 0)
    weight += sum(INPUT_WEIGHT[k] for k in input_kinds)
    if segwit:
        weight += sum(1 for k in input_kinds if k == "p2pkh")  # empty witness of legacy inputs
    weight += sum(output_weight(s) for s in output_scripts)
    return (weight + 3) // 4


@dataclass(frozen=True)
class Utxo:
    """A spendable coin of a wallet."""

    outpoint: Outpoint
    coin: Coin
    key: Key
    kind: str

    @property
    def value(self) -> int:
        return self.coin.value


def select_bnb(utxos: list[Utxo], target: int, fee_rate: int, cost_of_change: int,
                max_tries: int = 100_000) -> list[Utxo] | None:
    """Branch and bound (Murch): a subset whose effective value lands in [target, target+cost]."""
    pool = sorted(((u.value - fee_rate * ((INPUT_WEIGHT[u.kind] + 3) // 4), i, u)
                   for i, u in enumerate(utxos)), key=lambda t: (-t[0], t[1]))
    pool = [p for p in pool if p[0] > 0]
    remaining = [0] * (len(pool) + 1)
    for i in range(len(pool) - 1, -1, -1):
        remaining[i] = remaining[i + 1] + pool[i][0]
    best, tries = None, 0

    def search(i, chosen, total):
        nonlocal best, tries
        tries += 1
        if tries > max_tries or total > target + cost_of_change:
            return
        if total >= target:
            waste = total - target
            if best is None or waste < best[0]:
                best = (waste, list(chosen))
            return
        if i >= len(pool) or total + remaining[i] < target:
            return
        chosen.append(pool[i][2])
        search(i + 1, chosen, total + pool[i][0])
        chosen.pop()
        search(i + 1, chosen, total)

    search(0, [], 0)
    return None if best is None else best[1]


def accumulate(ordered: list[Utxo], need: Callable[[list[Utxo]], int]) -> list[Utxo] | None:
    """The first coins of ``ordered`` that cover ``need(chosen)`` (amounts plus the fee for those coins)."""
    chosen = []
    for u in ordered:
        chosen.append(u)
        if need(chosen) <= sum(c.value for c in chosen):
            return chosen
    return None


def select_coins(utxos: list[Utxo], strategy: str, *, target: int, fee_rate: int, cost_of_change: int,
                 need: Callable[[list[Utxo]], int], rng: random.Random) -> list[Utxo] | None:
    """The coins ``strategy`` (one of :data:`COIN_SELECTION`) picks, or None if they cannot pay.

    ``target`` is what a changeless match must reach (amounts plus the fee without inputs),
    ``need(chosen)`` what the chosen coins must cover with a change output.
    """
    if strategy == "bnb":
        chosen = select_bnb(utxos, target, fee_rate, cost_of_change)
        if chosen is not None:
            return chosen
    if strategy == "largest_first":
        ordered = sorted(utxos, key=lambda u: -u.value)
    elif strategy == "oldest_first":
        ordered = list(utxos)
    else:  # a random draw, and branch and bound's fallback
        ordered = list(utxos)
        rng.shuffle(ordered)
    return accumulate(ordered, need)
