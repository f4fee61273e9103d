"""Structuring and fan-out to money mules: amounts kept under a reporting threshold, many recipients."""
from __future__ import annotations

from dataclasses import dataclass

from .. import names
from ..world import ETH, ETH_PRICE_USD, TRANSFER_FEE
from .base import HOUR, Step, eth_round, jitter


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    mules: int = 4
    #: each transfer stays under this value (as structuring below a reporting threshold does)
    threshold_usd: int = 10_000
    jitter: float = 0.15
    delay_hours_max: int = 36
    countries: tuple[str, ...] = ("RS", "AL", "MK", "BA")

    def __post_init__(self):
        if self.mules < 1:
            raise ValueError("mules: expected at least 1")
        if not 0 <= self.jitter < 0.5:
            raise ValueError("jitter: expected a fraction in [0, 0.5)")
        if self.threshold_usd < 100:
            raise ValueError("threshold_usd: expected at least 100")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    mules = []
    for i in range(p.mules):
        c = p.countries[i % len(p.countries)]
        mule = world.add_actor("mule", names.person(rng, c), c)
        mule.kyc = {"name": mule.name}
        mules.append(mule)
    cap = p.threshold_usd * ETH // ETH_PRICE_USD
    received = {m.id: 0 for m in mules}
    t = world.clock
    k = 0
    for h in step.take_proceeds(p.chain, "ETH"):
        holder, account = world.actors[h["actor"]], h["account"]
        left = h["amount"]
        while left > TRANSFER_FEE:
            t += rng.randint(5 * 60, p.delay_hours_max * HOUR // 6)
            chunk = eth_round(rng, jitter(rng, int(cap * 0.9), p.jitter), 0.3)
            chunk = min(chunk, cap - 10**12)
            if left - TRANSFER_FEE - chunk < 2 * TRANSFER_FEE:
                chunk = left - TRANSFER_FEE  # the last chunk empties the address
            mule = mules[k % len(mules)]
            k += 1
            step.transfer(p.chain, holder, account, mule.account(0).address, chunk, t, note="structured transfer to mule")
            left -= chunk + TRANSFER_FEE
            received[mule.id] += chunk
    for mule in mules:
        if received[mule.id]:
            step.hold(p.chain, mule, mule.account(0), "ETH", received[mule.id])
    world.at(t + rng.randint(HOUR, p.delay_hours_max * HOUR))
