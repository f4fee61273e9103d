"""Fan-in aggregation: many addresses send everything to one, which links them all."""
from __future__ import annotations

from dataclasses import dataclass

from ..world import TRANSFER_FEE
from .base import HOUR, Step


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    delay_hours_max: int = 24


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    perp = step.perpetrator()
    target = perp.fresh_account()
    t, total = world.clock, 0
    for h in step.take_proceeds(p.chain, "ETH"):
        t += rng.randint(60, p.delay_hours_max * HOUR // 4)
        value = h["amount"] - TRANSFER_FEE
        step.transfer(p.chain, world.actors[h["actor"]], h["account"], target.address, value, t, note="aggregation")
        total += value
    step.hold(p.chain, perp, target, "ETH", total)
    world.at(t + rng.randint(HOUR, p.delay_hours_max * HOUR))
