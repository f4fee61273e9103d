"""Swap to stablecoin: ETH wrapped and sold on the constant-product pool for the lab stablecoin.

Launderers move into stablecoins to escape price risk; the move leaves Swap events, and puts the
funds where an issuer can freeze and seize them on a court order.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..world import GAS_RESERVE
from ..units import HOUR
from .base import Step


CHAINS = {"chain": ("evm",)}


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    #: swaps per holding (splitting a large swap lowers its price impact)
    splits: int = 1

    def __post_init__(self):
        if not 1 <= self.splits <= 20:
            raise ValueError("splits: expected 1 to 20")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    lane = world.lanes[p.chain]
    weth, pool, usd = lane.contracts["weth"], lane.contracts["pool"], lane.contracts["stablecoin"]
    t = world.clock
    for h in step.take_proceeds(p.chain, "ETH"):
        holder, account = world.actors[h["actor"]], h["account"]
        amount = h["amount"] - GAS_RESERVE * (2 + p.splits)
        t += rng.randint(60, HOUR)
        step.call(p.chain, holder, account, weth.functions.deposit(), t, value=amount, note="wrap ETH",
                  recipient=weth.address)
        step.call(p.chain, holder, account, weth.functions.approve(pool.address, amount), t, value=0,
                  note="approve the pool", recipient=pool.address, asset="WETH", amount=0)
        before = lane.token_balance("stablecoin", account.address)
        parts = [amount // p.splits] * p.splits
        parts[-1] += amount - sum(parts)
        for part in parts:
            t += rng.randint(30, 600)
            step.call(p.chain, holder, account, pool.functions.swapExactIn(weth.address, part, 0, account.address),
                      t, note="swap WETH for LUSD", recipient=pool.address, asset="WETH", amount=part)
        got = lane.token_balance("stablecoin", account.address) - before
        step.hold(p.chain, holder, account, "LUSD", got, token=usd.address)
    world.notes.setdefault("stablecoin", {})[p.chain] = usd.address
    world.at(t + rng.randint(HOUR, 6 * HOUR))
