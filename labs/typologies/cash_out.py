"""Cash-out: the proceeds reach an exchange account (under a KYC name) or an OTC desk.

An exchange deposit is where the trace meets the regulated world: the deposit address belongs to
one customer, whose KYC record the exchange hands over on a production order.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..units import HOUR
from .base import ERC20_ABI, Step, crowd_at_exchange


CHAINS = {"chain": ("evm", "utxo")}


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    venue: str = "exchange"
    #: which exchange of the world (1 = the first)
    exchange: int = 1
    delay_hours_max: int = 24

    def __post_init__(self):
        if self.venue not in ("exchange", "otc"):
            raise ValueError(f"venue: expected exchange or otc, got {self.venue!r}")
        if self.exchange < 1:
            raise ValueError("exchange: expected 1 or more")


class _Evm:
    """Cash-out on an EVM chain: the holding account's ETH or tokens in one transfer."""

    @staticmethod
    def otc_address(lane, otc) -> str:
        return otc.address

    @staticmethod
    def send(step, p, lane, holder, h: dict, to: str, t: int) -> tuple[str, int]:
        account = h["account"]
        if h["asset"] == "ETH":
            amount = lane.max_transfer(h["amount"], to)
            return step.transfer(p.chain, holder, account, to, amount, t, note=f"cash-out to {p.venue}"), amount
        token = lane.w3.eth.contract(address=h["token"], abi=ERC20_ABI)
        lane.sweep_tokens.add(h["token"])
        amount = h["amount"]
        receipt = step.call(p.chain, holder, account, token.functions.transfer(to, amount), t,
                            note=f"cash-out to {p.venue}", recipient=to, asset=h["asset"], amount=amount)
        return "0x" + bytes(receipt["transactionHash"]).hex(), amount

    @staticmethod
    def deposited(ex, rec: dict) -> None:
        """The exchange sweeps the deposit contracts it knows were paid; after the deposit: moving
        the clock to it may have run an earlier sweep."""
        ex.unswept[rec["customer_id"]] = None


class _Utxo:
    """Cash-out on the UTXO chain: the held coins in one payment."""

    @staticmethod
    def otc_address(lane, otc) -> str:
        # a desk hands out a fresh address per trade, as wallets do
        return lane.fresh_address(otc)

    @staticmethod
    def send(step, p, lane, holder, h: dict, to: str, t: int) -> tuple[str, int]:
        world = step.world
        world.at(t)
        # the whole holding in one payment, as a deposit to the customer's address
        tx, amount = lane.send_all(holder, lane.coins_at(holder, h["outpoints"]), to, t)
        world.truth.control(holder.id, p.chain, h["address"])
        world.truth.move(step=step.index, typology=step.typology, chain=p.chain, tx=tx, sender=h["address"],
                         recipient=to, asset="BTC", amount=amount, note=f"cash-out to {p.venue}")
        return tx, amount

    @staticmethod
    def deposited(ex, rec: dict) -> None:
        """Nothing to tell: the exchange's wallet finds the deposit when it sweeps."""


#: chain kind -> how the proceeds reach the venue there
KIND = {"evm": _Evm, "utxo": _Utxo}


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    lane = world.lanes[p.chain]
    kind = KIND[lane.kind]
    exchanges = list(world.exchanges.values())
    t = world.clock
    for h in step.take_proceeds(p.chain):
        holder = world.actors[h["actor"]]
        t += rng.randint(10 * 60, p.delay_hours_max * HOUR)
        if p.venue == "exchange":
            ex = exchanges[p.exchange - 1]
            crowd_at_exchange(step, p.chain, ex, h["asset"], h["amount"], t, h.get("token"))
            rec = world.kyc_customer(ex, holder)
            to = rec["deposit_address"][p.chain]
            venue = {"venue": "exchange", "exchange": ex.actor.name, "jurisdiction": ex.actor.jurisdiction,
                     "kyc": {k: v for k, v in rec.items() if k not in ("salt", "actor", "deposit_address")}}
        else:
            otc = world.of_kind("otc")[0]
            to = kind.otc_address(lane, otc)
            venue = {"venue": "otc", "desk": otc.name, "jurisdiction": otc.jurisdiction}
        tx, amount = kind.send(step, p, lane, holder, h, to, t)
        if p.venue == "exchange":
            kind.deposited(ex, rec)
        world.truth.cashouts.append({"chain": p.chain, "address": to, "asset": h["asset"], "amount": amount,
                                     "tx": tx, "from": h["address"], "actor": holder.id, **venue})
    world.at(t + rng.randint(HOUR, 6 * HOUR))
