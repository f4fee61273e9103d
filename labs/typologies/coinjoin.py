"""CoinJoin: the proceeds enter a Whirlpool-like pool, mix in rounds of five with other users, remix.

A Tx0 splits the proceeds into premix coins of the pool's denomination; each coin joins rounds
(five inputs, five equal outputs, one coin per owner) with ordinary users' coins, ``remixes``
times more after the first; what comes out are postmix coins of exactly the denomination at fresh
addresses, which the next step spends one by one. On chain a round's inputs look like one owner's
(common-input ownership) and are not; which output is whose is what no heuristic can read.
``consolidate`` is a mistake: the postmix coins merged again in one transaction, which ties them
back together (and to the Tx0 that made them).
"""
from __future__ import annotations

from dataclasses import dataclass

from chains.utxo.scripts import address as script_address

from ..errors import StoryError
from ..units import HOUR
from .base import Step

CHAINS = {"chain": ("utxo",)}


@dataclass(frozen=True)
class Params:
    chain: str = "bitcoin"
    #: rounds each coin takes after its first (Whirlpool remixes for free)
    remixes: int = 2
    #: premix coins the Tx0 makes at most
    outputs_max: int = 12
    #: the pool's denomination in satoshi (0: the largest the proceeds can enter)
    pool: int = 0
    #: mistake: merge every postmix coin in one transaction afterwards
    consolidate: bool = False

    def __post_init__(self):
        from ..world.coinjoin import POOLS

        if self.pool and self.pool not in POOLS:
            raise ValueError(f"pool: expected 0 or one of {', '.join(map(str, POOLS))}, got {self.pool}")
        if not 0 <= self.remixes <= 10:
            raise ValueError("remixes: expected 0 to 10")
        if not 1 <= self.outputs_max <= 70:
            raise ValueError("outputs_max: expected 1 to 70")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    lane = world.lanes[p.chain]
    co = lane.coordinator
    perp = step.perpetrator()
    if p.consolidate:
        step.mistake("consolidate", "the postmix coins are merged in one transaction: common-input ownership "
                                    "ties them together again")
    held = step.take_proceeds(p.chain, "BTC")
    coins = [u for h in held for u in lane.coins_at(world.actors[h["actor"]], h["outpoints"])]
    total = sum(u.value for u in coins)
    pool = p.pool or co.pool_for(total)
    if not pool:
        raise StoryError(f"story step {step.index} ({step.typology}): {total} sat is too little for any pool")
    t = world.clock + rng.randint(10 * 60, 2 * HOUR)
    n = max(1, min(p.outputs_max, total // (pool + 2_000) - 1))
    rounds = n * (p.remixes + 1)
    # others enter the same pool while the perpetrator's coins mix: every round needs a new entrant
    world.crowd("coinjoin", "tx0", p.chain, t, t + rounds * 40 * 60, lambda r: (pool,))
    world.at(t)
    txid, entries = co.tx0(perp, coins, pool, n, t, remixes=p.remixes)
    for u in coins:
        world.truth.control(perp.id, p.chain, script_address(u.coin.script))
    for e in entries:
        address = script_address(lane.ledger.coin((bytes.fromhex(e.txid), e.vout), include_mempool=True).script)
        world.truth.control(perp.id, p.chain, address)
        world.truth.move(step=step.index, typology=step.typology, chain=p.chain, tx=txid,
                         sender=script_address(coins[0].coin.script), recipient=address, asset="BTC",
                         amount=e.value, note=f"Tx0: premix coin for the {pool} sat pool")
    deadline = t + 7 * 24 * HOUR
    while co.pending(perp.id) and world.clock < deadline:
        world.at(world.clock + HOUR)
    for e in [e for q in co.queues.values() for e in q if e.actor.id == perp.id]:
        co.queues[pool].remove(e)  # past the deadline: the coin leaves the pool where it is
        # a coin that never found a round is still the Tx0's premix coin, worth the pool plus its surplus
        co.rounds_of.setdefault(perp.id, []).append({"tx": e.txid, "vout": e.vout, "done": True, "amount": e.value,
                                                     "premix": e.fresh, "address": _address(lane, e.txid, e.vout)})
    finals = []
    for r in co.rounds_of.get(perp.id, []):
        world.truth.control(perp.id, p.chain, r["address"])
        if r.get("premix"):
            note = "premix coin left unmixed at the deadline (too few other users joined the pool)"
        else:
            note = "CoinJoin round: postmix coin" + ("" if r["done"] else " (remixed)")
        world.truth.move(step=step.index, typology=step.typology, chain=p.chain, tx=r["tx"], sender=r["tx"],
                         recipient=r["address"], asset="BTC", amount=r.get("amount", pool), note=note)
        if r["done"]:
            finals.append(r)
    co.rounds_of[perp.id] = []
    if p.consolidate:
        target = lane.fresh_address(perp)
        utxos = [co.utxo(r["tx"], r["vout"], perp) for r in finals]
        t2 = world.clock + rng.randint(HOUR, 6 * HOUR)
        world.at(t2)
        mtx, amount = lane.send_all(perp, utxos, target, t2)
        world.truth.move(step=step.index, typology=step.typology, chain=p.chain, tx=mtx, sender=finals[0]["address"],
                         recipient=target, asset="BTC", amount=amount, note="postmix coins merged (mistake)")
        step.utxo_hold(p.chain, perp, mtx, 0, target, amount)
    else:
        for r in finals:
            step.utxo_hold(p.chain, perp, r["tx"], r["vout"], r["address"], r.get("amount", pool))
    world.at(world.clock + rng.randint(HOUR, 6 * HOUR))


def _address(lane, txid: str, vout: int) -> str:
    return script_address(lane.ledger.coin((bytes.fromhex(txid), vout), include_mempool=True).script)
