import pytest

from tracer.heuristics.crosschain import bridge, swap
from tracer.heuristics.examples import call, combine, evm, send, tx, utxo

E18 = 10**18
ZERO = "0x" + "0" * 40
TAGS = {"0xbridge": "defi_bridge", "0xrelayer": "defi_bridge", "0xbridge2": "defi_bridge"}


def mint(tx, to, amount, block, symbol="bETH", token="0xbeth"):
    return call(tx, "0xrelayer", block=block, moves=[("token", ZERO, to, amount, token, 18, symbol)])


def test_bridge_pairs_lock_and_mint_one_to_one():
    src = evm(send("0xu", "0xbridge", 2 * E18, tx="0xl1", block=100),
              send("0xv", "0xbridge", 3 * E18, tx="0xl2", block=110), chain="ethereum")
    dst = evm(mint("0xm1", "0xu2", 2 * E18, 400), mint("0xm2", "0xv", 3 * E18, 410), chain="side")
    e = bridge(combine(src, dst), TAGS)
    assert e[["a", "b", "txs", "confidence"]].values.tolist() == [
        ["0xu", "0xu2", ("0xl1", "0xm1"), "high"], ["0xv", "0xv", ("0xl2", "0xm2"), "high"]]
    assert "same address on both chains" in e.loc[1, "reason"]


def test_bridge_ambiguity_lowers_confidence_and_other_tokens_or_chains_do_not_match():
    src = evm(send("0xu", "0xbridge", 2 * E18, tx="0xl1", block=100),
              send("0xv", "0xbridge", 2 * E18, tx="0xl2", block=101), chain="ethereum")
    dst = evm(mint("0xm1", "0xa", 2 * E18, 400), mint("0xm2", "0xb", 2 * E18, 401),
              mint("0xm3", "0xc", 2 * E18, 402, symbol="bLUSD", token="0xblusd"), chain="side")
    e = bridge(combine(src, dst), TAGS)
    assert len(e) == 4 and set(e["confidence"]) == {"low"}
    same_chain = evm(send("0xu", "0xbridge", 2 * E18, tx="0xl1", block=100), mint("0xm1", "0xa", 2 * E18, 200))
    assert bridge(same_chain, TAGS).empty
    late = combine(evm(send("0xu", "0xbridge", 2 * E18, tx="0xl1", block=1)),
                   evm(mint("0xm1", "0xa", 2 * E18, 10_000), chain="side"))
    assert bridge(late, TAGS).empty


def test_bridge_fee_bound():
    src = evm(send("0xu", "0xbridge", 10 * E18, tx="0xl1", block=100))
    dst = evm(mint("0xm1", "0xa", 10 * E18 - 10**17, 200), chain="side")  # 1% fee
    assert bridge(combine(src, dst), TAGS).empty  # over the default 0.5%
    assert len(bridge(combine(src, dst), TAGS, max_fee_bps=100)) == 1


def test_bridge_back_a_burn_of_the_wrapped_token_and_a_release_on_the_origin_chain():
    there = evm(send("0xu", "0xbridge", 5 * E18, tx="0xlock", block=10), chain="ethereum")
    side = evm(mint("0xm", "0xv", 5 * E18, 60),
               call("0xburn", "0xv", block=600, moves=[("token", "0xv", ZERO, 5 * E18, "0xbeth", 18, "bETH")]),
               chain="side")
    back = evm(call("0xrel", "0xrelayer", internal=[("0xbridge", "0xw", 5 * E18)], block=650), chain="ethereum")
    e = bridge(combine(there, side, back), TAGS)
    assert e[["a", "b", "txs"]].values.tolist() == [["0xu", "0xv", ("0xlock", "0xm")],
                                                    ["0xv", "0xw", ("0xburn", "0xrel")]]
    assert "burnt" in e.loc[1, "reason"]


def test_bridge_release_out_of_the_bridge_contract():
    src = evm(call("0xburn", "0xu", block=10, moves=[("token", "0xu", "0xbridge2", 5 * E18, "0xbeth", 18, "bETH")]),
              chain="side")
    dst = evm(call("0xrel", "0xrelayer", internal=[("0xbridge", "0xu", 5 * E18)], block=100), chain="ethereum")
    assert bridge(combine(src, dst), TAGS)[["chain", "b_chain"]].values.tolist() == [["side", "ethereum"]]


PRICES = {"BTC": 60_000, "ETH": 3_000}


def test_swap_needs_prices_and_matches_value_at_the_rate_less_the_fee():
    btc = utxo(tx("b1", [("bc1u", 10_010_000)], [("bc1order", 10_000_000)], time=1_000),
               tx("b2", [("bc1x", 30_010_000)], [("bc1y", 30_000_000)], time=1_100))
    eth = evm(send("0xswap", "0xv", 198 * 10**16, tx="0xpay", block=1, time=2_800))
    t = combine(btc, eth)
    with pytest.raises(ValueError, match="prices"):
        swap(t, None, services=["0xswap"])
    e = swap(t, PRICES, services=["0xswap"])
    assert e[["a", "b", "txs"]].values.tolist() == [["bc1u", "0xv", ("b1", "0xpay")]]
    assert "fee of 100 bps" in e.loc[0, "reason"]
    assert swap(t, PRICES, services=["0xswap"], max_fee_bps=50).empty


def test_swap_service_from_tags_by_label():
    import pandas as pd

    tags = pd.DataFrame({"address": ["0xswap"], "category": ["exchange"],
                         "label": ["QuickSwap (instant swap service)"]})
    btc = utxo(tx("b1", [("bc1u", 10_010_000)], [("bc1order", 10_000_000)], time=1_000))
    eth = evm(send("0xswap", "0xv", 198 * 10**16, tx="0xpay", block=1, time=2_800))
    assert len(swap(combine(btc, eth), PRICES, tags=tags)) == 1
    assert swap(combine(btc, eth), PRICES, tags={"0xswap": "exchange"}).empty  # an exchange, not a swap service


def test_a_mint_in_a_block_stamped_before_the_lock_is_still_its_payout():
    # the lab's chains seal a block every 600 s on clocks of their own: the mint's block can carry
    # a time 87 s before the lock's, though it came after it
    src = evm(send("0xu", "0xbridge", 2 * E18, tx="0xlock", block=10, time=10_000), chain="ethereum")
    dst = evm(call("0xmint", "0xrelayer", block=60, time=9_913,
                   moves=[("token", "0x" + "0" * 40, "0xv", 2 * E18, "0xbeth", 18, "bETH")]), chain="sidechain")
    e = bridge(combine(src, dst), bridges=["0xbridge", "0xrelayer"])
    assert e["txs"].tolist() == [("0xlock", "0xmint")]
    assert "in a block stamped 1 min earlier" in e["reason"].iloc[0]
    assert bridge(combine(src, dst), bridges=["0xbridge", "0xrelayer"], skew=0).empty


def test_a_swap_service_s_tagged_wallet_tells_its_deposits_from_other_payments():
    """Two payments of the same value in the window: one to an order's address, swept later into
    the service's wallet with other deposits; one to an address that spent it to someone else.
    With the wallet tagged, only the swept one (or one still unspent) can be the deposit."""
    import pandas as pd

    btc = utxo(tx("b1", [("bc1u", 10_010_000)], [("bc1order", 10_000_000)], time=1_000),
               tx("b2", [("bc1x", 10_010_000)], [("bc1decoy", 10_000_000)], time=1_100),
               tx("s1", [("bc1order", 10_000_000, "b1:0"), ("bc1other", 5_000_000)], [("bc1hot", 14_990_000)],
                  block=3, time=5_000),
               tx("s2", [("bc1decoy", 10_000_000, "b2:0")], [("bc1shop", 9_990_000)], block=3, time=5_100))
    eth = evm(send("0xswap", "0xv", 198 * 10**16, tx="0xpay", block=1, time=2_800))
    t = combine(btc, eth)
    untagged = swap(t, PRICES, services=["0xswap"])
    assert sorted(untagged["a"]) == ["bc1u", "bc1x"]  # either could be the order: each medium at best
    tags = pd.DataFrame({"address": ["0xswap", "bc1hot"], "category": ["exchange", "exchange"],
                         "label": ["QuickSwap (instant swap service)", "QuickSwap (instant swap service): hot wallet"]})
    e = swap(t, PRICES, tags=tags)
    assert e[["a", "b", "txs", "confidence"]].values.tolist() == [["bc1u", "0xv", ("b1", "0xpay"), "high"]]
    assert "swept into its wallet (s1)" in e.loc[0, "reason"]
