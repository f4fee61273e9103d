"""Ransomware payment: a company pays a ransom, in one transfer, to the address its ransom note gave."""
from __future__ import annotations

from dataclasses import dataclass

from ..units import BTC, DAY, ETH, HOUR
from ..world import names
from ..world import ETH_PRICE_USD, TRANSFER_FEE
from ..errors import StoryError
from .base import Step


CHAINS = {"chain": ("evm", "utxo")}


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
    """A company pays the ransom on ``p.chain``, in its coin."""
    RUN[step.world.lanes[p.chain].kind](step, p, rng)


def _run_evm(step: Step, p: Params, rng) -> None:
    """On an EVM chain: the company buys ETH at an exchange and pays the ransom account in one transfer."""
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
    buy = lane.transfer(ex.hot_wallet, victim.account(0).address, amount + TRANSFER_FEE, t)
    t += rng.randint(2 * HOUR, DAY)
    h = step.transfer(p.chain, victim, victim.account(0), ransom.address, amount, t, note="ransom payment",
                      controlled=False)
    world.truth.victims.append({"victim": victim.id, "name": victim.name, "country": p.country, "tx": h,
                                "from": victim.account(0).address, "to": ransom.address, "amount": amount, "time": t,
                                "chain": p.chain, "asset": "ETH",
                                "bought_at": ex.actor.name, "purchase_tx": buy})
    world.notes["ransom"] = {"company": victim.name, "country": p.country, "address": ransom.address}
    step.hold(p.chain, perp, ransom, "ETH", amount)
    world.at(t + rng.randint(HOUR, 12 * HOUR))


def _run_utxo(step: Step, p: Params, rng) -> None:
    """On the UTXO chain: the company buys BTC at an exchange and pays the ransom address in one payment."""
    from ..world.utxo_lane import BTC_PRICE_USD

    world = step.world
    lane = world.lanes[p.chain]
    perp = step.perpetrator()
    victim = world.add_actor("victim", names.company(rng), p.country)
    victim.kyc = {"name": victim.name}
    ransom = lane.fresh_address(perp)
    amount = p.amount_usd * BTC // BTC_PRICE_USD
    amount -= amount % 100_000  # ransom notes ask for round sums (0.001 BTC)
    ex = rng.choice(list(world.exchanges.values()))
    t = world.clock + rng.randint(HOUR, DAY)
    world.at(t)
    bought = lane.fresh_address(victim)
    buy = lane.withdraw(ex.actor, bought, amount + 50_000, t)
    if buy is None:
        raise StoryError(f"story step {step.index}: {ex.actor.name}'s hot wallet on {p.chain} cannot sell "
                           f"{amount} sat")
    t += rng.randint(2 * HOUR, DAY)
    txid, outs = step.utxo_spend(p.chain, victim, lane.coins(victim), [(ransom, amount)], t,
                                 note="ransom payment", controlled=False)
    vout = next(o["vout"] for o in outs if not o["change"])
    world.truth.victims.append({"victim": victim.id, "name": victim.name, "country": p.country, "tx": txid,
                                "vout": vout, "from": bought, "to": ransom, "amount": amount, "time": t,
                                "chain": p.chain, "asset": "BTC", "bought_at": ex.actor.name, "purchase_tx": buy})
    world.notes["ransom"] = {"company": victim.name, "country": p.country, "address": ransom}
    step.utxo_hold(p.chain, perp, txid, vout, ransom, amount)
    world.at(t + rng.randint(HOUR, 12 * HOUR))


#: chain kind -> how the ransom is paid there
RUN = {"evm": _run_evm, "utxo": _run_utxo}
