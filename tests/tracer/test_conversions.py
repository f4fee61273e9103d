"""Value through conversions and into attributed services, on a real lab chain (anvil) and its
ethereum-etl export: WETH wrap and unwrap, the swap pool's Swap, an exchange deposit address;
forward and backward, which agree at each conversion's rate."""
import pytest
from eth_utils import keccak
from hypothesis import given, settings, strategies as st

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
