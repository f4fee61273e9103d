"""Bridge hop: the proceeds cross to another EVM chain through the lock-and-mint bridge.

On the source chain the funds stop at the bridge contract; on the destination the bridge mints a
wrapped token to the recipient. Only the bridge's events (the same nonce on both sides) join the
two legs, and many tracing tools still stop at the bridge.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..world import GAS_RESERVE
from ..world.background import draw_comparable
from ..difficulty import WINDOW
from ..units import HOUR
from .base import ERC20_ABI, Step


CHAINS = {"chain": ("evm",), "to_chain": ("evm",)}


@dataclass(frozen=True)
class Params:
    chain: str = "ethereum"
    to_chain: str = "sidechain"
    #: bridge to a fresh address of the perpetrator (else to the same address on the other chain)
    fresh_recipient: bool = True
    delay_hours_max: int = 12

    def __post_init__(self):
        if self.chain == self.to_chain:
            raise ValueError("to_chain: expected another chain than chain")


def run(step: Step, p: Params, rng) -> None:
    world = step.world
    src, dst = world.lanes[p.chain], world.lanes[p.to_chain]
    if not p.fresh_recipient:
        step.mistake("fresh_recipient", "the tokens are minted to the sender's own address on the other chain")
    bridge = src.contracts["bridge"]
    dst_id = dst.chain.chain_id
    perp = step.perpetrator()
    t = world.clock
    for h in step.take_proceeds(p.chain):
        holder, account = world.actors[h["actor"]], h["account"]
        recipient = perp.fresh_account() if p.fresh_recipient else account
        t += rng.randint(60, p.delay_hours_max * HOUR)
        token = None if h["asset"] == "ETH" else next((k for k in ("stablecoin",) if src.contracts[k].address ==
                                                      h["token"]), False)
        if token is not False:  # others bridge the same asset on this route about then, at comparable amounts
            world.crowd("bridge", "bridge", p.chain, world.clock, t + WINDOW["bridge"],
                        lambda r, a=h["amount"], token=token: (draw_comparable(r, a, 10**12 if token is None else 10**6),
                                                               token))
        if h["asset"] == "ETH":
            amount = h["amount"] - GAS_RESERVE
            receipt = step.call(p.chain, holder, account, bridge.functions.depositETH(dst_id, recipient.address), t,
                                value=amount, note=f"bridge deposit to {p.to_chain}", recipient=bridge.address)
        else:
            amount = h["amount"]
            token = src.w3.eth.contract(address=h["token"], abi=ERC20_ABI)
            step.call(p.chain, holder, account, token.functions.approve(bridge.address, amount), t,
                      note="approve the bridge", recipient=bridge.address, asset=h["asset"], amount=0)
            receipt = step.call(p.chain, holder, account,
                                bridge.functions.depositToken(h["token"], amount, dst_id, recipient.address), t,
                                note=f"bridge deposit to {p.to_chain}", recipient=bridge.address, asset=h["asset"],
                                amount=amount)
        deposit_tx = "0x" + bytes(receipt["transactionHash"]).hex()
        # the relayer sees the deposit a few blocks later and pays out on the other chain
        t += rng.randint(2 * 60, 20 * 60)
        world.at(t)  # (the background may relay it first, with ordinary users' deposits)
        world.relay(p.chain, p.to_chain, t)
        payout = world.bridge_payouts.get(deposit_tx)
        if payout is None:
            raise RuntimeError(f"the bridge relayer paid nothing for deposit {deposit_tx}")
        wrapped = dst.w3.eth.contract(address=payout.token, abi=ERC20_ABI)
        symbol = wrapped.functions.symbol().call()
        world.truth.move(step=step.index, typology=step.typology, chain=p.to_chain, tx=payout.tx_hash,
                         sender=dst.contracts["bridge"].address, recipient=recipient.address, asset=symbol,
                         amount=amount, note=f"bridge {payout.action} (nonce {payout.deposit.nonce}, "
                                             f"deposit {deposit_tx} on {p.chain})")
        step.hold(p.to_chain, perp, recipient, symbol, amount, token=payout.token)
        step.ensure_gas(p.to_chain, perp, recipient, t + 60)
        world.notes.setdefault("bridged_tokens", {})[payout.token] = {"chain": p.to_chain, "symbol": symbol}
    world.at(t + rng.randint(HOUR, 6 * HOUR))
