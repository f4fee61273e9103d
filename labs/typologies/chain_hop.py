"""Chain hop through an instant swap service: BTC in on the UTXO chain, ETH out on an EVM chain.

The launderer sends the proceeds to a deposit address the service made for one order; the service
pays ETH from its own hot wallet to an address the launderer gave. Nothing on either chain links
the two legs: only the service's order records do, which is what an investigator must request.
The ground truth records both legs with the order id in their notes, and the order among every
user's in ``world.truth.swap_orders``.
"""
from __future__ import annotations

from dataclasses import dataclass

from chains.utxo.scripts import address as script_address

from ..world.prices import QUOTE_SPREAD_BPS, quote, wei_for_sats  # noqa: F401 (the service's prices, re-exported)
from ..world.background import draw_comparable
from ..units import HOUR
from .base import Step


CHAINS = {"chain": ("utxo",), "to_chain": ("evm",)}


@dataclass(frozen=True)
class Params:
    chain: str = "bitcoin"
    to_chain: str = "ethereum"
    #: the service's fee, in basis points of the amount swapped
    fee_bps: int = 100
    delay_minutes_max: int = 90

    def __post_init__(self):
        if self.fee_bps >= 10_000:
            raise ValueError("fee_bps: expected less than 10000")
        if self.delay_minutes_max < 10:
            raise ValueError("delay_minutes_max: expected at least 10")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    src = world.lanes[p.chain]
    service = world.actors["swap-service"]
    perp = step.perpetrator()
    held = step.take_proceeds(p.chain, "BTC")
    coins = []
    for h in held:
        coins += src.coins_at(world.actors[h["actor"]], h["outpoints"])
    order = f"SWP-{rng.randrange(10**9, 10**10)}"
    deposit = src.fresh_address(service)
    receive = perp.fresh_account()
    t = world.clock + rng.randint(10 * 60, 2 * HOUR)
    t2 = t + rng.randint(10 * 60, p.delay_minutes_max * 60)
    total = sum(u.value for u in coins)
    # other customers swap comparable amounts about then, and are paid out about when the perpetrator is:
    # neither the order's time nor its payout's pairs them
    world.crowd("swap_service", "instant", p.chain, world.clock, t2 + 30 * 60,
                lambda r: (draw_comparable(r, total, 10_000), p.to_chain))
    world.at(t)
    txid, sats = src.send_all(perp, coins, deposit, t)
    for u in coins:
        a = script_address(u.coin.script)
        world.truth.control(perp.id, p.chain, a)
        world.truth.move(step=step.index, typology=step.typology, chain=p.chain, tx=txid, sender=a,
                         recipient=deposit, asset="BTC", amount=u.value,
                         note=f"swap order {order}: BTC to {service.name}")
    wei = quote(sats, p.fee_bps, rng)
    h = step.transfer(p.to_chain, service, service.account(0), receive.address, wei, t2,
                      note=f"swap order {order}: {service.name} pays ETH", controlled=False)
    world.truth.swap_orders.append(
        {"order": order, "service": service.id, "actor": perp.id, "btc_chain": p.chain, "btc_tx": txid,
         "btc_deposit": deposit, "btc_time": t, "sats": sats, "eth_chain": p.to_chain, "eth_tx": h,
         "eth_to": receive.address, "eth_time": t2, "wei": wei})
    step.hold(p.to_chain, perp, receive, "ETH", wei)
    world.at(t2 + rng.randint(HOUR // 2, 3 * HOUR))
