"""UTXO tracing at the level of outputs, in satoshi order: hand-computed multi-hop examples."""
import json

import pytest

from tracer.handmade import utxo
from tracer.load.bitcoin_etl import load_bitcoin_etl
from tracer.trace import RULES, Source, trace


def credited(result):
    """address -> what the endpoints credit it with (every source, path and reason)."""
    out = {}
    for e in result.endpoints.itertuples():
        out[e.address] = out.get(e.address, 0) + e.amount
    return out


# A clean 5 and a tainted 3 go into one output of 8, which is spent into 4 + 4.
FIVE_THREE = utxo([
    ("t1", [("c", 5, None), ("s", 3, None)], [("m", 8)]),
    ("t2", [("m", 8, "t1:0")], [("x", 4), ("y", 4)]),
])
FIVE_THREE_GOLDEN = {
    "fifo": {"y": 3},            # the taint sits at positions 5-8: the second output
    "lifo": {"x": 3},            # the first output takes the last units in
    "libr": {"y": 3},            # clean first: the same order as FIFO here
    "tiho": {"x": 3},            # taint first, into the (first of two equal) highest outputs
    "haircut": {"x": 2, "y": 1},  # 1.5 each, floors 1 and 1, the unit left to the earlier
    "poison": {"x": 4, "y": 4},
}


@pytest.mark.parametrize("rule", RULES)
def test_satoshi_order_is_kept_across_hops(rule):
    r = trace(FIVE_THREE, "s", rule=rule)
    assert credited(r) == FIVE_THREE_GOLDEN[rule]
    assert set(r.endpoints["hops"]) == {2} and all(list(p) == ["t1", "t2"] for p in r.endpoints["path"])


# The mule m holds two outputs at one address: a tainted 3 and a clean 5. It spends the clean one
# to d, then the tainted one into 2 for e and 1 change back to m, and that change with d's output
# into one 6 for x.
REUSE = utxo([
    ("t1", [("s", 3, None)], [("m", 3)]),
    ("t2", [("c", 5, None)], [("m", 5)]),
    ("t3", [("m", 5, "t2:0")], [("d", 5)]),
    ("t4", [("m", 3, "t1:0")], [("e", 2), ("m", 1)]),
    ("t5", [("m", 1, "t4:1"), ("d", 5, "t3:0")], [("x", 6)]),
])


@pytest.mark.parametrize("rule", ["fifo", "lifo", "libr", "tiho", "haircut"])
def test_address_reuse_each_output_its_own_coin(rule):
    """An address pool (what this tracer did before) would pay the taint into the first spend,
    d's 5: the output that was spent held none of it."""
    r = trace(REUSE, "s", rule=rule)
    got = {(e.address, e.hops): e.amount for e in r.endpoints.itertuples()}
    assert got == {("e", 2): 2, ("x", 3): 1}
    assert list(r.endpoints.set_index("address").loc["x", "path"]) == ["t1", "t4", "t5"]


def test_no_address_is_credited_more_than_it_received():
    """A mule that receives a little and spends the same address's other outputs: at most what
    reached each of its outputs can be credited to it, hop after hop."""
    t = utxo([
        ("v1", [("victim1", 40, None)], [("mule", 40)]),
        ("v2", [("victim2", 50, None)], [("mule", 50)]),
        ("big", [("boss", 1_000, None)], [("mule", 1_000)]),
        ("p1", [("mule", 1_000, "big:0")], [("dep", 8), ("mule", 992)]),     # the boss's output, not the victims'
        ("p2", [("mule", 40, "v1:0"), ("mule", 992, "p1:1")], [("dep2", 30), ("mule", 1_002)]),
        ("p3", [("mule", 50, "v2:0")], [("dep", 45), ("mule", 5)]),
    ])
    r = trace(t, ["victim1", "victim2"], rule="fifo")
    got = credited(r)
    received = {a: sum(t[t["to"] == a]["amount"]) for a in got}
    assert all(got[a] <= received[a] for a in got)
    # dep received 8 of the boss's and 45 of victim2's; dep2 30 of victim1's 40 (the first units of p2)
    assert got == {"dep": 45, "dep2": 30, "mule": 15}
    assert r.shares().set_index("address").loc["dep", "source"] == "victim2"


def test_sources_output_and_transaction():
    _, ends = trace(REUSE, Source.parse(tx="t4:0"))
    assert dict(zip(ends["address"], ends["amount"], strict=True)) == {"e": 2}
    _, ends = trace(REUSE, Source.parse(tx="t4:1"), rule="fifo")
    assert dict(zip(ends["address"], ends["amount"], strict=True)) == {"x": 1}
    _, ends = trace(REUSE, [Source.parse(tx="t3")], rule="fifo")
    assert dict(zip(ends["address"], ends["amount"], strict=True)) == {"x": 5}


def test_backward_follows_the_outputs_spent():
    _, ends = trace(REUSE, "x", direction="backward", rule="fifo")
    assert {(e.address, e.why): e.amount for e in ends.itertuples()} == {("s", "origin"): 1, ("c", "origin"): 5}
    # positions backward: the second output of 4 + 4 holds the tainted 3 and 1 clean
    _, ends = trace(FIVE_THREE, "y", direction="backward", rule="fifo")
    assert {e.address: e.amount for e in ends.itertuples()} == {"c": 1, "s": 3}


def test_bitcoin_etl_inputs_name_the_output_they_spend(tmp_path):
    def tx(h, block, ins, outs):
        return {"hash": h, "block_number": block, "block_timestamp": 1_700_000_000 + block, "is_coinbase": False,
                "inputs": [{"index": k, "spent_transaction_hash": sh, "spent_output_index": sv, "addresses": [a],
                            "value": v} for k, (a, v, sh, sv) in enumerate(ins)],
                "outputs": [{"index": k, "addresses": [a], "value": v} for k, (a, v) in enumerate(outs)]}

    p = tmp_path / "transactions.json"
    p.write_text("\n".join(json.dumps(x) for x in [
        tx("t1", 1, [("bcrt1qc", 5, "t0", 0), ("bcrt1qs", 3, "t0", 1)], [("bcrt1qm", 8)]),
        tx("t2", 2, [("bcrt1qm", 8, "t1", 0)], [("bcrt1qx", 4), ("bcrt1qy", 4)]),
    ]) + "\n")
    t = load_bitcoin_etl(p)
    assert t[t["kind"] == "utxo"]["spent_tx_hash"].tolist() == ["t0", "t0", None, "t1", None, None]
    _, ends = trace(t, "bcrt1qs")
    assert dict(zip(ends["address"], ends["amount"], strict=True)) == {"bcrt1qy": 3}


def test_an_input_that_does_not_match_the_output_it_spends_is_an_error():
    bad = utxo([("t1", [("s", 3, None)], [("m", 3)]), ("t2", [("m", 4, "t1:0")], [("x", 4)])])
    with pytest.raises(ValueError, match="spends t1:0, an output of 3, but says 4"):
        trace(bad, "s")


def _coinjoin_layers(layers, v):
    """Five funding transactions, then ``layers`` layers of five CoinJoin rounds (five inputs of
    ``v``, five outputs of ``v``): round j of a layer spends output j of every round before it."""
    txs = [(f"r0_{j}", [(f"f{j}", 5 * v, None)], [(f"a0_{j}_{m}", v) for m in range(5)]) for j in range(5)]
    for k in range(1, layers + 1):
        txs += [(f"r{k}_{j}", [(f"a{k - 1}_{i}_{j}", v, f"r{k - 1}_{i}:{j}") for i in range(5)],
                 [(f"a{k}_{j}_{m}", v) for m in range(5)]) for j in range(5)]
    return utxo(txs)


@pytest.mark.parametrize("rule", RULES)
def test_backward_through_coinjoin_rounds_stays_the_size_of_the_data(rule):
    """Backward from one output of seven layers of CoinJoin rounds: there are 5**7 paths, and
    traced path by path (as before) the pieces multiplied by five at every round. A row reached
    along several paths in one step now goes on once, so the flows are bounded by the rows, and
    what each funder is credited is exact: a fifth each under haircut, all divisions whole."""
    v = 5 ** 8
    t = _coinjoin_layers(7, v)
    r = trace(t, "a7_0_0", direction="backward", rule=rule, hops=9)
    assert len(r.flows) <= 2 * len(t), len(r.flows)
    got = credited(r)
    assert sum(got.values()) == v if rule != "poison" else sum(got.values()) >= v
    if rule == "haircut":
        assert got == {f"f{j}": v // 5 for j in range(5)}
