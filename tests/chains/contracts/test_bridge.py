"""Bridge: lock on one chain, mint on the other through the Python relayer; burn and release back; replays."""
import pytest
from web3.logs import DISCARD

from chains.bridge_relayer import BridgeRelayer
from chains.contracts import at, deploy

from .conftest import ETHER, USD, ZERO, assert_reverts, balance, start_chain

A_ID, B_ID = 101, 202


@pytest.fixture
def two_chains():
    with start_chain(chain_id=A_ID) as a, start_chain(chain_id=B_ID) as b:
        yield a, b


@pytest.fixture
def bridges(two_chains):
    a, b = two_chains
    relayer = a.accounts[7]  # one mnemonic: the same account on both chains
    bridge_a = deploy(a, "Bridge", relayer.address, sender=a.accounts[0])
    bridge_b = deploy(b, "Bridge", relayer.address, sender=b.accounts[0])
    a_to_b = BridgeRelayer(a, bridge_a, b, bridge_b, sender=relayer)
    b_to_a = BridgeRelayer(b, bridge_b, a, bridge_a, sender=relayer)
    return a, b, bridge_a, bridge_b, a_to_b, b_to_a


def test_eth_lock_mint_burn_release_round_trip(bridges):
    a, b, bridge_a, bridge_b, a_to_b, b_to_a = bridges
    alice, bob = a.accounts[1], a.accounts[2]

    r = a.transact(bridge_a.functions.depositETH(B_ID, bob.address), sender=alice, value=5 * ETHER)
    (dep,) = bridge_a.events.Deposited().process_receipt(r, errors=DISCARD)
    assert (dep.args.nonce, dep.args.sender, dep.args.token, dep.args.amount, dep.args.dstChainId, dep.args.recipient) \
        == (0, alice.address, ZERO, 5 * ETHER, B_ID, bob.address)
    assert balance(a, bridge_a.address) == 5 * ETHER == bridge_a.functions.locked(ZERO).call()

    (payout,) = a_to_b.relay()
    assert payout.action == "mint" and payout.deposit.nonce == 0
    wrapped = at(b, "BridgedToken", bridge_b.functions.wrappedToken(A_ID, ZERO).call())
    assert payout.token == wrapped.address
    assert (wrapped.functions.symbol().call(), wrapped.functions.decimals().call()) == ("bETH", 18)
    assert wrapped.functions.balanceOf(bob.address).call() == 5 * ETHER
    minted = bridge_b.events.Minted().process_receipt(b.w3.eth.get_transaction_receipt(payout.tx_hash), errors=DISCARD)
    assert [(e.args.srcChainId, e.args.nonce, e.args.recipient, e.args.amount) for e in minted] == \
        [(A_ID, 0, bob.address, 5 * ETHER)]
    assert a_to_b.relay() == []  # nothing new

    # bob bridges 2 bETH back to alice on A: burned on B, released on A
    r = b.transact(bridge_b.functions.depositToken(wrapped.address, 2 * ETHER, A_ID, alice.address), sender=bob)
    assert bridge_b.events.Deposited().process_receipt(r, errors=DISCARD)[0].args.nonce == 0
    assert wrapped.functions.totalSupply().call() == 3 * ETHER
    before = balance(a, alice)
    (payout,) = b_to_a.relay()
    assert payout.action == "release" and payout.token == ZERO
    assert balance(a, alice) - before == 2 * ETHER
    assert bridge_a.functions.locked(ZERO).call() == 3 * ETHER
    released = bridge_a.events.Released().process_receipt(a.w3.eth.get_transaction_receipt(payout.tx_hash),
                                                         errors=DISCARD)
    assert [(e.args.srcChainId, e.args.nonce, e.args.amount) for e in released] == [(B_ID, 0, 2 * ETHER)]


def test_token_lock_and_mint(bridges):
    a, b, bridge_a, _, a_to_b, _ = bridges
    issuer, alice = a.accounts[0], a.accounts[1]
    usd = deploy(a, "Stablecoin", "Lab USD", "LUSD", issuer.address, sender=issuer)
    a.transact(usd.functions.mint(alice.address, 700 * USD), sender=issuer)
    a.transact(usd.functions.approve(bridge_a.address, 700 * USD), sender=alice)
    for amount in (300 * USD, 400 * USD):
        a.transact(bridge_a.functions.depositToken(usd.address, amount, B_ID, alice.address), sender=alice)
    assert usd.functions.balanceOf(bridge_a.address).call() == 700 * USD
    payouts = a_to_b.relay()
    assert [(p.action, p.deposit.nonce, p.deposit.amount) for p in payouts] == [("mint", 0, 300 * USD),
                                                                                   ("mint", 1, 400 * USD)]
    wrapped = at(b, "BridgedToken", payouts[0].token)
    assert (wrapped.functions.name().call(), wrapped.functions.symbol().call(), wrapped.functions.decimals().call()) \
        == ("Bridged Lab USD", "bLUSD", 6)
    assert wrapped.functions.originChainId().call() == A_ID and wrapped.functions.originToken().call() == usd.address
    assert wrapped.functions.balanceOf(alice.address).call() == 700 * USD
    # the relayer that made it says the same, from what it keeps (no read of the chain)
    assert a_to_b.origin_of(wrapped.address) == usd.address
    assert a_to_b.origin_of(usd.address) is None


def test_replay_of_a_nonce_reverts(bridges):
    a, b, bridge_a, bridge_b, a_to_b, _ = bridges
    relayer, alice = a.accounts[7], a.accounts[1]
    a.transact(bridge_a.functions.depositETH(B_ID, alice.address), sender=alice, value=ETHER)
    a_to_b.relay()
    assert bridge_b.functions.processed(A_ID, 0).call()
    assert_reverts(b, bridge_b.functions.mint(A_ID, 0, ZERO, alice.address, ETHER), relayer,
                   "Bridge: nonce already processed")
    # a fresh relayer that rescans chain A from block 0 pays nothing twice
    again = BridgeRelayer(a, bridge_a, b, bridge_b, sender=relayer)
    assert again.deposits()[0].nonce == 0
    assert BridgeRelayer(a, bridge_a, b, bridge_b, sender=relayer).relay() == []


def test_release_replay_and_overdraw_revert(bridges):
    a, _, bridge_a, *_ = bridges
    relayer, alice = a.accounts[7], a.accounts[1]
    a.transact(bridge_a.functions.depositETH(B_ID, alice.address), sender=alice, value=ETHER)
    assert_reverts(a, bridge_a.functions.release(B_ID, 0, ZERO, relayer.address, 2 * ETHER), relayer,
                   "Bridge: insufficient locked funds")
    a.transact(bridge_a.functions.release(B_ID, 0, ZERO, alice.address, ETHER // 2), sender=relayer)
    assert_reverts(a, bridge_a.functions.release(B_ID, 0, ZERO, alice.address, ETHER // 2), relayer,
                   "Bridge: nonce already processed")


def test_only_the_relayer_pays_out(bridges):
    a, b, bridge_a, bridge_b, *_ = bridges
    thief = b.accounts[5]
    assert_reverts(b, bridge_b.functions.mint(A_ID, 9, ZERO, thief.address, ETHER), thief,
                   "Bridge: caller is not the relayer")
    assert_reverts(b, bridge_b.functions.createWrapped(A_ID, ZERO, "x", "x", 18), thief,
                   "Bridge: caller is not the relayer")
    with pytest.raises(ValueError, match="is not the relayer"):
        BridgeRelayer(a, bridge_a, b, bridge_b, sender=thief)


def test_deposit_rules(bridges):
    a, b, bridge_a, bridge_b, a_to_b, _ = bridges
    alice = a.accounts[1]
    assert_reverts(a, bridge_a.functions.depositETH(A_ID, alice.address), alice, "Bridge: invalid destination chain",
                   value=ETHER)
    assert_reverts(a, bridge_a.functions.depositETH(B_ID, ZERO), alice, "Bridge: recipient is the zero address",
                   value=ETHER)
    assert_reverts(a, bridge_a.functions.depositETH(B_ID, alice.address), alice, "Bridge: amount is zero")
    # a wrapped token only goes home
    a.transact(bridge_a.functions.depositETH(B_ID, alice.address), sender=alice, value=ETHER)
    (p,) = a_to_b.relay()
    assert_reverts(b, bridge_b.functions.depositToken(p.token, ETHER, 303, alice.address), alice,
                   "Bridge: a wrapped token can only go back to its origin chain")
    # more than the holder has cannot be burned
    assert_reverts(b, bridge_b.functions.depositToken(p.token, 2 * ETHER, A_ID, alice.address), alice,
                   "BridgedToken: burn amount exceeds balance")
