"""Exchange hack: an attacker with the hot wallet's key drains it to addresses of their own.

The theft is the exchange's own report: its hot wallet sent funds it did not authorise. The
drain is split across a few attacker addresses, fast, before the exchange can react.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..units import ETH, HOUR
from .base import Step


CHAINS = {"chain": ("evm",)}


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    #: which exchange of the world is hacked (1 = the first)
    exchange: int = 1
    amount_eth: int = 300
    #: attacker addresses the drain is split across
    addresses: int = 3

    def __post_init__(self):
        if self.exchange < 1:
            raise ValueError("exchange: expected 1 or more")
        if not 1 <= self.amount_eth <= 20_000:
            raise ValueError("amount_eth: expected 1 to 20000")
        if not 1 <= self.addresses <= 50:
            raise ValueError("addresses: expected 1 to 50")


def drain(total: int, n: int, rng) -> list[int]:
    """``total`` wei in ``n`` uneven parts, whole ETH where the total allows (what a thief types or
    scripts; exact thirds would say a generator wrote them), the last part what is left.

    >>> import random
    >>> parts = drain(300 * ETH, 3, random.Random(1))
    >>> sum(parts) == 300 * ETH and len(set(parts)) == 3 and all(x % ETH == 0 for x in parts)
    True
    """
    weights = [rng.randint(50, 150) for _ in range(n)]
    # every part is at least a third of an even share: whole ETH each once that is 1 ETH or more
    unit = ETH if total >= 3 * n * ETH else 1
    parts = [total * w // sum(weights) // unit * unit for w in weights[:-1]]
    return parts + [total - sum(parts)]


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    exchanges = list(world.exchanges.values())
    ex = exchanges[p.exchange - 1]
    perp = step.perpetrator()
    t = world.clock + rng.randint(HOUR, 6 * HOUR)
    parts = drain(p.amount_eth * ETH, p.addresses, rng)
    for part in parts:
        target = perp.fresh_account()
        t += rng.randint(20, 300)
        h = step.transfer(p.chain, ex.actor, ex.hot_wallet, target.address, part, t,
                          note="unauthorised transfer from the hot wallet", controlled=False)
        world.truth.victims.append({"victim": ex.actor.id, "name": ex.actor.name, "country": ex.actor.jurisdiction,
                                    "tx": h, "from": ex.hot_wallet.address, "to": target.address, "amount": part,
                                    "time": t, "chain": p.chain, "asset": "ETH"})
        step.hold(p.chain, perp, target, "ETH", part)
    world.notes["hack"] = {"exchange": ex.actor.name, "jurisdiction": ex.actor.jurisdiction,
                           "hot_wallet": ex.hot_wallet.address, "chain": p.chain}
    world.at(t + rng.randint(10 * 60, 2 * HOUR))
