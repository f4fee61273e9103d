"""Peel chain (UTXO): a run of transactions, each peeling one small payment off and sending the rest on.

Each hop spends the previous hop's change: one small "peel" goes to an exchange deposit address of
a money mule (a cash-out, with the mule's KYC record), to a mule's own wallet, or to a service
(merchant, gambling site); the large change goes to a fresh address of the launderer's wallet and
is spent again after a delay. The launderer's wallet habits are parameters, because they decide
what change-detection heuristics can see: where the change sits among the outputs, whether peels
are round sums (the round output is the payment, so the other one is change), the fee rate, and
address reuse (change back to the spending address: a mistake that gives the chain away).
"""
from __future__ import annotations

from dataclasses import dataclass

from chains.utxo.wallet import CHANGE_POSITION, PURPOSES, WalletProfile

from ..world import names
from .base import Step, crowd_at_exchange

#: the smallest peel, in satoshi (peels below dust would not relay)
MIN_PEEL = 10_000


CHAINS = {"chain": ("utxo",)}


@dataclass(frozen=True)
class Params:
    chain: str = "bitcoin"
    hops: int = 8
    #: each peel is this fraction of what the chain holds at that hop, drawn uniformly
    peel_min: float = 0.02
    peel_max: float = 0.10
    delay_minutes_min: int = 20
    delay_minutes_max: int = 240
    #: where the change output goes: random (like Bitcoin Core), last or first (simple wallets)
    change_position: str = "random"
    #: change back to the spending address instead of a fresh one (a mistake)
    reuse_addresses: bool = False
    #: peels in round sums of 0.001 BTC (a clue for change detection)
    round_peels: bool = False
    fee_rate: int = 3
    script_type: str = "p2wpkh"
    #: share of peels deposited at exchanges (cash-outs) and sent to mules' wallets; the rest go to services
    to_exchange: float = 0.5
    to_mule: float = 0.3
    mules: int = 3

    def __post_init__(self):
        if self.hops < 1:
            raise ValueError("hops: expected 1 or more")
        if not 0 < self.peel_min <= self.peel_max < 0.5:
            raise ValueError(f"peel_min, peel_max: expected 0 < peel_min <= peel_max < 0.5, got "
                             f"{self.peel_min}, {self.peel_max}")
        if self.delay_minutes_min > self.delay_minutes_max:
            raise ValueError("delay_minutes_min: expected at most delay_minutes_max")
        if self.change_position not in CHANGE_POSITION:
            raise ValueError(f"change_position: expected one of {', '.join(CHANGE_POSITION)}, "
                             f"got {self.change_position!r}")
        if self.script_type not in PURPOSES:
            raise ValueError(f"script_type: expected one of {', '.join(PURPOSES)}, got {self.script_type!r}")
        if self.fee_rate < 1:
            raise ValueError("fee_rate: expected at least 1 sat/vB")
        if not (0 <= self.to_exchange and 0 <= self.to_mule and self.to_exchange + self.to_mule <= 1):
            raise ValueError("to_exchange, to_mule: expected shares between 0 and 1 that sum to at most 1")
        if self.mules < 1:
            raise ValueError("mules: expected 1 or more")


def profile(p: Params) -> WalletProfile:
    """The launderer's wallet habits this step's parameters describe."""
    return WalletProfile(script_type=p.script_type, change_address="reuse" if p.reuse_addresses else "fresh",
                         change_position=p.change_position, round_payments=p.round_peels, round_unit=100_000,
                         fee_rate=p.fee_rate)


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    lane = world.lanes[p.chain]
    perp = step.perpetrator()
    if p.reuse_addresses:
        step.mistake("reuse_addresses", "the change goes back to the spending address: the chain is one address")
    if p.round_peels:
        step.mistake("round_peels", "peels are round amounts: the change output is the one that is not")
    if p.change_position == "last":
        step.mistake("change_position", "the change is always the last output")
    lane.set_profile(perp, profile(p))
    held = step.take_proceeds(p.chain, "BTC")
    coins = []
    for h in held:
        coins += lane.coins_at(world.actors[h["actor"]], h["outpoints"])
    mules = []
    for _ in range(p.mules):
        country = rng.choice([c for c in ("RS", "AL", "XK", "MK", "ME", "BA") if c in names.COUNTRIES] or sorted(names.COUNTRIES))
        mule = world.add_actor("mule", names.person(rng, country), country)
        mule.kyc = {"name": mule.name}
        mules.append(mule)
    exchanges = list(world.exchanges.values())
    services = world.of_kind("merchant") + world.of_kind("gambling")
    t = world.clock
    last, made = None, 0
    for hop in range(p.hops):
        total = sum(u.value for u in coins)
        peel = int(total * rng.uniform(p.peel_min, p.peel_max))
        if p.round_peels:
            peel -= peel % 100_000
        if peel < MIN_PEEL or total - peel < 4 * MIN_PEEL:
            break
        t += rng.randint(p.delay_minutes_min * 60, p.delay_minutes_max * 60)
        world.at(t)
        r = rng.random()
        cashout = None
        if r < p.to_exchange and exchanges:
            mule, ex = rng.choice(mules), rng.choice(exchanges)
            crowd_at_exchange(step, p.chain, ex, "BTC", peel, t)
            rec = world.kyc_customer(ex, mule)
            dest, note = rec["deposit_address"][p.chain], f"peel {hop + 1}: to {ex.actor.name} (customer {rec['customer_id']})"
            cashout = {"venue": "exchange", "exchange": ex.actor.name, "jurisdiction": ex.actor.jurisdiction,
                       "actor": mule.id,
                       "kyc": {k: v for k, v in rec.items() if k not in ("salt", "actor", "deposit_address")}}
        elif r < p.to_exchange + p.to_mule or not services:
            mule = rng.choice(mules)
            dest, note = lane.fresh_address(mule), f"peel {hop + 1}: to mule {mule.id}"
            world.truth.control(mule.id, p.chain, dest)
        else:
            svc = rng.choice(services)
            dest, note = lane.fresh_address(svc), f"peel {hop + 1}: to {svc.kind} {svc.name}"
        txid, outs = step.utxo_spend(p.chain, perp, coins, [(dest, peel)], t, note=note)
        made += 1
        change = [o for o in outs if o["change"]]
        if cashout:
            world.truth.cashouts.append({"chain": p.chain, "address": dest, "asset": "BTC", "amount": peel,
                                         "tx": txid, "from": _input_address(coins), **cashout})
        if not change:
            last = None
            break
        last = change[0]
        coins = lane.coins_at(perp, [(txid, last["vout"])])
        last = (txid, last)
    if not made:
        world.proceeds.extend(held)  # too little to peel: the holding stays where it was
    elif last is not None:
        txid, out = last
        step.utxo_hold(p.chain, perp, txid, out["vout"], out["address"], out["amount"])
    world.at(t + rng.randint(p.delay_minutes_min * 60, p.delay_minutes_max * 60))


def _input_address(coins) -> str:
    from chains.utxo.scripts import address as script_address

    return script_address(coins[0].coin.script)
