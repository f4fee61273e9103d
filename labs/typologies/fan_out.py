"""Structuring and fan-out to money mules: amounts kept under a reporting threshold, many recipients.

The launderer's mistakes are parameters (all off by default): amounts exactly at the threshold
instead of jittered below it, every transfer in one sitting, and mule accounts opened with one
identity. Each is recorded in the key: in the step's ``mistakes`` and in the notes of the moves
that show it.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..units import ETH, HOUR
from ..world import names
from ..world import ETH_PRICE_USD, TRANSFER_FEE
from .base import Step, eth_round, jitter, noted


CHAINS = {"chain": ("evm",)}


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    mules: int = 4
    #: each transfer stays under this value (as structuring below a reporting threshold does)
    threshold_usd: int = 10_000
    jitter: float = 0.15
    delay_hours_max: int = 36
    countries: tuple[str, ...] = ("RS", "AL", "MK", "BA")
    #: mistake: every transfer is exactly the threshold's worth (identical amounts at the limit)
    at_threshold: bool = False
    #: mistake: every transfer within five minutes of the last (one sitting: timing links them)
    hasty: bool = False
    #: mistake: the mules' exchange accounts are all opened with one identity, so their KYC records
    #: share a name (visible once a later step, a cash-out, opens the accounts)
    shared_identity: bool = False

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
    if p.shared_identity:
        # a stream of its own: the case stays the same but for the mistake
        straw = names.person(world.rng("story", step.index, "identity"), mules[0].jurisdiction)
        for mule in mules:
            mule.kyc = {"name": straw}
        step.mistake("shared_identity", f"every mule's exchange account is opened in the name {straw}: "
                                          "their KYC records share it")
    if p.at_threshold:
        step.mistake("at_threshold", f"transfers of exactly {p.threshold_usd} USD worth, the reporting threshold")
    if p.hasty:
        step.mistake("hasty", "every transfer within five minutes of the last: one sitting")
    cap = p.threshold_usd * ETH // ETH_PRICE_USD
    received = {m.id: 0 for m in mules}
    t = world.clock
    k = 0
    for h in step.take_proceeds(p.chain, "ETH"):
        holder, account = world.actors[h["actor"]], h["account"]
        left = h["amount"]
        while left > TRANSFER_FEE:
            # the random draws are the same with or without a mistake, so the rest of the case is too
            delay = rng.randint(5 * 60, p.delay_hours_max * HOUR // 6)
            t += 60 + delay % 241 if p.hasty else delay
            chunk = eth_round(rng, jitter(rng, int(cap * 0.9), p.jitter), 0.3)
            chunk = cap if p.at_threshold else min(chunk, cap - 10**12)
            if left - TRANSFER_FEE - chunk < 2 * TRANSFER_FEE:
                chunk = left - TRANSFER_FEE  # the last chunk empties the address
                if p.at_threshold and chunk > cap:
                    chunk = cap - 2 * TRANSFER_FEE  # never over the threshold: a dust transfer follows
            mule = mules[k % len(mules)]
            k += 1
            note = noted("structured transfer to mule", p.at_threshold and chunk == cap and "exactly at the threshold",
                         p.hasty and "hasty")
            step.transfer(p.chain, holder, account, mule.account(0).address, chunk, t, note=note)
            left -= chunk + TRANSFER_FEE
            received[mule.id] += chunk
    for mule in mules:
        if received[mule.id]:
            step.hold(p.chain, mule, mule.account(0), "ETH", received[mule.id])
    world.at(t + rng.randint(HOUR, p.delay_hours_max * HOUR))
