"""Layering through exchange accounts: deposit at one exchange, withdraw to a fresh address, repeat.

On chain the trail ends at each exchange's deposit address and restarts at its hot wallet: only
the exchange's records (deposit and withdrawal of one customer) join the two ends, unless the
launderer makes a mistake (parameters, off by default): withdrawing back to the depositing
address, or withdrawing within minutes of the deposit. A mistake is recorded in the key, in the
step's ``mistakes`` and in the notes of the withdrawals that show it.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..units import HOUR
from .base import Step, noted


CHAINS = {"chain": ("evm",)}


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    hops: int = 2
    delay_hours_max: int = 48
    #: exchange withdrawal fee in basis points
    withdrawal_fee_bps: int = 10
    #: mistake: withdraw back to the address that made the deposit (the two ends meet on chain)
    reuse_addresses: bool = False
    #: mistake: withdraw within 15 minutes of the deposit (timing and amount pair them)
    hasty: bool = False

    def __post_init__(self):
        if not 1 <= self.hops <= 10:
            raise ValueError("hops: expected 1 to 10")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    lane = world.lanes[p.chain]
    exchanges = list(world.exchanges.values())
    perp = step.perpetrator()
    if p.reuse_addresses:
        step.mistake("reuse_addresses", "each withdrawal goes back to the address that made the deposit")
    if p.hasty:
        step.mistake("hasty", "each withdrawal within 15 minutes of its deposit, for the deposit less the fee")
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
            # drawn with or without the mistake, so the rest of the case stays the same
            wait = rng.randint(HOUR, p.delay_hours_max * HOUR // 2)
            t += 2 * 60 + wait % (13 * 60) if p.hasty else wait
            out = amount - amount * p.withdrawal_fee_bps // 10_000
            if not p.hasty:
                # a careful customer withdraws a round sum, not the deposit less the fee to the last wei
                # (which would pair the two): what is left stays on the account
                out -= out % 10**15
            owner, to = (holder, account) if p.reuse_addresses else (perp, perp.fresh_account())
            world.at(t)
            wtx = lane.transfer(ex.hot_wallet, to.address, out, t)
            world.truth.move(step=step.index, typology=step.typology, chain=p.chain, tx=wtx,
                             sender=ex.hot_wallet.address, recipient=to.address, asset="ETH", amount=out,
                             note=noted(f"withdrawal from {ex.actor.name} (customer {rec['customer_id']}, "
                                        f"deposit {dtx})", p.reuse_addresses and "back to the depositing address",
                                        p.hasty and "hasty"))
            world.truth.control(owner.id, p.chain, to.address)
            next_holdings.append({"chain": p.chain, "actor": owner.id, "account": to, "address": to.address,
                                  "asset": "ETH", "amount": out})
        holdings = next_holdings
    world.proceeds.extend(holdings)
    world.at(t + rng.randint(HOUR, 6 * HOUR))
