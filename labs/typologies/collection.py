"""Investment-fraud platform collection: victims in several countries pay a fake trading platform.

As in the cases the seed documents describe (AI and deepfake "trading" platforms; victims in one
country, operators in another): each victim buys ETH at an exchange, then pays it, often in several
instalments as the platform shows fake profits, to a deposit address the platform gives them.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import names
from ..world import ETH, ETH_PRICE_USD
from .base import DAY, HOUR, Step, eth_round


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    victims: int = 8
    countries: tuple[str, ...] = ("AL", "RS", "XK", "MK")
    amount_min_usd: int = 500
    amount_max_usd: int = 20_000
    #: instalments a victim pays at most (top-ups after fake profits)
    payments_max: int = 3
    days: int = 21
    #: one deposit address for all victims (careless) instead of one per victim
    shared_address: bool = False
    platform_jurisdiction: str = "CY"

    def __post_init__(self):
        if self.victims < 1:
            raise ValueError("victims: expected at least 1")
        if not 0 < self.amount_min_usd <= self.amount_max_usd:
            raise ValueError("amount_min_usd must be positive and at most amount_max_usd")
        unknown = [c for c in self.countries if c not in names.COUNTRIES]
        if unknown or not self.countries:
            raise ValueError(f"countries: unknown code {unknown[:1]} (known: {', '.join(names.COUNTRIES)})")
        if self.payments_max < 1:
            raise ValueError("payments_max: expected at least 1")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    lane = world.lanes[p.chain]
    perp = step.perpetrator()
    platform = names.platform(rng)
    world.notes["platform"] = {"name": platform, "jurisdiction": p.platform_jurisdiction, "chain": p.chain}
    exchanges = list(world.exchanges.values())
    start = world.clock
    shared = perp.fresh_account() if p.shared_address else None
    holdings: dict[str, list] = {}
    payments = []
    for i in range(p.victims):
        country = p.countries[i % len(p.countries)] if i < len(p.countries) else rng.choice(p.countries)
        victim = world.add_actor("victim", names.person(rng, country), country)
        victim.kyc = {"name": victim.name}
        wallet = victim.account(0)
        deposit = shared or perp.fresh_account()
        n = rng.randint(1, p.payments_max)
        # log-uniform between the bounds: many small losses, a few life savings
        total_usd = int(p.amount_min_usd * (p.amount_max_usd / p.amount_min_usd) ** rng.random())
        first = start + rng.randint(0, p.days * DAY // 2)
        times = sorted(first + rng.randint(0, p.days * DAY // 2) for _ in range(n - 1))
        shares = [rng.random() + 0.5 for _ in range(n)]
        amounts = [eth_round(rng, total_usd * ETH // ETH_PRICE_USD * int(s * 1000) // int(sum(shares) * 1000), 0.6)
                   for s in shares]
        # the victim buys the ETH at an exchange and withdraws it to a wallet of their own
        ex = rng.choice(exchanges)
        buy_t = first - rng.randint(2 * HOUR, 3 * DAY)
        world.at(buy_t)
        buy = lane.transfer(ex.hot_wallet, wallet.address, sum(amounts) + len(amounts) * 21_000 * 10**9, buy_t)
        for t, amount in zip([first, *times], amounts):
            h = step.transfer(p.chain, victim, wallet, deposit.address, amount, t, note="victim payment",
                              controlled=False)
            payments.append({"victim": victim.id, "name": victim.name, "country": country, "tx": h,
                             "from": wallet.address, "to": deposit.address, "amount": amount, "time": t,
                             "bought_at": ex.actor.name, "purchase_tx": buy})
            holdings.setdefault(deposit.address, [deposit, 0])[1] += amount
    world.truth.victims.extend(payments)
    for account, amount in holdings.values():
        step.hold(p.chain, perp, account, "ETH", amount)
    world.at(max(p["time"] for p in payments) + rng.randint(HOUR, DAY))
