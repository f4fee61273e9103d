"""Fan-in aggregation: many addresses send everything to one, which links them all.

``same_block`` is a launderer's mistake (off by default): one script sends every transfer at once,
so they share a block, which says "one controller" even before the common recipient does. It is
recorded in the key (the step's ``mistakes`` and the moves' notes).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..world import TRANSFER_FEE
from ..units import HOUR
from .base import Step, noted


CHAINS = {"chain": ("evm", "utxo")}


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    delay_hours_max: int = 24
    #: mistake: every transfer sent at the same moment by one script, so they land in one block
    #: (EVM only: on the UTXO chain fan-in is one consolidation transaction anyway)
    same_block: bool = False


def run(step: Step, p: Params, rng) -> None:
    """Everything held of the proceeds on ``p.chain`` into one fresh address, as its kind of chain does it."""
    RUN[step.world.lanes[p.chain].kind](step, p, rng)


def _run_evm(step: Step, p: Params, rng) -> None:
    """On an EVM chain: one transfer from each holding account to a fresh account."""
    world = step.world
    perp = step.perpetrator()
    target = perp.fresh_account()
    if p.same_block:
        step.mistake("same_block", "every aggregation transfer sent at once: they share one block")
    t, total = world.clock, 0
    for i, h in enumerate(step.take_proceeds(p.chain, "ETH")):
        # drawn with or without the mistake, so the rest of the case stays the same
        delay = rng.randint(60, p.delay_hours_max * HOUR // 4)
        t += 0 if p.same_block and i else delay
        value = h["amount"] - TRANSFER_FEE
        step.transfer(p.chain, world.actors[h["actor"]], h["account"], target.address, value, t,
                      note=noted("aggregation", p.same_block and "same block"))
        total += value
    step.hold(p.chain, perp, target, "ETH", total)
    world.at(t + rng.randint(HOUR, p.delay_hours_max * HOUR))


def _run_utxo(step: Step, p: Params, rng) -> None:
    """On the UTXO chain: one consolidation transaction spending every held coin to a fresh address.

    The multi-input transaction is what ties the inputs' addresses into one cluster
    (common-input-ownership); each input is recorded as a move of its value.
    """
    from chains.utxo.scripts import address as script_address

    world = step.world
    lane = world.lanes[p.chain]
    perp = step.perpetrator()
    held = step.take_proceeds(p.chain, "BTC")
    t = world.clock + rng.randint(60, p.delay_hours_max * HOUR)
    world.at(t)
    coins = []
    for h in held:
        coins += lane.coins_at(world.actors[h["actor"]], h["outpoints"])
    target = lane.fresh_address(perp)
    txid, amount = lane.send_all(perp, coins, target, t)
    for u in coins:
        a = script_address(u.coin.script)
        world.truth.control(perp.id, p.chain, a)
        world.truth.move(step=step.index, typology=step.typology, chain=p.chain, tx=txid, sender=a,
                         recipient=target, asset="BTC", amount=u.value, note="aggregation (one input)")
    step.utxo_hold(p.chain, perp, txid, 0, target, amount)
    world.at(t + rng.randint(HOUR, p.delay_hours_max * HOUR))


#: chain kind -> how fan-in is done there
RUN = {"evm": _run_evm, "utxo": _run_utxo}
