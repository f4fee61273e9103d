"""Round trip: funds leave through a front company's addresses and come back as if they were income.

By default the graph has a cycle: the money returns to the address it left, and the last hop
looks like a payment from a business. Investigators see the cycle; a bank seeing only the last
hop does not. ``return_to = "fresh"`` brings it back to a new address of the owner instead, so
the cycle closes only once the owner's addresses are clustered. ``hasty`` is a mistake: the
whole trip in minutes, recorded in the key (the step's ``mistakes`` and the moves' notes).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..world import names
from ..world import TRANSFER_FEE
from ..units import HOUR
from .base import Step, noted

RETURN_TO = ("origin", "fresh")


CHAINS = {"chain": ("evm",)}


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    hops: int = 3
    delay_hours_max: int = 24
    #: where the money comes back: "origin" (the address it left, a cycle on chain: careless) or
    #: "fresh" (a new address of the owner: the cycle shows only once the owner's addresses are joined)
    return_to: str = "origin"
    #: mistake: every hop within five minutes of the last, so the trip takes minutes, not days
    hasty: bool = False

    def __post_init__(self):
        if not 2 <= self.hops <= 20:
            raise ValueError("hops: expected 2 to 20")
        if self.return_to not in RETURN_TO:
            raise ValueError(f"return_to: expected one of {', '.join(RETURN_TO)}, got {self.return_to!r}")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    front = world.add_actor("front", names.company(rng), rng.choice(["CY", "MT", "AE"]))
    front.kyc = {"name": front.name}
    if p.hasty:
        step.mistake("hasty", "every hop within five minutes of the last: the 'income' arrives minutes "
                                "after the money left")
    t = world.clock
    for h in step.take_proceeds(p.chain, "ETH"):
        owner, origin = world.actors[h["actor"]], h["account"]
        back = origin if p.return_to == "origin" else owner.fresh_account()
        sender, sender_actor, amount = origin, owner, h["amount"]
        path = [front.fresh_account() for _ in range(p.hops - 1)] + [back]
        for nxt in path:
            # drawn with or without the mistake, so the rest of the case stays the same
            delay = rng.randint(10 * 60, p.delay_hours_max * HOUR)
            t += 60 + delay % 241 if p.hasty else delay
            amount -= TRANSFER_FEE
            step.transfer(p.chain, sender_actor, sender, nxt.address, amount, t,
                          note=noted("round trip" if nxt is not back else "round trip: back as 'consulting income'",
                                     p.hasty and "hasty"))
            sender, sender_actor = nxt, front if nxt is not back else owner
        step.hold(p.chain, owner, back, "ETH", amount)
    world.at(t + rng.randint(HOUR, 6 * HOUR))
