from tracer.heuristics.deposit_addresses import deposit_addresses
from tracer.heuristics.examples import call, evm, send

E18 = 10**18
TAGS = {"0xhot": "exchange", "0xshop": "shop"}


def test_forwarded_deposits_cluster_their_payers_and_a_sweep_of_several_matches_their_sum():
    t = evm(send("0xu1", "0xd", E18, tx="0x1", block=1),
            send("0xu2", "0xd", 2 * E18, tx="0x2", block=2),
            call("0x3", "0xops", internal=[("0xd", "0xhot", 3 * E18)], block=3),
            send("0xu1", "0xd", E18, tx="0x4", block=10),
            send("0xd", "0xhot", E18 - 21_000 * 10**9, tx="0x5", block=11))  # an EOA paying its own gas
    e = deposit_addresses(t, tags=TAGS)
    assert e[["a", "b", "confidence"]].values.tolist() == [["0xu1", "0xd", "high"], ["0xu2", "0xd", "high"]]
    assert e.loc[0, "txs"] == ("0x1", "0x4", "0x3", "0x5")
    assert "2 time(s)" in e.loc[0, "reason"]


def test_what_is_not_a_deposit_address():
    t = evm(send("0xu1", "0xa", 5 * E18, tx="0x1", block=1),
            send("0xa", "0xhot", 2 * E18, tx="0x2", block=2),   # keeps 3 ETH: an ordinary user's wallet
            send("0xu2", "0xb", E18, tx="0x3", block=3),
            send("0xb", "0xhot", E18, tx="0x4", block=4, time=10**10),  # far too late
            send("0xshop", "0xhot", E18, tx="0x5", block=5),      # a tagged service
            send("0xu3", "0xc", E18, tx="0x6", block=6),
            send("0xc", "0xelsewhere", E18, tx="0x7", block=7))   # not to an exchange
    assert deposit_addresses(t, tags=TAGS).empty
    assert deposit_addresses(t).empty  # no exchanges known: nothing to say


def test_tokens_match_in_their_own_units():
    tok = "0xtoken"
    t = evm(send("0xu", "0xd", 500 * 10**6, tx="0x1", asset=tok, decimals=6, symbol="LUSD"),
            call("0x2", "0xops", block=2, moves=[("token", "0xd", "0xhot", 500 * 10**6, tok, 6, "LUSD")]))
    assert deposit_addresses(t, exchanges=["0xHOT"])["a"].tolist() == ["0xu"]
