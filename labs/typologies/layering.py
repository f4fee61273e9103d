"""Layering through exchange accounts: deposit at one exchange, withdraw to a fresh address, repeat.

On chain the trail ends at each exchange's deposit address and restarts at its hot wallet: only
the exchange's records (deposit and withdrawal of one customer) join the two ends.
"""
from __future__ import annotations

from dataclasses import dataclass

from .base import HOUR, Step


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    hops: int = 2
    delay_hours_max: int = 48
    #: exchange withdrawal fee in basis points
    withdrawal_fee_bps: int = 10

    def __post_init__(self):
        if not 1 <= self.hops <= 10:
            raise ValueError("hops: expected 1 to 10")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    lane = world.lanes[p.chain]
    exchanges = list(world.exchanges.values())
    perp = step.perpetrator()
    t = world.clock
    holdings = step.take_proceeds(p.chain, "ETH")
    for hop in range(p.hops):
        ex = exchanges[(hop + rng.randrange(len(exchanges))) % len(exchanges)]
        next_holdings = []
        for h in holdings:
            holder, account = world.actors[h["actor"]], h["account"]
            rec = world.kyc_customer(ex, holder)
            deposit = rec["deposit_address"][p.chain]
            t += rng.randint(10 * 60, p.delay_hours_max * HOUR // 2)
            amount = lane.max_transfer(h["amount"], deposit)
            dtx = step.transfer(p.chain, holder, account, deposit, amount, t, note=f"deposit at {ex.actor.name}")
            ex.unswept[rec["customer_id"]] = None
            t += rng.randint(HOUR, p.delay_hours_max * HOUR // 2)
            out = amount - amount * p.withdrawal_fee_bps // 10_000
            fresh = perp.fresh_account()
            world.at(t)
            wtx = lane.transfer(ex.hot_wallet, fresh.address, out, t)
            world.truth.move(step=step.index, typology=step.typology, chain=p.chain, tx=wtx,
                             sender=ex.hot_wallet.address, recipient=fresh.address, asset="ETH", amount=out,
                             note=f"withdrawal from {ex.actor.name} (customer {rec['customer_id']}, "
                                  f"deposit {dtx})")
            world.truth.control(perp.id, p.chain, fresh.address)
            next_holdings.append({"chain": p.chain, "actor": perp.id, "account": fresh, "address": fresh.address,
                                  "asset": "ETH", "amount": out})
        holdings = next_holdings
    world.proceeds.extend(holdings)
    world.at(t + rng.randint(HOUR, 6 * HOUR))
