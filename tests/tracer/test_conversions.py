"""Value through conversions and into attributed services, on a real lab chain (anvil) and its
ethereum-etl export: WETH wrap and unwrap, the swap pool's Swap, an exchange deposit address."""
import pytest
from eth_utils import keccak

import tracer as tr
from chains.contracts import deploy
from chains.evm import EvmChain, find_anvil
from chains.evm.export import export_chain
from tracer.handmade import account

ETHER, USD, ZERO = 10**18, 10**6, "0x" + "0" * 40


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """A victim pays a mule 5 ETH. The mule wraps 3, swaps 2 WETH for LUSD on the pool, unwraps
    the last WETH and pays that ether on, sends the LUSD to a cash-out address, and deposits 1 ETH
    at an exchange deposit address, which the exchange sweeps into its hot wallet."""
    if not find_anvil():
        pytest.skip("anvil not installed (make setup installs it)")
    with EvmChain.start("anvil", chain_id=31_337, accounts=8) as chain:
        issuer, lp, victim, mule, cash, onward, operator, hot = chain.accounts
        chain.w3.eth.default_account = issuer.address
        weth = deploy(chain, "WETH9", sender=issuer)
        usd = deploy(chain, "Stablecoin", "Lab USD", "LUSD", issuer.address, sender=issuer)
        pool = deploy(chain, "SwapPool", weth.address, usd.address, sender=issuer)
        exchange = deploy(chain, "ExchangeDeposits", operator.address, hot.address, sender=operator)
        customer = keccak(b"customer:mule")
        deposit = exchange.functions.depositAddressOf(customer).call()
        chain.transact(usd.functions.mint(lp.address, 3_000_000 * USD), sender=issuer)
        chain.transact(weth.functions.deposit(), sender=lp, value=1_000 * ETHER)
        chain.transact(weth.functions.approve(pool.address, 2**256 - 1), sender=lp)
        chain.transact(usd.functions.approve(pool.address, 2**256 - 1), sender=lp)
        token0 = pool.functions.token0().call()
        a0, a1 = (1_000 * ETHER, 3_000_000 * USD) if token0 == weth.address else (3_000_000 * USD, 1_000 * ETHER)
        chain.transact(pool.functions.addLiquidity(a0, a1, lp.address), sender=lp)

        chain.send(victim, mule.address, value=5 * ETHER)
        chain.mine()
        wrap = chain.transact(weth.functions.deposit(), sender=mule, value=3 * ETHER)
        chain.transact(weth.functions.approve(pool.address, 2 * ETHER), sender=mule)
        swap = chain.transact(pool.functions.swapExactIn(weth.address, 2 * ETHER, 0, mule.address), sender=mule)
        got = usd.functions.balanceOf(mule.address).call()
        unwrap = chain.transact(weth.functions.withdraw(ETHER), sender=mule)
        chain.transact(usd.functions.transfer(cash.address, got), sender=mule)
        chain.send(mule, onward.address, value=ETHER)
        chain.send(mule, deposit, value=ETHER, gas=40_000)
        chain.mine()
        chain.transact(exchange.functions.sweep([customer], ZERO), sender=operator)
        out = tmp_path_factory.mktemp("conversions")
        export_chain(chain, out / "lab")
        return {"data": out, "victim": victim.address.lower(), "mule": mule.address.lower(),
                "cash": cash.address.lower(), "onward": onward.address.lower(), "hot": hot.address.lower(),
                "deposit": deposit.lower(), "weth": weth.address.lower(), "pool": pool.address.lower(),
                "usd": usd.address.lower(), "lusd": got, "txs": {k: "0x" + r["transactionHash"].hex().removeprefix("0x")
                                                                 for k, r in (("wrap", wrap), ("swap", swap),
                                                                              ("unwrap", unwrap))}}


def test_swap_and_wrap_are_followed_into_the_new_asset(story):
    s = story
    t = tr.load(s["data"])
    r = tr.trace(t, s["victim"], rule="fifo", hops=8, stop={s["weth"], s["pool"], s["hot"]})
    e = r.endpoints
    # every LUSD the swap paid out is the victim's: it came from WETH wrapped from the victim's ether
    cash = e[(e["address"] == s["cash"]) & (e["asset"] == s["usd"])]
    assert list(cash["amount"]) == [s["lusd"]] and list(cash["why"]) == ["unspent"]
    conv = r.flows[r.flows["rate"].notna()]
    assert set(conv["tx_hash"]) == {s["txs"]["wrap"], s["txs"]["swap"], s["txs"]["unwrap"]}
    swap = conv[conv["tx_hash"] == s["txs"]["swap"]].iloc[0]
    assert swap["rate"] == f"{s['lusd']}/{2 * ETHER}" and swap["reason"].startswith("fifo: converted")
    assert conv[conv["tx_hash"] == s["txs"]["wrap"]].iloc[0]["rate"] == f"{3 * ETHER}/{3 * ETHER}"
    # per asset, what went in came out: the converted parts end in the old asset as "converted"
    ends = {(a, w): sum(e[(e["asset"] == a) & (e["why"] == w)]["amount"])
            for a, w in zip(e["asset"], e["why"], strict=True)}
    assert ends[("ETH", "converted")] == 3 * ETHER        # wrapped at WETH
    assert ends[(s["weth"], "converted")] == 3 * ETHER    # 2 swapped at the pool, 1 unwrapped at WETH
    sent = sum(t[(t["from"] == s["victim"]) & (t["asset"] == "ETH")]["amount"])  # 5 and the victim's own fee
    assert sum(e[e["asset"] == "ETH"]["amount"]) == sent + ETHER  # ... and the ether unwrapped again
    assert list(e[e["address"] == s["onward"]]["amount"]) == [ETHER]
    assert r.symbols[s["usd"]] in (s["usd"], "LUSD") and r.decimals[s["usd"]] == 6


def test_exchange_deposit_address_is_the_entry(story):
    s = story
    t = tr.load(s["data"])
    r = tr.trace(t, s["victim"], rule="fifo", hops=8, stop={s["weth"], s["pool"], s["hot"]})
    e = r.endpoints
    at_hot = e[e["address"] == s["hot"]]
    # the 1 ETH deposited (FIFO: the victim's ether left after fees, and a little of the unwrapped)
    assert set(at_hot["entry"]) == {s["deposit"]} and sum(at_hot["amount"]) == ETHER
    assert set(at_hot["why"]) == {"attributed service"}
    shares = r.shares()
    row = shares[shares["address"] == s["hot"]].iloc[0]
    assert row["entry"] == s["deposit"] and row["percent"] == "100.0%"


def test_conversions_by_rule_hand_made():
    """A contract ``c`` takes 4 X and pays 10 Y in one transaction (2.5 per unit); positions map
    by floor(p * 10 / 4): the first source's unit (0-1 -> 0-2.5) becomes 2 Y, the other's
    (1-2 -> 2.5-5) 3 Y, and nothing is lost to rounding."""
    t = account([("t1", "s1", "u", 1), ("t2", "s2", "u", 1), ("t0", "m", "u", 2),
                 {"tx_hash": "t3", "from": "u", "to": "c", "amount": 4}, {"tx_hash": "t3", "from": "c", "to": "v",
                                                                          "amount": 10, "asset": "Y", "kind": "token",
                                                                          "index": 0},
                 {"tx_hash": "t3", "from": "u", "to": "fee", "amount": 1, "kind": "fee"}])
    r = tr.trace(t, ["s1", "s2"], rule="lifo")  # LIFO at u: the last in (m's 2, then s2, s1) go first
    got = {(e.source, e.address, e.asset, e.why): e.amount for e in r.endpoints.itertuples()}
    assert got[("s1", "c", "X", "converted")] == 1 and got[("s2", "c", "X", "converted")] == 1
    assert sum(v for (src, a, asset, w), v in got.items() if asset == "Y") == 5  # 2.5 + 2.5, floors kept whole
    assert got[("s1", "v", "Y", "unspent")] == 2 and got[("s2", "v", "Y", "unspent")] == 3


def test_burned_value_stops_at_the_zero_address():
    t = account([("t1", "s", "u", 5, "TOK"), ("t2", "u", ZERO, 5, "TOK")])
    r = tr.trace(t, "s")
    assert r.endpoints[["address", "why"]].values.tolist() == [[ZERO, "burned"]]
