"""Custody: m-of-n multi-signature wallet (submit, confirm, execute) for ETH and tokens."""
import pytest
from web3.logs import DISCARD

from chains.contracts import deploy
from chains.evm import ChainRevert

from .conftest import ETHER, USD, assert_reverts, balance


@pytest.fixture
def officers(chain):
    return chain.accounts[1:4]


@pytest.fixture
def custody(chain, officers):
    wallet = deploy(chain, "Custody", [o.address for o in officers], 2, sender=chain.accounts[0])
    chain.send(chain.accounts[0], wallet.address, value=5 * ETHER, gas=60_000)
    chain.mine()
    return wallet


def test_eth_release_needs_two_of_three(chain, custody, officers):
    a, b, c = officers
    victim = chain.accounts[6]
    assert balance(chain, custody.address) == 5 * ETHER
    r = chain.transact(custody.functions.submit(victim.address, 2 * ETHER, b""), sender=a)
    (sub,) = custody.events.Submission().process_receipt(r, errors=DISCARD)
    tx_id = sub.args.txId
    assert custody.functions.transactions(tx_id).call()[4] == 1  # the submitter's confirmation

    assert_reverts(chain, custody.functions.execute(tx_id), a, "Custody: not enough confirmations")
    chain.transact(custody.functions.confirm(tx_id), sender=b)
    before = balance(chain, victim)
    r = chain.transact(custody.functions.execute(tx_id), sender=c)
    assert custody.events.Execution().process_receipt(r, errors=DISCARD)[0].args.txId == tx_id
    assert balance(chain, victim) - before == 2 * ETHER
    assert balance(chain, custody.address) == 3 * ETHER
    assert_reverts(chain, custody.functions.execute(tx_id), a, "Custody: transaction already executed")
    assert_reverts(chain, custody.functions.confirm(tx_id), c, "Custody: transaction already executed")


def test_token_release(chain, custody, officers):
    issuer, victim = chain.accounts[0], chain.accounts[6]
    usd = deploy(chain, "Stablecoin", "Lab USD", "LUSD", issuer.address, sender=issuer)
    chain.transact(usd.functions.mint(custody.address, 900 * USD), sender=issuer)
    data = usd.encode_abi("transfer", [victim.address, 600 * USD])
    r = chain.transact(custody.functions.submit(usd.address, 0, data), sender=officers[2])
    tx_id = custody.events.Submission().process_receipt(r, errors=DISCARD)[0].args.txId
    chain.transact(custody.functions.confirm(tx_id), sender=officers[0])
    chain.transact(custody.functions.execute(tx_id), sender=officers[0])
    assert usd.functions.balanceOf(victim.address).call() == 600 * USD
    assert usd.functions.balanceOf(custody.address).call() == 300 * USD


def test_failed_call_reverts_with_the_callee_reason(chain, custody, officers):
    issuer = chain.accounts[0]
    usd = deploy(chain, "Stablecoin", "Lab USD", "LUSD", issuer.address, sender=issuer)
    data = usd.encode_abi("transfer", [officers[0].address, 1])  # custody holds no tokens
    chain.transact(custody.functions.submit(usd.address, 0, data), sender=officers[0])
    chain.transact(custody.functions.confirm(0), sender=officers[1])
    assert_reverts(chain, custody.functions.execute(0), officers[0], "Stablecoin: insufficient balance")
    assert not custody.functions.transactions(0).call()[3]


def test_revoked_confirmation_no_longer_counts(chain, custody, officers):
    a, b, _ = officers
    chain.transact(custody.functions.submit(a.address, ETHER, b""), sender=a)
    chain.transact(custody.functions.confirm(0), sender=b)
    r = chain.transact(custody.functions.revoke(0), sender=b)
    assert custody.events.Revocation().process_receipt(r, errors=DISCARD)[0].args.owner == b.address
    assert_reverts(chain, custody.functions.execute(0), a, "Custody: not enough confirmations")


def test_outsiders_and_double_confirmations_are_refused(chain, custody, officers):
    a = officers[0]
    thief = chain.accounts[7]
    assert_reverts(chain, custody.functions.submit(thief.address, ETHER, b""), thief, "Custody: caller is not an owner")
    chain.transact(custody.functions.submit(a.address, ETHER, b""), sender=a)
    assert_reverts(chain, custody.functions.confirm(0), thief, "Custody: caller is not an owner")
    assert_reverts(chain, custody.functions.execute(0), thief, "Custody: caller is not an owner")
    assert_reverts(chain, custody.functions.confirm(0), a, "Custody: already confirmed by this owner")
    assert_reverts(chain, custody.functions.confirm(9), a, "Custody: unknown transaction")


def test_constructor_rules(chain):
    d = chain.accounts[0]
    owners = [chain.accounts[1].address, chain.accounts[2].address]
    for args, reason in [((owners, 3), "Custody: required must be between 1 and the number of owners"),
                         ((owners, 0), "Custody: required must be between 1 and the number of owners"),
                         (([owners[0], owners[0]], 1), "Custody: duplicate owner"),
                         (([], 1), "Custody: no owners")]:
        with pytest.raises(ChainRevert) as info:
            deploy(chain, "Custody", *args, sender=d)
        assert info.value.reason == reason
