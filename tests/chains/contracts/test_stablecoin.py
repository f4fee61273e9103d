"""Stablecoin: issuer role, mint, freeze, unfreeze, seize into custody, and the attacks on them."""
import pytest
from web3.logs import DISCARD

from chains.contracts import deploy

from .conftest import USD, ZERO, assert_reverts


@pytest.fixture
def usd(chain):
    issuer = chain.accounts[0]
    return deploy(chain, "Stablecoin", "Lab USD", "LUSD", issuer.address, sender=issuer)


def test_metadata_and_mint(chain, usd):
    issuer, alice = chain.accounts[:2]
    assert (usd.functions.name().call(), usd.functions.symbol().call(), usd.functions.decimals().call()) == \
        ("Lab USD", "LUSD", 6)
    r = chain.transact(usd.functions.mint(alice.address, 1_000 * USD), sender=issuer)
    (ev,) = usd.events.Transfer().process_receipt(r, errors=DISCARD)
    assert (ev.args["from"], ev.args.to, ev.args.value) == (ZERO, alice.address, 1_000 * USD)
    assert usd.functions.totalSupply().call() == 1_000 * USD


def test_transfer_and_transfer_from(chain, usd):
    issuer, alice, bob, carol = chain.accounts[:4]
    chain.transact(usd.functions.mint(alice.address, 100 * USD), sender=issuer)
    chain.transact(usd.functions.transfer(bob.address, 30 * USD), sender=alice)
    chain.transact(usd.functions.approve(carol.address, 50 * USD), sender=alice)
    chain.transact(usd.functions.transferFrom(alice.address, carol.address, 20 * USD), sender=carol)
    bal = [usd.functions.balanceOf(a.address).call() for a in (alice, bob, carol)]
    assert bal == [50 * USD, 30 * USD, 20 * USD]
    assert usd.functions.allowance(alice.address, carol.address).call() == 30 * USD
    assert_reverts(chain, usd.functions.transferFrom(alice.address, carol.address, 31 * USD), carol,
                   "Stablecoin: insufficient allowance")
    assert_reverts(chain, usd.functions.transfer(bob.address, 51 * USD), alice, "Stablecoin: insufficient balance")


def test_non_issuer_cannot_mint_freeze_or_seize(chain, usd):
    issuer, mallory, victim = chain.accounts[:3]
    chain.transact(usd.functions.mint(victim.address, 10 * USD), sender=issuer)
    assert_reverts(chain, usd.functions.freeze(victim.address), mallory, "Stablecoin: caller is not the issuer")
    assert_reverts(chain, usd.functions.mint(mallory.address, USD), mallory, "Stablecoin: caller is not the issuer")
    chain.transact(usd.functions.freeze(victim.address), sender=issuer)
    assert_reverts(chain, usd.functions.unfreeze(victim.address), mallory, "Stablecoin: caller is not the issuer")
    assert_reverts(chain, usd.functions.seize(victim.address, mallory.address, "x"), mallory,
                   "Stablecoin: caller is not the issuer")


def test_frozen_address_can_neither_send_nor_receive(chain, usd):
    issuer, suspect, mule, spender = chain.accounts[:4]
    chain.transact(usd.functions.mint(suspect.address, 500 * USD), sender=issuer)
    chain.transact(usd.functions.mint(mule.address, 5 * USD), sender=issuer)
    chain.transact(usd.functions.approve(spender.address, 500 * USD), sender=suspect)
    r = chain.transact(usd.functions.freeze(suspect.address), sender=issuer)
    assert usd.events.Frozen().process_receipt(r, errors=DISCARD)[0].args.account == suspect.address
    assert usd.functions.frozen(suspect.address).call()

    assert_reverts(chain, usd.functions.transfer(mule.address, USD), suspect, "Stablecoin: sender is frozen")
    assert_reverts(chain, usd.functions.transferFrom(suspect.address, spender.address, USD), spender,
                   "Stablecoin: sender is frozen")
    assert_reverts(chain, usd.functions.transfer(suspect.address, USD), mule, "Stablecoin: recipient is frozen")
    assert_reverts(chain, usd.functions.mint(suspect.address, USD), issuer, "Stablecoin: recipient is frozen")
    assert_reverts(chain, usd.functions.freeze(suspect.address), issuer, "Stablecoin: account already frozen")

    r = chain.transact(usd.functions.unfreeze(suspect.address), sender=issuer)
    assert usd.events.Unfrozen().process_receipt(r, errors=DISCARD)[0].args.account == suspect.address
    chain.transact(usd.functions.transfer(mule.address, USD), sender=suspect)
    assert usd.functions.balanceOf(mule.address).call() == 6 * USD


def test_frozen_spender_cannot_spend_an_allowance(chain, usd):
    issuer, owner, spender, other = chain.accounts[:4]
    chain.transact(usd.functions.mint(owner.address, 10 * USD), sender=issuer)
    chain.transact(usd.functions.approve(spender.address, 10 * USD), sender=owner)
    chain.transact(usd.functions.freeze(spender.address), sender=issuer)
    assert_reverts(chain, usd.functions.transferFrom(owner.address, other.address, USD), spender,
                   "Stablecoin: spender is frozen")


def test_seize_moves_frozen_balance_into_custody(chain, usd):
    issuer, suspect, custody = chain.accounts[0], chain.accounts[1], chain.accounts[5]
    chain.transact(usd.functions.mint(suspect.address, 1_234_567_891), sender=issuer)
    assert_reverts(chain, usd.functions.seize(suspect.address, custody.address, "case 1"), issuer,
                   "Stablecoin: account not frozen")
    chain.transact(usd.functions.freeze(suspect.address), sender=issuer)
    r = chain.transact(usd.functions.seize(suspect.address, custody.address, "Court order 2026/17"), sender=issuer)
    (tr,) = usd.events.Transfer().process_receipt(r, errors=DISCARD)
    (sz,) = usd.events.Seized().process_receipt(r, errors=DISCARD)
    assert (tr.args["from"], tr.args.to, tr.args.value) == (suspect.address, custody.address, 1_234_567_891)
    assert (sz.args.account, sz.args.custody, sz.args.amount, sz.args.caseReference) == \
        (suspect.address, custody.address, 1_234_567_891, "Court order 2026/17")
    assert usd.functions.balanceOf(suspect.address).call() == 0
    assert usd.functions.balanceOf(custody.address).call() == 1_234_567_891
    assert usd.functions.totalSupply().call() == 1_234_567_891
    assert_reverts(chain, usd.functions.seize(suspect.address, custody.address, "again"), issuer,
                   "Stablecoin: nothing to seize")


def test_seize_guards(chain, usd):
    issuer, suspect, other = chain.accounts[:3]
    chain.transact(usd.functions.mint(suspect.address, USD), sender=issuer)
    chain.transact(usd.functions.freeze(suspect.address), sender=issuer)
    chain.transact(usd.functions.freeze(other.address), sender=issuer)
    seize = usd.functions.seize
    assert_reverts(chain, seize(suspect.address, ZERO, "c"), issuer, "Stablecoin: custody is the zero address")
    assert_reverts(chain, seize(suspect.address, other.address, "c"), issuer, "Stablecoin: custody is frozen")


def test_issuer_handover_and_burn(chain, usd):
    old, new = chain.accounts[0], chain.accounts[1]
    chain.transact(usd.functions.setIssuer(new.address), sender=old)
    assert_reverts(chain, usd.functions.mint(old.address, 1), old, "Stablecoin: caller is not the issuer")
    chain.transact(usd.functions.mint(new.address, 7 * USD), sender=new)
    chain.transact(usd.functions.burn(3 * USD), sender=new)
    assert usd.functions.totalSupply().call() == 4 * USD
