"""The key contract scenarios on both backends: py-evm and anvil (internal transfers checked in anvil's traces)."""
import pytest
from eth_utils import keccak
from web3.logs import DISCARD

from chains.bridge_relayer import BridgeRelayer
from chains.contracts import at, deploy
from chains.evm import find_anvil

from .conftest import ETHER, USD, ZERO, assert_reverts, balance, start_chain

BACKENDS = ["pyevm", pytest.param("anvil", marks=pytest.mark.skipif(find_anvil() is None,
                                                                     reason="the anvil binary is not installed"))]


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def test_mixer_withdraw_and_double_spend(backend):
    with start_chain(backend) as chain:
        depositor, recipient, relayer = chain.accounts[1:4]
        mixer = deploy(chain, "Mixer", ETHER // 10, sender=chain.accounts[0])
        secret, nullifier = keccak(b"s"), keccak(b"n")
        chain.transact(mixer.functions.deposit(keccak(secret + nullifier)), sender=depositor, value=ETHER // 10)
        assert_reverts(chain, mixer.functions.deposit(keccak(b"x")), depositor, "Mixer: wrong denomination", ETHER)
        before = balance(chain, recipient)
        r = chain.transact(mixer.functions.withdraw(secret, nullifier, recipient.address, relayer.address, 10**15),
                           sender=relayer)
        assert balance(chain, recipient) - before == ETHER // 10 - 10**15
        assert mixer.events.Withdrawal().process_receipt(r, errors=DISCARD)[0].args.fee == 10**15
        assert_reverts(chain, mixer.functions.withdraw(secret, nullifier, recipient.address, ZERO, 0), recipient,
                       "Mixer: note already spent")
        assert_reverts(chain, mixer.functions.withdraw(keccak(b"?"), nullifier, recipient.address, ZERO, 0), recipient,
                       "Mixer: unknown commitment")


def test_freeze_seize_into_custody_and_release(backend):
    with start_chain(backend) as chain:
        issuer, suspect, victim, o1, o2, o3 = chain.accounts[:6]
        usd = deploy(chain, "Stablecoin", "Lab USD", "LUSD", issuer.address, sender=issuer)
        custody = deploy(chain, "Custody", [o1.address, o2.address, o3.address], 2, sender=issuer)
        chain.transact(usd.functions.mint(suspect.address, 50_000 * USD), sender=issuer)
        assert_reverts(chain, usd.functions.freeze(suspect.address), suspect, "Stablecoin: caller is not the issuer")
        chain.transact(usd.functions.freeze(suspect.address), sender=issuer)
        assert_reverts(chain, usd.functions.transfer(victim.address, USD), suspect, "Stablecoin: sender is frozen")
        chain.transact(usd.functions.seize(suspect.address, custody.address, "case 42"), sender=issuer)
        assert usd.functions.balanceOf(custody.address).call() == 50_000 * USD

        data = usd.encode_abi("transfer", [victim.address, 50_000 * USD])
        chain.transact(custody.functions.submit(usd.address, 0, data), sender=o1)
        assert_reverts(chain, custody.functions.execute(0), o1, "Custody: not enough confirmations")
        chain.transact(custody.functions.confirm(0), sender=o3)
        chain.transact(custody.functions.execute(0), sender=o2)
        assert usd.functions.balanceOf(victim.address).call() == 50_000 * USD


def test_bridge_round_trip_and_replay(backend):
    with start_chain(backend, chain_id=101) as a, start_chain(backend, chain_id=202) as b:
        relayer, alice = a.accounts[7], a.accounts[1]
        bridge_a = deploy(a, "Bridge", relayer.address, sender=a.accounts[0])
        bridge_b = deploy(b, "Bridge", relayer.address, sender=b.accounts[0])
        a.transact(bridge_a.functions.depositETH(202, alice.address), sender=alice, value=4 * ETHER)
        (mint,) = BridgeRelayer(a, bridge_a, b, bridge_b, sender=relayer).relay()
        assert_reverts(b, bridge_b.functions.mint(101, 0, ZERO, alice.address, 4 * ETHER), relayer,
                       "Bridge: nonce already processed")
        b.transact(bridge_b.functions.depositToken(mint.token, 4 * ETHER, 101, alice.address), sender=alice)
        before = balance(a, alice)
        (release,) = BridgeRelayer(b, bridge_b, a, bridge_a, sender=relayer).relay()
        assert release.action == "release" and balance(a, alice) - before == 4 * ETHER
        assert balance(a, bridge_a.address) == 0


def test_swap_pool_swap(backend):
    with start_chain(backend) as chain:
        issuer, lp, trader = chain.accounts[:3]
        weth = deploy(chain, "WETH9", sender=issuer)
        usd = deploy(chain, "Stablecoin", "Lab USD", "LUSD", issuer.address, sender=issuer)
        pool = deploy(chain, "SwapPool", weth.address, usd.address, sender=issuer)
        chain.transact(usd.functions.mint(lp.address, 300_000 * USD), sender=issuer)
        chain.transact(weth.functions.deposit(), sender=lp, value=100 * ETHER)
        chain.transact(weth.functions.approve(pool.address, 100 * ETHER), sender=lp)
        chain.transact(usd.functions.approve(pool.address, 300_000 * USD), sender=lp)
        weth_first = pool.functions.token0().call() == weth.address
        args = (100 * ETHER, 300_000 * USD) if weth_first else (300_000 * USD, 100 * ETHER)
        chain.transact(pool.functions.addLiquidity(*args, lp.address), sender=lp)
        chain.transact(weth.functions.deposit(), sender=trader, value=ETHER)
        chain.transact(weth.functions.approve(pool.address, ETHER), sender=trader)
        quote = pool.functions.quoteExactIn(weth.address, ETHER).call()
        assert quote == ETHER * 997 * 300_000 * USD // (100 * ETHER * 1000 + ETHER * 997)
        r = chain.transact(pool.functions.swapExactIn(weth.address, ETHER, quote, trader.address), sender=trader)
        assert usd.functions.balanceOf(trader.address).call() == quote
        assert len(pool.events.Swap().process_receipt(r, errors=DISCARD)) == 1


def test_exchange_sweep_is_an_internal_transfer(backend):
    with start_chain(backend) as chain:
        operator, hot, customer = chain.accounts[:3]
        exchange = deploy(chain, "ExchangeDeposits", operator.address, hot.address, sender=operator)
        cid = keccak(b"customer:1")
        addr = exchange.functions.depositAddressOf(cid).call()
        chain.send(customer, addr, value=2 * ETHER, gas=40_000)
        chain.mine()
        r = chain.transact(exchange.functions.sweep([cid], ZERO), sender=operator)
        assert balance(chain, addr) == 0
        if backend == "anvil":
            # the sweep is a call with value from the deposit address to the hot wallet, inside the tx
            traces = chain.w3.provider.make_request("trace_transaction", ["0x" + bytes(r["transactionHash"]).hex()])
            moves = [(t["action"]["from"].lower(), t["action"]["to"].lower(), int(t["action"]["value"], 16))
                     for t in traces["result"] if t["type"] == "call" and int(t["action"].get("value", "0x0"), 16)]
            assert moves == [(addr.lower(), hot.address.lower(), 2 * ETHER)]
        swept = at(chain, "DepositAddress", addr).events.Swept().process_receipt(r, errors=DISCARD)
        assert [(e.args.hotWallet, e.args.amount) for e in swept] == [(hot.address, 2 * ETHER)]
