"""Mixer: deposits split across fixed denominations, withdrawn after delays to fresh addresses.

The lab mixer has Tornado Cash's shape (one pool per denomination; Deposit and Withdrawal events;
relayers who send the withdrawal and take a fee, so the fresh address needs no gas). What links a
deposit to a withdrawal is never on chain: only amounts, timing, gas funding and address reuse,
which is what the launderer's mistakes (parameters below) give away.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..units import ETH, HOUR
from ..world import GAS_RESERVE
from .base import Step

DENOMINATIONS = (100 * ETH, 10 * ETH, ETH, ETH // 10)


CHAINS = {"chain": ("evm",)}


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    delay_hours_min: int = 6
    delay_hours_max: int = 96
    relayer: bool = True
    #: relayer fee in basis points of the denomination
    relayer_fee_bps: int = 30
    #: fresh addresses the withdrawals go to
    withdraw_addresses: int = 3
    #: mistake: withdraw everything within the hour after depositing (timing links them)
    hasty: bool = False

    def __post_init__(self):
        if self.delay_hours_min > self.delay_hours_max:
            raise ValueError("delay_hours_min must be at most delay_hours_max")
        if self.withdraw_addresses < 1:
            raise ValueError("withdraw_addresses: expected at least 1")
        if self.relayer_fee_bps > 10_000:
            raise ValueError("relayer_fee_bps: expected at most 10000")


def split(amount: int) -> list[int]:
    """Greedy split of ``amount`` wei into mixer denominations; what is left is under 0.1 ETH.

    >>> [d // ETH for d in split(123 * ETH)]
    [100, 10, 10, 1, 1, 1]
    """
    notes = []
    for d in DENOMINATIONS:
        while amount >= d:
            notes.append(d)
            amount -= d
    return notes


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    lane = world.lanes[p.chain]
    perp = step.perpetrator()
    relayer = world.actors["mixer-relayer"]
    t = world.clock
    if p.hasty:
        step.mistake("hasty", "every withdrawal within the hour of its deposit: timing links them")
    if not p.relayer:
        step.mistake("relayer", "no relayer: the withdrawal addresses' gas is funded from the launderer's "
                                "own addresses")
    # the plan first (every deposit's and withdrawal's time), so the crowd can be asked for up front
    plan, notes = [], []
    for h in step.take_proceeds(p.chain, "ETH"):
        budget = h["amount"] - GAS_RESERVE * (len(split(h["amount"])) + 1)
        for denom in split(budget):
            t += rng.randint(60, 2 * HOUR)
            plan.append((h, denom, t))
    targets = [perp.fresh_account() for _ in range(p.withdraw_addresses)]
    received = {a.address: 0 for a in targets}
    delays = [rng.randint(5 * 60, 50 * 60) if p.hasty else rng.randint(p.delay_hours_min * HOUR,
                                                                         p.delay_hours_max * HOUR) for _ in plan]
    last_deposit = t
    for denom in sorted({d for _, d, _ in plan}):
        times = [dt for _, d, dt in plan if d == denom]
        end = max(last_deposit + delay for (_, d, _), delay in zip(plan, delays) if d == denom)
        world.crowd("mixer", "mix", p.chain, times[0], end,
                    lambda r, denom=denom: (denom, r.randint(HOUR, p.delay_hours_max * HOUR)))
    for h, denom, dt in plan:
        holder, account = world.actors[h["actor"]], h["account"]
        secret, nullifier = rng.randbytes(32), rng.randbytes(32)
        mixer = lane.contracts[f"mixer-{denom}"]
        commitment = mixer.functions.commitmentOf(secret, nullifier).call()
        receipt = step.call(p.chain, holder, account, mixer.functions.deposit(commitment), dt, value=denom,
                            note="mixer deposit", recipient=mixer.address)
        record = world.mixer_note(p.chain, denom, holder, account.address, receipt, dt)
        notes.append((denom, secret, nullifier, mixer, record))
    last = t
    schedule = []
    for i, (note, delay) in enumerate(zip(notes, delays)):
        schedule.append((t + delay, i, note, targets[i % len(targets)]))
    for wt, _, (denom, secret, nullifier, mixer, record), target in sorted(schedule, key=lambda s: (s[0], s[1])):
        fee = denom * p.relayer_fee_bps // 10_000 if p.relayer else 0
        if p.relayer:
            sender = relayer.account(0)
            fn = mixer.functions.withdraw(secret, nullifier, target.address, sender.address, fee)
        else:
            # no relayer: the fresh address needs gas first, and it comes from the perpetrator's own
            # funded wallet, a link an investigator can follow
            sender = target
            if received[target.address] == 0 and world.lanes[p.chain].balance(target.address) == 0:
                step.transfer(p.chain, perp, perp.account(0), target.address, GAS_RESERVE, wt - 600,
                              note="gas for the withdrawal address")
            fn = mixer.functions.withdraw(secret, nullifier, target.address, "0x" + "00" * 20, 0)
        world.at(wt)
        receipt = lane.call(fn, sender, wt)
        hx = "0x" + bytes(receipt["transactionHash"]).hex()
        record.update(withdraw_tx=hx, recipient=target.address, recipient_actor=perp.id, withdraw_time=wt, fee=fee,
                      relayer=p.relayer)
        world.truth.move(step=step.index, typology=step.typology, chain=p.chain, tx=hx, sender=mixer.address,
                         recipient=target.address, asset="ETH", amount=denom - fee, note="mixer withdrawal")
        if not p.relayer:
            world.truth.control(perp.id, p.chain, target.address)
        received[target.address] += denom - fee
        last = max(last, wt)
    for target in targets:
        if received[target.address]:
            # without a relayer the address paid its own gas: what it can still move is what it holds
            amount = received[target.address] if p.relayer else world.lanes[p.chain].balance(target.address)
            step.hold(p.chain, perp, target, "ETH", amount)
    world.at(last + rng.randint(HOUR, 12 * HOUR))
