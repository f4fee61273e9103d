"""Investment-fraud platform collection: victims in several countries pay a fake trading platform.

As in the cases the seed documents describe (AI and deepfake "trading" platforms; victims in one
country, operators in another): each victim buys ETH at an exchange, then pays it, often in several
instalments as the platform shows fake profits, to a deposit address the platform gives them.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..units import BTC, DAY, ETH, HOUR
from ..world import names
from ..world import ETH_PRICE_USD, TRANSFER_FEE
from ..errors import StoryError
from .base import Step, eth_round


CHAINS = {"chain": ("evm", "utxo")}


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


class _Evm:
    """How victims buy and pay on an EVM chain: ETH from an exchange's hot wallet to their own
    account, then plain transfers to the platform's deposit account."""

    asset = "ETH"

    @staticmethod
    def new_deposit(lane, perp) -> str:
        return perp.fresh_account().address

    @staticmethod
    def buy(step, lane, rng, victim, ex, total_usd: int, weights: list[int], buy_t: int) -> tuple[list[int], str, str]:
        amounts = [eth_round(rng, total_usd * ETH // ETH_PRICE_USD * w // 1000, 0.6) for w in weights]
        own = victim.account(0).address
        return amounts, own, lane.transfer(ex.hot_wallet, own, sum(amounts) + len(amounts) * TRANSFER_FEE, buy_t)

    @staticmethod
    def pay(step, p, lane, perp, victim, deposit: str, amount: int, t: int, holdings: dict) -> tuple[str, None]:
        h = step.transfer(p.chain, victim, victim.account(0), deposit, amount, t, note="victim payment",
                          controlled=False)
        holdings[deposit] = holdings.get(deposit, 0) + amount
        return h, None


class _Utxo:
    """How victims buy and pay on the UTXO chain: an exchange withdrawal to a fresh address of
    their wallet, then payments whose output at the deposit address is the platform's."""

    asset = "BTC"

    @staticmethod
    def new_deposit(lane, perp) -> str:
        return lane.fresh_address(perp)

    @staticmethod
    def buy(step, lane, rng, victim, ex, total_usd: int, weights: list[int], buy_t: int) -> tuple[list[int], str, str]:
        from ..world.utxo_lane import BTC_PRICE_USD

        amounts = [_btc_round(rng, total_usd * BTC // BTC_PRICE_USD * w // 1000) for w in weights]
        own = lane.fresh_address(victim)
        buy = lane.withdraw(ex.actor, own, sum(amounts) + len(amounts) * 20_000, buy_t)
        if buy is None:
            raise StoryError(f"story step {step.index}: {ex.actor.name} cannot sell {sum(amounts)} sat")
        return amounts, own, buy

    @staticmethod
    def pay(step, p, lane, perp, victim, deposit: str, amount: int, t: int, holdings: dict) -> tuple[str, int]:
        h, outs = step.utxo_spend(p.chain, victim, lane.coins(victim), [(deposit, amount)], t,
                                  note="victim payment", controlled=False)
        vout = next(o["vout"] for o in outs if not o["change"])
        step.utxo_hold(p.chain, perp, h, vout, deposit, amount)
        return h, vout


#: chain kind -> how victims buy coins and pay the platform there
KIND = {"evm": _Evm, "utxo": _Utxo}


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    lane = world.lanes[p.chain]
    kind = KIND[lane.kind]
    perp = step.perpetrator()
    platform = names.platform(rng)
    world.notes["platform"] = {"name": platform, "jurisdiction": p.platform_jurisdiction, "chain": p.chain}
    exchanges = list(world.exchanges.values())
    start = world.clock
    shared = kind.new_deposit(lane, perp) if p.shared_address else None
    if p.shared_address:
        step.mistake("shared_address", "every victim was told to pay the same address: it collects them all")
    holdings: dict[str, int] = {}
    payments = []
    for i in range(p.victims):
        country = p.countries[i % len(p.countries)] if i < len(p.countries) else rng.choice(p.countries)
        victim = world.add_actor("victim", names.person(rng, country), country)
        victim.kyc = {"name": victim.name}
        deposit = shared or kind.new_deposit(lane, perp)
        n = rng.randint(1, p.payments_max)
        # log-uniform between the bounds: many small losses, a few life savings
        total_usd = int(p.amount_min_usd * (p.amount_max_usd / p.amount_min_usd) ** rng.random())
        first = start + rng.randint(0, p.days * DAY // 2)
        times = sorted(first + rng.randint(0, p.days * DAY // 2) for _ in range(n - 1))
        shares = [rng.random() + 0.5 for _ in range(n)]
        weights = [int(s * 1000) * 1000 // int(sum(shares) * 1000) for s in shares]
        ex = rng.choice(exchanges)
        buy_t = first - rng.randint(2 * HOUR, 3 * DAY)
        world.at(buy_t)
        # the victim buys the coins at an exchange and withdraws them to a wallet of their own
        amounts, own, buy = kind.buy(step, lane, rng, victim, ex, total_usd, weights, buy_t)
        for t, amount in zip([first, *times], amounts, strict=True):
            h, vout = kind.pay(step, p, lane, perp, victim, deposit, amount, t, holdings)
            payments.append({"victim": victim.id, "name": victim.name, "country": country, "tx": h, "vout": vout,
                             "from": own, "to": deposit, "amount": amount, "time": t, "chain": p.chain,
                             "asset": kind.asset, "bought_at": ex.actor.name, "purchase_tx": buy})
    world.truth.victims.extend(payments)
    accounts = {a.address: a for a in (perp.account(i) for i in range(perp.next_index))}
    for address, amount in holdings.items():
        step.hold(p.chain, perp, accounts[address], "ETH", amount)
    world.at(max(p["time"] for p in payments) + rng.randint(HOUR, DAY))


def _btc_round(rng, sats: int) -> int:
    """Victims pay amounts like 0.05 or 0.0123 BTC: rounded to 0.0001 BTC, often to 0.001."""
    step = 100_000 if rng.random() < 0.5 and sats >= 200_000 else 10_000
    return max(step, sats - sats % step)
