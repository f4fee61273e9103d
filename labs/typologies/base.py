"""What every typology uses: a step context that acts on the world and records the ground truth."""
from __future__ import annotations

import random
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from chains import contracts

from ..errors import StoryError
from ..units import ETH, decimals_of
from ..world import GAS_RESERVE, TRANSFER_FEE, Actor, World

#: the ERC-20 functions typologies call on any token of the proceeds
ERC20_ABI = [f for f in contracts.load("Stablecoin").abi
             if f.get("name") in ("transfer", "approve", "balanceOf", "decimals", "symbol")]


@dataclass
class Step:
    world: World
    index: int
    typology: str

    def mistake(self, name: str, clue: str) -> None:
        """Say in the key's entry for this step which mistake the launderer made and what it gives away."""
        for s in self.world.truth.steps:
            if s["step"] == self.index:
                s.setdefault("mistakes", []).append({"mistake": name, "clue": clue})

    def transfer(self, chain: str, actor: Actor, sender: LocalAccount, to: str, value: int, t: int,
                 note: str = "", *, controlled: bool = True) -> str:
        """A plain ETH transfer by ``actor`` from ``sender``, recorded as a laundering move.

        ``controlled``: the sender belongs to the laundering network's clusters (a victim's does not).
        """
        lane = self.world.lanes[chain]
        self.world.at(t)
        h = lane.transfer(sender, to, value, t)
        if controlled:
            self.world.truth.control(actor.id, chain, sender.address)
        self.world.truth.move(step=self.index, typology=self.typology, chain=chain, tx=h, sender=sender.address,
                              recipient=to, asset="ETH", amount=value, note=note)
        return h

    def call(self, chain: str, actor: Actor, sender: LocalAccount, fn, t: int, *, value: int = 0, note: str = "",
             recipient: str | None = None, asset: str = "ETH", amount: int | None = None) -> dict:
        """A contract call by ``actor``; recorded as a move of ``amount`` of ``asset`` to ``recipient``."""
        lane = self.world.lanes[chain]
        self.world.at(t)
        receipt = lane.call(fn, sender, t, value=value)
        self.world.truth.control(actor.id, chain, sender.address)
        h = "0x" + bytes(receipt["transactionHash"]).hex()
        self.world.truth.move(step=self.index, typology=self.typology, chain=chain, tx=h, sender=sender.address,
                              recipient=recipient or fn.address, asset=asset,
                              amount=value if amount is None else amount, note=note)
        return receipt

    def utxo_spend(self, chain: str, actor: Actor, coins: list, payments: list[tuple[str, int]], t: int,
                   note: str = "", *, controlled: bool = True, change: str | None = None, profile=None,
                   notes: list[str] | None = None) -> tuple[str, list[dict]]:
        """``actor`` spends exactly ``coins`` on the UTXO chain; every output is recorded as a move.

        The sender of each move is the first input's address; the change output is a move too
        (note "change"), since following the change is how a peel chain is traced. ``notes``
        gives a note per payment. Returns the txid and the outputs (see ``UtxoLane.spend``).
        """
        from chains.utxo.scripts import address as script_address

        lane = self.world.lanes[chain]
        self.world.at(t)
        txid, outs = lane.spend(actor, coins, payments, t, change=change, profile=profile)
        inputs = [script_address(u.coin.script) for u in coins]
        if controlled:
            for a in inputs:
                self.world.truth.control(actor.id, chain, a)
        pay_i = 0
        for o in outs:
            if o["change"]:
                if not controlled:
                    continue  # a victim's change is not part of the case
                self.world.truth.control(actor.id, chain, o["address"])
                n = "change"
            else:
                n = notes[pay_i] if notes else note
                pay_i += 1
            self.world.truth.move(step=self.index, typology=self.typology, chain=chain, tx=txid, sender=inputs[0],
                                  recipient=o["address"], asset="BTC", amount=o["amount"], note=n)
        return txid, outs

    def utxo_hold(self, chain: str, actor: Actor, txid: str, vout: int, address: str, amount: int) -> None:
        """Record that output ``txid:vout`` (at ``address``) of ``amount`` sat is now part of the proceeds."""
        self.world.truth.control(actor.id, chain, address)
        self.world.proceeds.append({"chain": chain, "actor": actor.id, "account": None, "address": address,
                                    "asset": "BTC", "amount": amount, "token": None,
                                    "outpoints": [(txid, vout)]})

    def take_proceeds(self, chain: str | None = None, asset: str | None = None) -> list[dict]:
        """Remove and return the holdings this step works on (all of them, or one chain's / asset's)."""
        taken = [h for h in self.world.proceeds
                 if (chain is None or h["chain"] == chain) and (asset is None or h["asset"] == asset)]
        if not taken:
            where = f" on {chain}" if chain else ""
            raise StoryError(f"story step {self.index} ({self.typology}): no proceeds{where} to work on — "
                             "does an earlier step put them there?")
        self.world.proceeds = [h for h in self.world.proceeds if h not in taken]
        return taken

    def hold(self, chain: str, actor: Actor, account: LocalAccount, asset: str, amount: int,
             token: str | None = None) -> None:
        """Record that ``account`` now holds ``amount`` of ``asset``, of the proceeds (ERC-20 at ``token``, or ETH)."""
        self.world.truth.control(actor.id, chain, account.address)
        self.world.proceeds.append({"chain": chain, "actor": actor.id, "account": account, "address": account.address,
                                    "asset": asset, "amount": amount, "token": token})

    def ensure_gas(self, chain: str, actor: Actor, account: LocalAccount, t: int, calls: int = 2) -> None:
        """Give ``account`` ETH for ``calls`` contract calls if it lacks it, the way careful launderers do.

        The gas is withdrawn straight to the address from the perpetrator's account at an exchange
        (never the one the case's victim is): on chain only the exchange's hot wallet pays it, as it
        pays every customer, so nothing ties the address to the perpetrator's other addresses; the
        exchange's records do (the move's note names the customer).
        """
        lane = self.world.lanes[chain]
        need = calls * GAS_RESERVE
        if lane.balance(account.address) >= need:
            return
        victim = (self.world.notes.get("hack") or {}).get("exchange")
        ex = [e for e in self.world.exchanges.values() if e.actor.name != victim][-1]
        rec = self.world.kyc_customer(ex, self.perpetrator())
        value = 5 * GAS_RESERVE
        self.world.at(t - 600)
        h = lane.transfer(ex.hot_wallet, account.address, value, t - 600)
        self.world.truth.move(step=self.index, typology=self.typology, chain=chain, tx=h,
                              sender=ex.hot_wallet.address, recipient=account.address, asset="ETH", amount=value,
                              note=f"gas withdrawn from {ex.actor.name} (customer {rec['customer_id']})")

    def perpetrator(self) -> Actor:
        """The case's perpetrator (created by the first step that needs one)."""
        world = self.world
        if "perpetrator" not in world.actors:
            rng = world.rng("perpetrator")
            from ..world import names

            country = rng.choice(["RS", "AL", "XK", "MK", "ME", "BA"])
            actor = world.add_actor("perpetrator", names.person(rng, country), country, actor_id="perpetrator")
            actor.kyc = {"name": actor.name}
        return world.actors["perpetrator"]


#: a chain's own coin -> the grain comparable amounts of it are drawn in (0.0001 BTC, 0.001 ETH)
GRAIN = {"BTC": 10_000, "ETH": 10**15}


def crowd_at_exchange(step: Step, chain: str, ex, asset: str, amount: int, t: int, token: str | None = None) -> None:
    """Other customers deposit comparable sums of the same asset at ``ex`` on ``chain`` about ``t``,
    when the perpetrator's ``amount`` of ``asset`` (the ERC-20 at ``token``, or the chain's own coin)
    arrives there: an investigator who filters the exchange's deposits by asset must still find a crowd.

    Who deposits a token got it the way anyone does: the lab stablecoin by a withdrawal from
    another exchange; a bridge's wrapped token by bridging its origin asset from the other chain
    (real bridge deposits and payouts, a few hours before the deposit).
    """
    from ..world.background import draw_comparable
    from ..world.background.evm import BRIDGED_LEAD
    from ..difficulty import WINDOW

    world = step.world
    lane = world.lanes[chain]
    end = t + WINDOW["exchange_deposit"]
    if token is None:
        grain = GRAIN[lane.coin]
        world.crowd("exchange_deposit", "deposit", chain, world.clock, end,
                    lambda r: (ex.actor.id, draw_comparable(r, amount, grain)))
        return
    # whole dollars of a dollar token, 0.001 of anything else
    grain = 10 ** max(0, decimals_of(asset) - (0 if "USD" in asset else 3))
    lane.sweep_tokens.add(token)  # the exchange sweeps what its customers deposit
    if token == lane.contracts["stablecoin"].address:
        world.crowd("exchange_deposit", "deposit", chain, world.clock, end,
                    lambda r: (ex.actor.id, draw_comparable(r, amount, grain), "stablecoin"))
        return
    origin = world.bridge_origin(chain, token)
    if origin is None:
        raise StoryError(f"story step {step.index} ({step.typology}): no crowd can deposit {asset} ({token}) at "
                         f"{ex.actor.name}: the lab makes no other holders of that token")
    src, origin_token = origin
    key = None if int(origin_token, 16) == 0 else next(
        k for k, c in world.lanes[src].contracts.items() if c.address == origin_token)
    world.crowd("exchange_deposit", "bridged_deposit", src, world.clock, end - BRIDGED_LEAD[0],
                lambda r: (ex.actor.id, chain, draw_comparable(r, amount, grain), key, token, end))


def noted(note: str, *mistakes: str) -> str:
    """A move's note, naming the mistakes it shows (empty names are the mistakes not made).

    >>> noted("aggregation", "same block", ""), noted("aggregation")
    ('aggregation (mistake: same block)', 'aggregation')
    """
    shown = [m for m in mistakes if m]
    return f"{note} (mistake: {', '.join(shown)})" if shown else note


def spendable(amount: int, *, calls: int = 0) -> int:
    """What an address holding ``amount`` wei can send on in one plain transfer (and ``calls`` later calls)."""
    return amount - TRANSFER_FEE - calls * GAS_RESERVE


def jitter(rng: random.Random, value: int, fraction: float) -> int:
    """``value`` changed by up to ``fraction`` either way, in whole base units."""
    if fraction <= 0:
        return value
    span = int(value * fraction)
    return value + rng.randint(-span, span)


def eth_round(rng: random.Random, wei: int, round_probability: float) -> int:
    """People choose round amounts: with ``round_probability``, round down to 0.1 ETH."""
    if rng.random() < round_probability and wei >= ETH // 10:
        return wei - wei % (ETH // 10)
    return wei - wei % 10**12
