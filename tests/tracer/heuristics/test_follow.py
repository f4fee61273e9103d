import pandas as pd
import pytest

from tracer.heuristics.examples import call, combine, evm, send, tx, utxo
from tracer.heuristics.follow import trace

E18 = 10**18
ZERO = "0x" + "0" * 40
U, V, SHOP, BRIDGE, RELAYER, SWAP, HOT, D, P1, VICTIM = ("0x" + c * 40 for c in "123456789a")
TAGS = pd.DataFrame({"address": [BRIDGE, RELAYER, SWAP, HOT],
                     "category": ["defi_bridge", "defi_bridge", "exchange", "exchange"],
                     "label": ["Lab Bridge", "Lab Bridge relayer", "Atlas (instant swap service)",
                               "Kestrel: hot wallet"]})


def h(c):
    return c * 64


def test_across_a_bridge_to_the_other_chain():
    src = evm(send(U, BRIDGE, 2 * E18, tx=h("1"), block=10), chain="ethereum")
    dst = evm(call(h("2"), RELAYER, block=60, moves=[("token", ZERO, V, 2 * E18, "0xbeth", 18, "bETH")]),
              send(V, SHOP, 2 * E18, tx=h("3"), block=70, asset="0xbeth", symbol="bETH"), chain="side")
    t = combine(src, dst)
    plain = trace(t, U, follow=[], tags=TAGS)
    assert plain.final()["address"].tolist().count(BRIDGE) == 1  # the trace alone stops at the bridge
    r = trace(t, U, follow=["bridge"], tags=TAGS)
    leg = r.legs.iloc[1]
    assert (leg["heuristic"], leg["confidence"], leg["start"], leg["chain"], leg["exact"]) == \
        ("bridge", "high", V, "side", True)
    final = r.final()
    assert final[final["address"] == SHOP][["leg", "amount", "source"]].values.tolist() == [[1, 2 * E18, U]]
    assert BRIDGE not in set(final["address"])  # carried on, not an endpoint any more
    assert r.flows[r.flows["leg"] == 1]["reason"].str.contains(r"followed by bridge \(high\)").all()


def test_a_swap_payout_goes_on_and_says_when_it_is_an_upper_bound():
    deposit = "bcrt1qorder"
    btc = utxo(tx(h("a"), [("bcrt1qu", 10_010_000, h("f") + ":0")], [(deposit, 10_000_000)], block=1, time=1_000))
    eth = evm(send(SWAP, V, 198 * 10**16, tx=h("b"), block=1, time=2_800),
              send(SHOP, V, 10**18, tx=h("c"), block=2, time=2_900),   # V holds other value too
              send(V, "0x" + "e" * 40, 2 * E18, tx=h("d"), block=3, time=3_000))
    r = trace(combine(btc, eth), h("a"), follow=["swap"], tags=TAGS, prices={"BTC": 60_000, "ETH": 3_000})
    leg = r.legs.iloc[1]
    assert (leg["heuristic"], leg["start"], leg["exact"]) == ("swap", V, False)
    assert "also received 1000000000000000000 base units" in leg["note"] and "upper bound" in leg["note"]
    assert "0x" + "e" * 40 in set(r.final()["address"])


def test_a_cluster_is_one_pool():
    # a victim pays the launderer's p1, which pays its exchange deposit address D, swept to the hot wallet
    t = evm(send(VICTIM, P1, 3 * E18, tx=h("1"), block=1),
            send(P1, D, 3 * E18 - 10**15, tx=h("2"), block=2),
            call(h("3"), HOT, internal=[(D, HOT, 3 * E18 - 10**15)], block=3))
    plain = trace(t, VICTIM, follow=[], tags=TAGS)
    assert plain.final().query("address == @HOT")["entry"].tolist() == [D]
    r = trace(t, VICTIM, follow=["cluster"], tags=TAGS)
    at_hot = r.final().query("address == @HOT")
    assert at_hot["address"].tolist() == [HOT] and sorted(r.clusters["address"]) == sorted([P1, D])
    # the deposit address the order goes to, not the pool it was traced in ("cluster-1" has no customer)
    assert at_hot["entry"].tolist() == [D] and r.stops().query("address == @HOT")["entry"].tolist() == [D]


def test_a_sweep_of_many_deposit_addresses_names_the_pool_s_own_as_entry():
    """An exchange sweeps many customers' deposit addresses into its hot wallet in one transaction:
    the entry is the traced pool's deposit address, not another customer's swept beside it."""
    other, d2 = "0x" + "b" * 40, "0x" + "c" * 40
    t = evm(send(VICTIM, P1, 3 * E18, tx=h("1"), block=1),
            send(P1, D, 3 * E18, tx=h("2"), block=2),
            send(other, d2, 5 * E18, tx=h("4"), block=2),
            call(h("3"), HOT, internal=[(D, HOT, 3 * E18), (d2, HOT, 5 * E18)], block=3))
    r = trace(t, VICTIM, follow=["cluster"], tags=TAGS)
    assert r.final().query("address == @HOT")["entry"].tolist() == [D]


def test_bad_options():
    t = evm(send(U, V, E18, tx=h("1")))
    with pytest.raises(ValueError, match="unknown mixer"):
        trace(t, U, follow=["mixer"])
    with pytest.raises(ValueError, match="forward"):
        trace(t, U, direction="backward")


def test_a_payout_not_spent_in_full_keeps_the_rest_unspent_at_its_recipient():
    deposit = "bcrt1qorder"
    btc = utxo(tx(h("a"), [("bcrt1qu", 10_010_000, h("f") + ":0")], [(deposit, 10_000_000)], block=1, time=1_000))
    eth = evm(send(SWAP, V, 198 * 10**16, tx=h("b"), block=1, time=2_800),
              send(V, SHOP, E18, tx=h("c"), block=2, time=2_900))
    r = trace(combine(btc, eth), h("a"), follow=["swap"], tags=TAGS, prices={"BTC": 60_000, "ETH": 3_000})
    assert r.legs.iloc[1]["exact"]
    leg = r.final().query("leg == 1")
    assert sum(leg["amount"]) == 198 * 10**16  # the leg adds up to the payout, not to what V spent
    kept = leg[(leg["why"] == "unspent") & (leg["address"] == V)]
    assert kept[["address", "amount", "hops"]].values.tolist() == [[V, 98 * 10**16 - 21_000 * 10**9, 0]]
    assert kept["path"].tolist() == [[h("b")]]


def test_stops_sum_the_transfers_into_one_endpoint():
    pool = "0x" + "f" * 40
    tags = pd.concat([TAGS, pd.DataFrame({"address": [pool], "category": ["mixing_service"],
                                          "label": ["Lab Mixer: 1 ETH pool"]})], ignore_index=True)
    t = evm(send(U, V, 3 * E18, tx=h("1"), block=1), send(V, pool, E18, tx=h("2"), block=2),
            send(V, pool, E18, tx=h("3"), block=3))
    r = trace(t, U, follow=["change"], tags=tags)
    s = r.stops()
    at_pool = s[s["address"] == pool]
    assert at_pool[["leg", "amount", "transfers", "txs"]].values.tolist() == [[0, 2 * E18, 2, [h("1"), h("2"), h("3")]]]
    assert sum(s["amount"]) == sum(r.final()["amount"]) == 3 * E18 + 21_000 * 10**9  # and its fee
    from tracer.report import onward_note

    assert "Lab Mixer: 1 ETH pool: a mixer" in onward_note(r)
