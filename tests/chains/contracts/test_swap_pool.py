"""WETH9 and the constant-product SwapPool: liquidity, swaps at 0.3% fee, Uniswap V2 events, the invariant."""
import pytest
from web3.logs import DISCARD

from chains.contracts import deploy

from .conftest import ETHER, USD, assert_reverts, balance, gas_cost


def amount_out(amount_in, reserve_in, reserve_out):
    """Uniswap V2's getAmountOut, in exact integers."""
    return amount_in * 997 * reserve_out // (reserve_in * 1000 + amount_in * 997)


@pytest.fixture
def setup(chain):
    issuer, lp, trader = chain.accounts[:3]
    weth = deploy(chain, "WETH9", sender=issuer)
    usd = deploy(chain, "Stablecoin", "Lab USD", "LUSD", issuer.address, sender=issuer)
    pool = deploy(chain, "SwapPool", weth.address, usd.address, sender=issuer)
    chain.transact(usd.functions.mint(lp.address, 3_000_000 * USD), sender=issuer)
    chain.transact(usd.functions.mint(trader.address, 10_000 * USD), sender=issuer)
    chain.transact(weth.functions.deposit(), sender=lp, value=1_000 * ETHER)
    chain.transact(weth.functions.approve(pool.address, 2**256 - 1), sender=lp)
    chain.transact(usd.functions.approve(pool.address, 2**256 - 1), sender=lp)
    return weth, usd, pool


def amounts(pool, weth, a_weth, a_usd):
    """(amount0, amount1) in the pool's token order."""
    return (a_weth, a_usd) if pool.functions.token0().call() == weth.address else (a_usd, a_weth)


def test_weth_wraps_and_unwraps(chain):
    user = chain.accounts[1]
    weth = deploy(chain, "WETH9", sender=chain.accounts[0])
    r = chain.transact(weth.functions.deposit(), sender=user, value=3 * ETHER)
    assert weth.events.Deposit().process_receipt(r, errors=DISCARD)[0].args.wad == 3 * ETHER
    before = balance(chain, user)
    r = chain.transact(weth.functions.withdraw(ETHER), sender=user)
    assert weth.events.Withdrawal().process_receipt(r, errors=DISCARD)[0].args.wad == ETHER
    assert balance(chain, user) - before == ETHER - gas_cost(r)
    assert weth.functions.balanceOf(user.address).call() == 2 * ETHER == balance(chain, weth.address)
    assert_reverts(chain, weth.functions.withdraw(3 * ETHER), user, "WETH9: burn amount exceeds balance")


def test_add_liquidity_swap_and_remove(chain, setup):
    weth, usd, pool = setup
    lp, trader = chain.accounts[1], chain.accounts[2]
    a0, a1 = amounts(pool, weth, 1_000 * ETHER, 3_000_000 * USD)
    r = chain.transact(pool.functions.addLiquidity(a0, a1, lp.address), sender=lp)
    (mint,) = pool.events.Mint().process_receipt(r, errors=DISCARD)
    assert (mint.args.amount0, mint.args.amount1) == (a0, a1)
    r0, r1, _ = pool.functions.getReserves().call()
    assert (r0, r1) == (a0, a1)
    shares = pool.functions.balanceOf(lp.address).call()
    assert shares + 1000 == pool.functions.totalSupply().call()

    # the trader sells 3,000 USD for WETH
    chain.transact(usd.functions.approve(pool.address, 3_000 * USD), sender=trader)
    usd_is_0 = pool.functions.token0().call() == usd.address
    expected = amount_out(3_000 * USD, r0 if usd_is_0 else r1, r1 if usd_is_0 else r0)
    assert pool.functions.quoteExactIn(usd.address, 3_000 * USD).call() == expected
    r = chain.transact(pool.functions.swapExactIn(usd.address, 3_000 * USD, expected, trader.address), sender=trader)
    (swap,) = pool.events.Swap().process_receipt(r, errors=DISCARD)
    ins = (swap.args.amount0In, swap.args.amount1In)
    outs = (swap.args.amount0Out, swap.args.amount1Out)
    assert ins == ((3_000 * USD, 0) if usd_is_0 else (0, 3_000 * USD))
    assert outs == ((0, expected) if usd_is_0 else (expected, 0))
    assert swap.args.sender == trader.address and swap.args.to == trader.address
    assert weth.functions.balanceOf(trader.address).call() == expected
    assert expected < ETHER * 997 // 1000  # the fee and the price impact

    # invariant grew by the fee
    n0, n1, _ = pool.functions.getReserves().call()
    assert n0 * n1 > r0 * r1
    (sync,) = pool.events.Sync().process_receipt(r, errors=DISCARD)
    assert (sync.args.reserve0, sync.args.reserve1) == (n0, n1)

    r = chain.transact(pool.functions.removeLiquidity(shares, lp.address), sender=lp)
    (burn,) = pool.events.Burn().process_receipt(r, errors=DISCARD)
    supply = shares + 1000
    assert (burn.args.amount0, burn.args.amount1) == (shares * n0 // supply, shares * n1 // supply)


def test_slippage_and_unknown_token_revert(chain, setup):
    weth, usd, pool = setup
    lp, trader = chain.accounts[1], chain.accounts[2]
    chain.transact(pool.functions.addLiquidity(*amounts(pool, weth, 10 * ETHER, 30_000 * USD), lp.address), sender=lp)
    chain.transact(usd.functions.approve(pool.address, 10_000 * USD), sender=trader)
    quote = pool.functions.quoteExactIn(usd.address, 1_000 * USD).call()
    assert_reverts(chain, pool.functions.swapExactIn(usd.address, 1_000 * USD, quote + 1, trader.address), trader,
                   "SwapPool: insufficient output amount")
    assert_reverts(chain, pool.functions.swapExactIn(trader.address, 1, 0, trader.address), trader,
                   "SwapPool: token not in pool")


def test_low_level_swap_enforces_the_invariant(chain, setup):
    weth, usd, pool = setup
    lp, trader = chain.accounts[1], chain.accounts[2]
    chain.transact(pool.functions.addLiquidity(*amounts(pool, weth, 10 * ETHER, 30_000 * USD), lp.address), sender=lp)
    r0, r1, _ = pool.functions.getReserves().call()
    usd_is_0 = pool.functions.token0().call() == usd.address
    r_usd, r_weth = (r0, r1) if usd_is_0 else (r1, r0)
    chain.transact(usd.functions.transfer(pool.address, 1_000 * USD), sender=trader)
    fair = amount_out(1_000 * USD, r_usd, r_weth)
    greedy = (0, fair + 1) if usd_is_0 else (fair + 1, 0)
    assert_reverts(chain, pool.functions.swap(*greedy, trader.address), trader, "SwapPool: K")
    chain.transact(pool.functions.swap(*((0, fair) if usd_is_0 else (fair, 0)), trader.address), sender=trader)
    assert weth.functions.balanceOf(trader.address).call() == fair
    assert_reverts(chain, pool.functions.swap(0, 0, trader.address), trader, "SwapPool: insufficient output amount")


def test_second_provider_gets_shares_pro_rata(chain, setup):
    weth, usd, pool = setup
    lp, other, issuer = chain.accounts[1], chain.accounts[3], chain.accounts[0]
    chain.transact(pool.functions.addLiquidity(*amounts(pool, weth, 10 * ETHER, 30_000 * USD), lp.address), sender=lp)
    chain.transact(usd.functions.mint(other.address, 6_000 * USD), sender=issuer)
    chain.transact(weth.functions.deposit(), sender=other, value=5 * ETHER)
    chain.transact(weth.functions.approve(pool.address, 5 * ETHER), sender=other)
    chain.transact(usd.functions.approve(pool.address, 6_000 * USD), sender=other)
    supply = pool.functions.totalSupply().call()
    # desired 5 WETH + 6,000 USD at a 3,000 USD/WETH price: only 2 WETH are taken
    r = chain.transact(pool.functions.addLiquidity(*amounts(pool, weth, 5 * ETHER, 6_000 * USD), other.address),
                       sender=other)
    (mint,) = pool.events.Mint().process_receipt(r, errors=DISCARD)
    assert sorted([mint.args.amount0, mint.args.amount1]) == sorted([2 * ETHER, 6_000 * USD])
    assert pool.functions.balanceOf(other.address).call() == supply // 5
    assert weth.functions.balanceOf(other.address).call() == 3 * ETHER
