"""Value through conversions and into attributed services, on a real lab chain (anvil) and its
ethereum-etl export: WETH wrap and unwrap, the swap pool's Swap, an exchange deposit address;
forward and backward, which agree at each conversion's rate."""
import shutil
from pathlib import Path

import pandas as pd
import pytest
from eth_utils import keccak
from hypothesis import given, settings, strategies as st

import tracer as tr
from chains.contracts import deploy
from chains.evm import EvmChain, find_anvil
from chains.evm.export import export_chain
from tracer.handmade import account

ETHER, USD, ZERO = 10**18, 10**6, "0x" + "0" * 40
MAINNET = Path(__file__).parent / "data" / "ethereum_etl" / "weth9"  # two mainnet swaps through WETH9


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


def test_a_followed_trace_does_not_say_converted_value_stops(story):
    """`--follow`'s "where the value stops" listed the WETH contract and the swap pool with the
    ether and WETH they converted, as if it stopped there: it went on in the new asset."""
    from tracer.heuristics.follow import trace as follow

    s = story
    tags = pd.DataFrame({"address": [s["weth"], s["pool"], s["hot"]], "category": ["defi", "defi_dex", "exchange"],
                         "label": ["WETH", "WETH/LUSD pool", "Kestrel: hot wallet"]})
    r = follow(tr.load(s["data"]), s["victim"], follow=[], tags=tags, rule="fifo", hops=8)
    assert "converted" in set(r.final()["why"]) and "converted" not in set(r.stops()["why"])
    stops = r.stops()
    cash = stops[(stops["address"] == s["cash"]) & (stops["asset"] == s["usd"])]
    assert cash["amount"].tolist() == [s["lusd"]]


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


def test_backward_goes_back_through_the_swap_and_the_wrap(story):
    """The cash-out address's LUSD came from the swap (at its rate), paid with 2 of the 3 WETH the
    mule wrapped, which were 2 of the victim's 5 ETH: each conversion an endpoint in the asset that
    came out of it, and the trace going on in the one that went in."""
    s = story
    t = tr.load(s["data"])
    for rule in ("fifo", "lifo", "haircut"):  # one deposit into each pool on the way: every rule agrees
        r = tr.trace(t, s["cash"], direction="backward", rule=rule, hops=8)
        got = {(e.address, e.asset, e.why): e.amount for e in r.endpoints.itertuples()}
        assert got == {(s["pool"], s["usd"], "converted"): s["lusd"],
                       (s["weth"], s["weth"], "converted"): 2 * ETHER,
                       (s["victim"], "ETH", "origin"): 2 * ETHER}, rule
        conv = r.flows[r.flows["rate"].notna()]
        assert dict(zip(conv["tx_hash"], conv["rate"], strict=True)) == {
            s["txs"]["swap"]: f"{s['lusd']}/{2 * ETHER}", s["txs"]["wrap"]: f"{3 * ETHER}/{3 * ETHER}"}
        assert conv["reason"].str.startswith(f"{rule}: converted").all()
        assert list(r.endpoints[r.endpoints["why"] == "origin"]["hops"]) == [4]  # cash-out, swap, wrap, victim


def test_backward_goes_back_through_the_unwrap(story):
    """The exchange deposit's 1 ETH (FIFO at the mule): what the victim's 5 ETH had left after the
    wrap, the onward payment and the fees, and the rest out of the ether the unwrap paid, which was
    WETH burned, which was the last ETH the mule wrapped: the victim's too, by another path."""
    s = story
    t = tr.load(s["data"])
    at = t.index[(t["from"] == s["mule"]) & (t["to"] == s["deposit"])][0]
    before = t.loc[:at - 1]
    fees = sum(before[(before["from"] == s["mule"]) & (before["kind"] == "fee")]["amount"])
    r = tr.trace(t, s["deposit"], direction="backward", rule="fifo", hops=8)
    got = {(e.address, e.asset, e.why): e.amount for e in r.endpoints.groupby(["address", "asset", "why"])
           .agg(amount=("amount", "sum")).reset_index().itertuples()}
    assert got == {(s["victim"], "ETH", "origin"): ETHER,
                   (s["weth"], "ETH", "converted"): fees, (s["weth"], s["weth"], "converted"): fees}
    victim = r.endpoints[r.endpoints["address"] == s["victim"]].sort_values("hops")
    assert list(victim["amount"]) == [ETHER - fees, fees] and list(victim["hops"]) == [2, 4]
    assert s["txs"]["unwrap"] in set(r.flows["tx_hash"]) and s["txs"]["wrap"] in set(r.flows["tx_hash"])


@st.composite
def one_conversion(draw):
    """Sources pay ``u``; ``u`` pays all of it (asset X) to a contract ``c``, which pays outputs in
    asset Y in the same transaction."""
    sent = draw(st.lists(st.integers(1, 30), min_size=1, max_size=3))
    outs = draw(st.lists(st.integers(1, 30), min_size=1, max_size=3))
    rows = [(f"t{i}", f"s{i}", "u", a) for i, a in enumerate(sent)]
    rows.append({"tx_hash": "tc", "from": "u", "to": "c", "amount": sum(sent)})
    rows += [{"tx_hash": "tc", "from": "c", "to": f"v{j}", "amount": y, "asset": "Y", "kind": "token", "index": j}
             for j, y in enumerate(outs)]
    return account(rows), sent, outs


@settings(max_examples=60, deadline=None)
@given(one_conversion(), st.sampled_from(["fifo", "lifo", "haircut"]))
def test_forward_and_backward_agree_at_a_conversion(case, rule):
    """Forward from every source and backward from every output of one conversion: each direction
    reconciles exactly (all of X found backward, all of Y forward), and each pair (source, output)
    gets the same share of the conversion both ways, to within one base unit of each asset:
    ``|B/X - F/Y| < 1/X + 1/Y``, B the source's X found backward from the output, F the output's Y
    traced forward from the source (under haircut two units: each direction rounds its own pro rata
    shares). Under FIFO and LIFO the amounts are exactly those of the one position map both use,
    unit by unit: input unit p reaches output position floor(p * Y / X)."""
    t, sent, outs = case
    X, Y = sum(sent), sum(outs)
    sources, outputs = [f"s{i}" for i in range(len(sent))], [f"v{j}" for j in range(len(outs))]
    fwd = tr.trace(t, sources, rule=rule).endpoints
    bwd = tr.trace(t, outputs, direction="backward", rule=rule).endpoints
    ahead = {(e.source, e.address): e.amount for e in fwd[fwd["asset"] == "Y"].itertuples()}
    back = {(e.address, e.source): e.amount for e in bwd[bwd["asset"] == "X"].itertuples()}
    assert set(bwd[bwd["asset"] == "X"]["why"]) == {"origin"}
    for i, s in enumerate(sources):
        assert sum(back.get((s, v), 0) for v in outputs) == sent[i]
    for j, v in enumerate(outputs):
        assert sum(ahead.get((s, v), 0) for s in sources) == outs[j]
        for s in sources:
            b, f = back.get((s, v), 0), ahead.get((s, v), 0)
            assert abs(b * Y - f * X) < (2 if rule == "haircut" else 1) * (X + Y), (s, v, b, f)
    if rule == "haircut":
        return
    start = [sum(sent[:i]) for i in range(len(sent))]
    lay = outs[::-1] if rule == "lifo" else outs  # LIFO: the last output takes the first units
    first = [sum(lay[:k]) for k in range(len(lay))]
    first = first[::-1] if rule == "lifo" else first

    def source_of(p):
        return sources[max(i for i in range(len(sent)) if start[i] <= p)]

    def output_of(q):
        return outputs[next(j for j in range(len(outs)) if first[j] <= q < first[j] + outs[j])]

    unit_b, unit_f = {}, {}
    for p in range(X):  # backward: input unit p paid for the output position it reaches
        key = (source_of(p), output_of(p * Y // X))
        unit_b[key] = unit_b.get(key, 0) + 1
    for q in range(Y):  # forward: output position q carries the last input unit that reaches it
        key = (source_of(max(p for p in range(X) if p * Y // X <= q)), output_of(q))
        unit_f[key] = unit_f.get(key, 0) + 1
    assert back == unit_b and ahead == unit_f


def test_the_labs_weth_named_as_wrapped_counts_each_wrap_once(story, tmp_path):
    """The lab's WETH emits Transfer from the zero address and Deposit for one wrap (Transfer to it
    and Withdrawal for an unwrap): read as a WETH9-like contract, each is still one mint (burn),
    whether the token transfers come from token_transfers or from the logs."""
    s = story
    t = tr.load(s["data"])
    assert tr.load(s["data"], wrapped=[s["weth"]]).equals(t)
    logs_only = tmp_path / "lab"
    shutil.copytree(s["data"] / "lab", logs_only)
    (logs_only / "token_transfers.csv").unlink()
    assert tr.load(logs_only, wrapped=[s["weth"]]).drop(columns="chain").equals(t.drop(columns="chain"))


def test_mainnet_weth9_wrap_and_unwrap_both_ways():
    """Mainnet WETH9's wrap (tx A: ether into the Universal Router, wrapped, swapped for PEPE back to
    the sender) and unwrap (tx B: MTK sold through Router02 for WETH, unwrapped, the ether paid to
    the seller), from the Deposit and Withdrawal logs: forward and backward through every step."""
    sa, sb = "0x165eeecc32dcb623f51fc6c1ddd9e2aea1575c63", "0xba49d175894f97ca0e3ed5f3c75ab04db64ca81d"
    weth, pepe, mtk = ("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", "0x6982508145454ce325ddbe47a25d4ec3d2311933",
                       "0x01ee1f75d0e80ed907aa0221bf29e380d03ba15a")
    pair_a, pair_b, tax = ("0xa43fe16908251ee70ef74718545e4fe6c5ccec9f", "0x6dad4b92cd4f540cce9fc49810bd44100e50c6af",
                           "0xdfb03b25eac446cf7acd2643fc97d5c03bd836f3")
    wad_a, wad_b, got_pepe = 750_000_000_000_000_000, 32_243_172_196_196_555, 5_477_527_264_701_082_519_211_446_407
    sold, taxed = 2_151_531_866_024_653_367_111_378_795, 6_474_017_651_027_041_225_009_163
    t = tr.load(MAINNET)

    def ends(source, direction):
        r = tr.trace(t, source, direction=direction)
        return {(e.address, e.asset, e.why): e.amount for e in r.endpoints.itertuples()}, r

    back_home = "back at the source"
    got, r = ends(sa, "forward")
    assert got == {(sa, pepe, back_home): got_pepe, (pair_a, weth, "converted"): wad_a,
                   (weth, "ETH", "converted"): wad_a, ("fee", "ETH", "fee"): 126_085 * 30 * 10**9}
    rates = r.flows[r.flows["rate"].notna()]
    assert set(rates["rate"]) == {f"{wad_a}/{wad_a}", f"{got_pepe}/{wad_a}"}
    got, _ = ends(sa, "backward")
    assert got == {(sa, "ETH", back_home): wad_a, (pair_a, pepe, "converted"): got_pepe,
                   (weth, weth, "converted"): wad_a}
    got, _ = ends(sb, "forward")
    assert got == {(pair_b, mtk, "converted"): sold, (tax, mtk, "unspent"): taxed, (weth, weth, "converted"): wad_b,
                   (sb, "ETH", back_home): wad_b, ("fee", "ETH", "fee"): 150_000 * 20 * 10**9}
    got, _ = ends(sb, "backward")
    assert got == {(pair_b, weth, "converted"): wad_b, (weth, "ETH", "converted"): wad_b, (sb, mtk, back_home): sold}


def test_a_loop_of_conversions_in_one_transaction_ends():
    """Without a fee or value row the data does not say who sent a transaction (here: tx B's shape,
    W a WETH, r a router, p a pair), and the seller ``s``, who takes ether and pays a token in it,
    looks like a converter: upstream, the rows of one transaction then lead round a loop. The
    second time round the same conversion, the trace stops: where that part came from is not known."""
    t = account([{"tx_hash": "t", "from": "W", "to": "r", "amount": 5, "kind": "internal"},
                 {"tx_hash": "t", "from": "r", "to": "s", "amount": 5, "kind": "internal"},
                 {"tx_hash": "t", "from": "s", "to": "p", "amount": 4, "asset": "M", "kind": "token", "index": 1},
                 {"tx_hash": "t", "from": "s", "to": "z", "amount": 3, "asset": "M", "kind": "token", "index": 2},
                 {"tx_hash": "t", "from": "p", "to": "r", "amount": 3, "asset": "W", "kind": "token", "index": 3},
                 {"tx_hash": "t", "from": "r", "to": ZERO, "amount": 3, "asset": "W", "kind": "token", "index": 4}])
    r = tr.trace(t, "z", direction="backward")
    # z's 3 M are units 4-7 of the 7 s paid for 5 X: X units 3-5, which W paid for 2-3 of the 3 W
    # burned, which p paid for units 3-4 of the 4 M s paid it: s's conversion again
    assert {(e.address, e.asset, e.why): e.amount for e in r.endpoints.itertuples()} == {
        ("s", "M", "converted"): 3, ("W", "X", "converted"): 2, ("p", "W", "converted"): 1, ("s", "M", "origin"): 1}


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


def test_the_worked_example_both_ways():
    """docs/tracer.md's example: 4 X (s1 1, s2 1, m 2) into a pool, 6 Y to v and 4 Y to w."""
    t = account([("t1", "s1", "u", 1), ("t2", "s2", "u", 1), ("t0", "m", "u", 2),
                 {"tx_hash": "t3", "from": "u", "to": "c", "amount": 4},
                 {"tx_hash": "t3", "from": "c", "to": "v", "amount": 6, "asset": "Y", "kind": "token", "index": 0},
                 {"tx_hash": "t3", "from": "c", "to": "w", "amount": 4, "asset": "Y", "kind": "token", "index": 1}])
    ahead = tr.trace(t, ["s1", "s2", "m"]).endpoints
    assert ahead[ahead["asset"] == "Y"][["source", "address", "amount"]].values.tolist() == [
        ["s1", "v", 2], ["s2", "v", 3], ["m", "v", 1], ["m", "w", 4]]
    back = tr.trace(t, ["v", "w"], direction="backward").endpoints
    assert back[["source", "address", "asset", "amount", "why"]].values.tolist() == [
        ["v", "c", "Y", 6, "converted"], ["v", "m", "X", 1, "origin"], ["v", "s1", "X", 1, "origin"],
        ["v", "s2", "X", 1, "origin"], ["w", "c", "Y", 4, "converted"], ["w", "m", "X", 1, "origin"]]


def test_burned_value_stops_at_the_zero_address():
    t = account([("t1", "s", "u", 5, "TOK"), ("t2", "u", ZERO, 5, "TOK")])
    r = tr.trace(t, "s")
    assert r.endpoints[["address", "why"]].values.tolist() == [[ZERO, "burned"]]


def test_minted_value_starts_at_the_zero_address():
    """Backward, a token minted outside a conversion came from its issuer's mint, not from what
    was burned before it (both go through the zero address)."""
    t = account([("t1", "x", ZERO, 3, "TOK"), ("t2", ZERO, "u", 5, "TOK"), ("t3", "u", "v", 4, "TOK")])
    r = tr.trace(t, "v", direction="backward")
    assert r.endpoints[["address", "amount", "why"]].values.tolist() == [[ZERO, 4, "minted"]]
