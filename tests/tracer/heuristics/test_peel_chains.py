from tracer.heuristics.examples import tx, utxo
from tracer.heuristics.peel_chains import peel_chains


def chain_of(hops, start=1_000_000, peel=50_000, fee=1_000, prefix="h"):
    txs, held, addr = [], start, "src"
    for k in range(1, hops + 1):
        nxt = f"{prefix}c{k}"
        rest = held - peel - fee
        txs.append(tx(f"{prefix}{k}", [(addr, held)], [(f"{prefix}peel{k}", peel), (nxt, rest)], block=k))
        held, addr = rest, nxt
    return txs


def test_a_long_chain_is_followed_to_its_end():
    e = peel_chains(utxo(*chain_of(6)))
    assert e["group"].unique().tolist() == ["h1"]
    assert e["output"].tolist() == [f"h{k}:1" for k in range(1, 6)] + [None]
    assert set(e["confidence"]) == {"high"}
    assert "hop 6 of 6" in e["reason"].iloc[-1] and "ends here" in e["reason"].iloc[-1]


def test_short_runs_and_other_shapes_are_not_chains():
    two = chain_of(2, prefix="s")
    other = [tx("m1", [("x", 100_000), ("y", 50_000)], [("z", 80_000), ("w", 69_000)], block=9)]
    assert peel_chains(utxo(*two, *other)).empty
    assert peel_chains(utxo(*two), min_hops=2)["group"].unique().tolist() == ["s1"]  # BlockSci's neighbour rule


def test_where_both_outputs_continue_the_larger_does_and_the_smaller_starts_its_own():
    txs = [tx("a1", [("src", 1_000_000)], [("big", 700_000), ("small", 299_000)], block=1),
           tx("b1", [("big", 700_000)], [("p1", 10_000), ("b2", 689_000)], block=2),
           tx("b2", [("b2", 689_000)], [("p2", 10_000), ("b3", 678_000)], block=3),
           tx("s1", [("small", 299_000)], [("q1", 10_000), ("s2", 288_000)], block=2),
           tx("s2", [("s2", 288_000)], [("q2", 10_000), ("s3", 277_000)], block=3),
           tx("s3", [("s3", 277_000)], [("q3", 10_000), ("s4", 266_000)], block=4)]
    e = peel_chains(utxo(*txs))
    runs = {g: part["txs"].map(lambda t: t[0]).tolist() for g, part in e.groupby("group")}
    assert runs == {"a1": ["a1", "b1", "b2"], "s1": ["s1", "s2", "s3"]}
