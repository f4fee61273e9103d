"""Mixer: fixed denominations, commitments, nullifiers, relayer fees, and the attacks on them."""
import pytest
from eth_utils import keccak

from web3.logs import DISCARD

from chains.contracts import deploy

from .conftest import ETHER, ZERO, assert_reverts, balance, gas_cost

SECRET, NULLIFIER = keccak(b"secret-1"), keccak(b"nullifier-1")


@pytest.fixture
def mixer(chain):
    return deploy(chain, "Mixer", ETHER, sender=chain.accounts[0])


def test_commitment_is_keccak_of_secret_and_nullifier(mixer):
    assert mixer.functions.commitmentOf(SECRET, NULLIFIER).call() == keccak(SECRET + NULLIFIER)
    assert mixer.functions.nullifierHashOf(NULLIFIER).call() == keccak(NULLIFIER)


def test_deposit_then_withdraw_through_relayer(chain, mixer):
    _, depositor, recipient, relayer = chain.accounts[:4]
    commitment = keccak(SECRET + NULLIFIER)
    r = chain.transact(mixer.functions.deposit(commitment), sender=depositor, value=ETHER)
    (ev,) = mixer.events.Deposit().process_receipt(r, errors=DISCARD)
    block = chain.w3.eth.get_block(r["blockNumber"])
    assert (ev.args.commitment, ev.args.leafIndex, ev.args.timestamp) == (commitment, 0, block["timestamp"])
    assert balance(chain, mixer.address) == ETHER

    fee = ETHER // 100
    before_recipient, before_relayer = balance(chain, recipient), balance(chain, relayer)
    r = chain.transact(mixer.functions.withdraw(SECRET, NULLIFIER, recipient.address, relayer.address, fee),
                       sender=relayer)
    (ev,) = mixer.events.Withdrawal().process_receipt(r, errors=DISCARD)
    assert ev.args.to == recipient.address and ev.args.relayer == relayer.address and ev.args.fee == fee
    assert ev.args.nullifierHash == keccak(NULLIFIER)
    assert balance(chain, recipient) - before_recipient == ETHER - fee
    assert balance(chain, relayer) - before_relayer == fee - gas_cost(r)
    assert balance(chain, mixer.address) == 0
    assert mixer.functions.isSpent(keccak(NULLIFIER)).call()


def test_leaf_indices_count_deposits(chain, mixer):
    for i in range(3):
        r = chain.transact(mixer.functions.deposit(keccak(b"c%d" % i)), sender=chain.accounts[1], value=ETHER)
        assert mixer.events.Deposit().process_receipt(r, errors=DISCARD)[0].args.leafIndex == i
    assert mixer.functions.nextIndex().call() == 3


def test_withdraw_without_relayer_pays_all(chain, mixer):
    depositor, recipient = chain.accounts[1], chain.accounts[2]
    chain.transact(mixer.functions.deposit(keccak(SECRET + NULLIFIER)), sender=depositor, value=ETHER)
    before = balance(chain, recipient)
    r = chain.transact(mixer.functions.withdraw(SECRET, NULLIFIER, recipient.address, ZERO, 0), sender=recipient)
    assert balance(chain, recipient) - before == ETHER - gas_cost(r)


def test_double_withdrawal_reverts(chain, mixer):
    depositor, recipient, relayer = chain.accounts[1:4]
    chain.transact(mixer.functions.deposit(keccak(SECRET + NULLIFIER)), sender=depositor, value=ETHER)
    chain.transact(mixer.functions.withdraw(SECRET, NULLIFIER, recipient.address, ZERO, 0), sender=recipient)
    # the same note again, to another recipient and through a relayer: still spent
    assert_reverts(chain, mixer.functions.withdraw(SECRET, NULLIFIER, relayer.address, relayer.address, 1),
                   relayer, "Mixer: note already spent")


def test_unknown_commitment_reverts(chain, mixer):
    chain.transact(mixer.functions.deposit(keccak(SECRET + NULLIFIER)), sender=chain.accounts[1], value=ETHER)
    wrong_secret = keccak(b"guess")
    assert_reverts(chain, mixer.functions.withdraw(wrong_secret, NULLIFIER, chain.accounts[2].address, ZERO, 0),
                   chain.accounts[2], "Mixer: unknown commitment")


@pytest.mark.parametrize("value", [ETHER // 10, ETHER - 1, ETHER + 1, 10 * ETHER, 0])
def test_wrong_denomination_reverts(chain, mixer, value):
    assert_reverts(chain, mixer.functions.deposit(keccak(SECRET + NULLIFIER)), chain.accounts[1],
                   "Mixer: wrong denomination", value=value)


def test_commitment_reuse_and_bad_fees_revert(chain, mixer):
    c = keccak(SECRET + NULLIFIER)
    chain.transact(mixer.functions.deposit(c), sender=chain.accounts[1], value=ETHER)
    assert_reverts(chain, mixer.functions.deposit(c), chain.accounts[1], "Mixer: commitment already deposited", ETHER)
    to = chain.accounts[2].address
    assert_reverts(chain, mixer.functions.withdraw(SECRET, NULLIFIER, to, to, ETHER + 1), chain.accounts[2],
                   "Mixer: fee exceeds denomination")
    assert_reverts(chain, mixer.functions.withdraw(SECRET, NULLIFIER, to, ZERO, 5), chain.accounts[2],
                   "Mixer: fee without a relayer")
    assert_reverts(chain, mixer.functions.withdraw(SECRET, NULLIFIER, ZERO, ZERO, 0), chain.accounts[2],
                   "Mixer: recipient is the zero address")


def test_pools_per_denomination_are_separate(chain):
    small = deploy(chain, "Mixer", ETHER // 10, sender=chain.accounts[0])
    big = deploy(chain, "Mixer", 10 * ETHER, sender=chain.accounts[0])
    c = keccak(SECRET + NULLIFIER)
    chain.transact(small.functions.deposit(c), sender=chain.accounts[1], value=ETHER // 10)
    # a note of the 0.1 ETH pool is unknown to the 10 ETH pool, which holds other people's money
    chain.transact(big.functions.deposit(keccak(b"other")), sender=chain.accounts[3], value=10 * ETHER)
    assert_reverts(chain, big.functions.withdraw(SECRET, NULLIFIER, chain.accounts[1].address, ZERO, 0),
                   chain.accounts[1], "Mixer: unknown commitment")
    assert small.functions.denomination().call() == ETHER // 10
