"""Exchange deposit addresses: CREATE2 forwarders per customer, swept into the hot wallet."""
import pytest
from eth_utils import keccak, to_checksum_address
from web3.logs import DISCARD

from chains.contracts import at, deploy, load

from .conftest import ETHER, USD, ZERO, assert_reverts, balance

ALICE, BOB = keccak(b"customer:alice"), keccak(b"customer:bob")


@pytest.fixture
def exchange(chain):
    operator, hot = chain.accounts[0], chain.accounts[1]
    return deploy(chain, "ExchangeDeposits", operator.address, hot.address, sender=operator)


def pay(chain, sender, to, value):
    chain.send(sender, to, value=value, gas=40_000)  # a contract's receive() needs more than 21,000 gas
    chain.mine()


def test_deposit_address_is_create2_and_known_before_deployment(chain, exchange):
    operator = chain.accounts[0]
    predicted = exchange.functions.depositAddressOf(ALICE).call()
    init_hash = keccak(hexstr=load("DepositAddress").bytecode)
    expected = keccak(b"\xff" + bytes.fromhex(exchange.address[2:]) + ALICE + init_hash)[12:]
    assert predicted == to_checksum_address(expected)
    assert chain.w3.eth.get_code(predicted) == b""
    r = chain.transact(exchange.functions.createDepositAddress(ALICE), sender=operator)
    (ev,) = exchange.events.DepositAddressCreated().process_receipt(r, errors=DISCARD)
    assert (ev.args.customer, ev.args.depositAddress) == (ALICE, predicted)
    # the runtime code, with the immutable `factory` filled in
    assert len(chain.w3.eth.get_code(predicted)) == (len(load("DepositAddress").deployed_bytecode) - 2) // 2
    assert at(chain, "DepositAddress", predicted).functions.factory().call() == exchange.address
    assert exchange.functions.customerOf(predicted).call() == ALICE
    assert_reverts(chain, exchange.functions.createDepositAddress(ALICE), operator,
                   "ExchangeDeposits: deposit address already created")


def test_sweep_eth_and_tokens_into_hot_wallet(chain, exchange):
    operator, hot, alice = chain.accounts[0], chain.accounts[1], chain.accounts[2]
    chain.transact(exchange.functions.createDepositAddress(ALICE), sender=operator)
    dep = at(chain, "DepositAddress", exchange.functions.depositAddressOf(ALICE).call())
    pay(chain, alice, dep.address, 3 * ETHER)
    usd = deploy(chain, "Stablecoin", "Lab USD", "LUSD", operator.address, sender=operator)
    chain.transact(usd.functions.mint(dep.address, 250 * USD), sender=operator)

    before = balance(chain, hot)
    r = chain.transact(dep.functions.sweep(ZERO), sender=operator)
    (ev,) = dep.events.Swept().process_receipt(r, errors=DISCARD)
    assert (ev.args.token, ev.args.hotWallet, ev.args.amount) == (ZERO, hot.address, 3 * ETHER)
    assert balance(chain, hot) - before == 3 * ETHER and balance(chain, dep.address) == 0

    r = chain.transact(dep.functions.sweep(usd.address), sender=operator)
    (tr,) = usd.events.Transfer().process_receipt(r, errors=DISCARD)
    assert (tr.args["from"], tr.args.to, tr.args.value) == (dep.address, hot.address, 250 * USD)
    assert usd.functions.balanceOf(hot.address).call() == 250 * USD
    assert_reverts(chain, dep.functions.sweep(ZERO), operator, "DepositAddress: nothing to sweep")


def test_batch_sweep_deploys_counterfactual_addresses(chain, exchange):
    operator, hot, alice, bob = chain.accounts[:4]
    a_addr = exchange.functions.depositAddressOf(ALICE).call()
    b_addr = exchange.functions.depositAddressOf(BOB).call()
    pay(chain, alice, a_addr, ETHER)  # paid before the forwarder exists
    pay(chain, bob, b_addr, 2 * ETHER)
    carol = keccak(b"customer:carol")  # nothing deposited: skipped, not deployed
    before = balance(chain, hot)
    r = chain.transact(exchange.functions.sweep([ALICE, BOB, carol], ZERO), sender=operator)
    assert balance(chain, hot) - before == 3 * ETHER
    created = exchange.events.DepositAddressCreated().process_receipt(r, errors=DISCARD)
    assert [e.args.depositAddress for e in created] == [a_addr, b_addr]
    swept = [(lg.address, lg.args.amount) for lg in
             chain.w3.eth.contract(abi=load("DepositAddress").abi).events.Swept().process_receipt(r, errors=DISCARD)]
    assert swept == [(a_addr, ETHER), (b_addr, 2 * ETHER)]
    assert exchange.functions.deployed(carol).call() == ZERO


def test_only_the_operator_sweeps_and_creates(chain, exchange):
    operator, thief = chain.accounts[0], chain.accounts[5]
    chain.transact(exchange.functions.createDepositAddress(ALICE), sender=operator)
    dep = at(chain, "DepositAddress", exchange.functions.depositAddressOf(ALICE).call())
    pay(chain, chain.accounts[2], dep.address, ETHER)
    assert_reverts(chain, dep.functions.sweep(ZERO), thief, "DepositAddress: caller is not the operator")
    assert_reverts(chain, exchange.functions.createDepositAddress(BOB), thief,
                   "ExchangeDeposits: caller is not the operator")
    assert_reverts(chain, exchange.functions.sweep([ALICE], ZERO), thief,
                   "ExchangeDeposits: caller is not the operator")
    assert_reverts(chain, exchange.functions.setHotWallet(thief.address), thief,
                   "ExchangeDeposits: caller is not the operator")


def test_hot_wallet_rotation(chain, exchange):
    operator, new_hot = chain.accounts[0], chain.accounts[4]
    chain.transact(exchange.functions.setHotWallet(new_hot.address), sender=operator)
    a_addr = exchange.functions.depositAddressOf(ALICE).call()
    pay(chain, chain.accounts[2], a_addr, ETHER)
    before = balance(chain, new_hot)
    chain.transact(exchange.functions.sweep([ALICE], ZERO), sender=operator)
    assert balance(chain, new_hot) - before == ETHER
