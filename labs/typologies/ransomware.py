"""Ransomware payment: a company pays a ransom, in one transfer, to the address its ransom note gave."""
from __future__ import annotations

from dataclasses import dataclass

from .. import names
from ..world import ETH, ETH_PRICE_USD
from .base import DAY, HOUR, Step


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    amount_usd: int = 200_000
    country: str = "MK"

    def __post_init__(self):
        if self.amount_usd < 1_000:
            raise ValueError("amount_usd: expected at least 1000")
        if self.country not in names.COUNTRIES:
            raise ValueError(f"country: unknown code {self.country!r} (known: {', '.join(names.COUNTRIES)})")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    lane = world.lanes[p.chain]
    perp = step.perpetrator()
    victim = world.add_actor("victim", names.company(rng), p.country)
    victim.kyc = {"name": victim.name}
    ransom = perp.fresh_account()
    amount = p.amount_usd * ETH // ETH_PRICE_USD
    amount -= amount % (ETH // 100)
    ex = rng.choice(list(world.exchanges.values()))
    t = world.clock + rng.randint(HOUR, DAY)
    world.at(t)
    buy = lane.transfer(ex.hot_wallet, victim.account(0).address, amount + 21_000 * 10**9, t)
    t += rng.randint(2 * HOUR, DAY)
    h = step.transfer(p.chain, victim, victim.account(0), ransom.address, amount, t, note="ransom payment",
                      controlled=False)
    world.truth.victims.append({"victim": victim.id, "name": victim.name, "country": p.country, "tx": h,
                                "from": victim.account(0).address, "to": ransom.address, "amount": amount, "time": t,
                                "bought_at": ex.actor.name, "purchase_tx": buy})
    world.notes["ransom"] = {"company": victim.name, "country": p.country, "address": ransom.address}
    step.hold(p.chain, perp, ransom, "ETH", amount)
    world.at(t + rng.randint(HOUR, 12 * HOUR))
