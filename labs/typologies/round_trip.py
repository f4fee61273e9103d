"""Round trip: funds leave through a front company's addresses and come back as if they were income.

The graph has a cycle: the money returns to the address it left, and the last hop looks like a
payment from a business. Investigators see the cycle; a bank seeing only the last hop does not.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import names
from ..world import TRANSFER_FEE
from .base import HOUR, Step


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    hops: int = 3
    delay_hours_max: int = 24

    def __post_init__(self):
        if not 2 <= self.hops <= 20:
            raise ValueError("hops: expected 2 to 20")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    front = world.add_actor("front", names.company(rng), rng.choice(["CY", "MT", "AE"]))
    front.kyc = {"name": front.name}
    t = world.clock
    for h in step.take_proceeds(p.chain, "ETH"):
        owner, origin = world.actors[h["actor"]], h["account"]
        sender, sender_actor, amount = origin, owner, h["amount"]
        path = [front.fresh_account() for _ in range(p.hops - 1)] + [origin]
        for nxt in path:
            t += rng.randint(10 * 60, p.delay_hours_max * HOUR)
            amount -= TRANSFER_FEE
            step.transfer(p.chain, sender_actor, sender, nxt.address, amount, t,
                          note="round trip" if nxt is not origin else "round trip: back as 'consulting income'")
            sender, sender_actor = nxt, front if nxt is not origin else owner
        step.hold(p.chain, owner, origin, "ETH", amount)
    world.at(t + rng.randint(HOUR, 6 * HOUR))
