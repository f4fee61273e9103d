"""The contract tour of `tracelab demo`: every lab contract in one short, scripted run on two chains.

(Not a spec's ``[[story]]``: nothing here is generated; the same steps run every time.)

A victim pays a fraud platform in ETH and in the stablecoin; the platform launders the ETH through
the mixer (a relayer withdraws to a fresh address) and the bridge (a relayer mints on the second
chain); the issuer freezes the platform's stablecoin and seizes it into the investigators'
multi-signature custody wallet, whose owners then move it with two confirmations of three.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from web3.logs import DISCARD

from chains import contracts
from chains.bridge_relayer import BridgeRelayer
from chains.evm import EvmChain

from ..units import ETH, USD


@dataclass
class TourResult:
    backend: str
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # (chain, step, tx hash)
    balances: list[tuple[str, str, str, int, str]] = field(default_factory=list)  # chain, who, address, amount, unit


def _h(receipt) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


def run_tour(backend: str = "auto") -> TourResult:
    with EvmChain.start(backend, chain_id=1337, accounts=10, balance=100 * ETH) as a, \
            EvmChain.start(backend, chain_id=8453, accounts=10, balance=100 * ETH) as b:
        (operator, issuer, victim, platform, relayer, fresh, officer1, officer2, officer3, restitution) = a.accounts
        out = TourResult(a.backend.name)

        def step(chain, name, receipt):
            out.steps.append((chain, name, _h(receipt)))

        usd = contracts.deploy(a, "Stablecoin", "Lab Dollar", "LUSD", issuer.address, sender=operator)
        mixer = contracts.deploy(a, "Mixer", ETH, sender=operator)
        bridge_a = contracts.deploy(a, "Bridge", relayer.address, sender=operator)
        bridge_b = contracts.deploy(b, "Bridge", relayer.address, sender=b.accounts[0])
        custody = contracts.deploy(a, "Custody", [officer1.address, officer2.address, officer3.address], 2,
                                   sender=operator)
        step("A", "issuer mints 50,000 LUSD to the victim", a.transact(usd.functions.mint(victim.address, 50_000 * USD), issuer))

        # the victim pays the platform in ETH and in the stablecoin
        h = a.send(victim, platform.address, value=3 * ETH)
        a.mine()
        step("A", "victim pays the fraud platform 3 ETH", {"transactionHash": h})
        step("A", "victim pays the fraud platform 20,000 LUSD",
             a.transact(usd.functions.transfer(platform.address, 20_000 * USD), victim))

        # mixer: deposit a note, a relayer withdraws it to a fresh address for a fee
        secret, nullifier = bytes(range(32)), bytes(range(32, 64))
        commitment = mixer.functions.commitmentOf(secret, nullifier).call()
        step("A", "platform deposits 1 ETH into the mixer", a.transact(mixer.functions.deposit(commitment), platform, value=ETH))
        fee = ETH // 200
        step("A", "relayer withdraws the note to a fresh address",
             a.transact(mixer.functions.withdraw(secret, nullifier, fresh.address, relayer.address, fee), relayer))

        # bridge: the fresh address locks ETH on chain A; the relayer mints bridged ETH on chain B
        step("A", "fresh address bridges 0.9 ETH to chain B",
             a.transact(bridge_a.functions.depositETH(8453, fresh.address), fresh, value=9 * ETH // 10))
        b.send(b.accounts[0], relayer.address, value=ETH)  # the relayer pays gas on chain B too
        b.mine()
        for payout in BridgeRelayer(a, bridge_a, b, bridge_b, sender=relayer).relay():
            out.steps.append(("B", f"relayer {payout.action}s the bridged ETH (nonce {payout.deposit.nonce})",
                              payout.tx_hash))
            bridged = b.w3.eth.contract(address=payout.token, abi=contracts.load("BridgedToken").abi)

        # the issuer freezes the platform on a court order and seizes its stablecoin into custody
        step("A", "issuer freezes the platform's address", a.transact(usd.functions.freeze(platform.address), issuer))
        step("A", "issuer seizes the frozen LUSD into custody",
             a.transact(usd.functions.seize(platform.address, custody.address, "CASE-2026-001"), issuer))
        data = usd.functions.transfer(restitution.address, 20_000 * USD)._encode_transaction_data()
        receipt = a.transact(custody.functions.submit(usd.address, 0, data), officer1)
        tx_id = custody.events.Submission().process_receipt(receipt, errors=DISCARD)[0]["args"]["txId"]
        step("A", "officer 1 proposes restitution from custody (and confirms)", receipt)
        step("A", "officer 2 confirms", a.transact(custody.functions.confirm(tx_id), officer2))
        step("A", "custody executes the restitution transfer", a.transact(custody.functions.execute(tx_id), officer2))

        for who, acct in (("victim", victim), ("platform", platform), ("fresh address", fresh),
                          ("relayer", relayer), ("restitution account", restitution)):
            out.balances.append(("A", who, acct.address, a.w3.eth.get_balance(acct.address), "wei"))
        for who, addr in (("platform", platform.address), ("custody", custody.address),
                          ("restitution account", restitution.address)):
            out.balances.append(("A", who, addr, usd.functions.balanceOf(addr).call(), "LUSD base units"))
        out.balances.append(("A", "mixer", mixer.address, a.w3.eth.get_balance(mixer.address), "wei"))
        out.balances.append(("A", "bridge (locked)", bridge_a.address, a.w3.eth.get_balance(bridge_a.address), "wei"))
        out.balances.append(("B", "fresh address", fresh.address, bridged.functions.balanceOf(fresh.address).call(),
                             "bETH base units"))
        return out
