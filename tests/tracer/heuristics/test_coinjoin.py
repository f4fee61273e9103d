from tracer.heuristics.coinjoin import coinjoins
from tracer.heuristics.examples import tx, utxo
from tracer.heuristics.utxo import UtxoView
from tracer.heuristics.coinjoin import is_coinjoin

WHIRLPOOL = tx("round", [(f"premix{i}", 5_000_000 + 1_000 * i) for i in range(5)],
               [(f"post{i}", 5_000_000) for i in range(5)])
# JoinMarket: 3 participants, 3 equal outputs and 2 change outputs
JOINMARKET = tx("jm", [("m1", 30_000_000), ("t1", 25_000_000), ("t2", 40_000_000)],
                [("o1", 20_000_000), ("o2", 20_000_000), ("o3", 20_000_000), ("c1", 9_990_000), ("c2", 4_990_000)])


def _verdicts(*txs, rule="either"):
    v = UtxoView(utxo(*txs), "bitcoin")
    return dict(zip(v.tx_hash.tolist(), is_coinjoin(v, rule).tolist(), strict=True))


def test_whirlpool_shape_only_the_equal_output_rule_sees():
    assert _verdicts(WHIRLPOOL, rule="blocksci") == {"round": False}
    assert _verdicts(WHIRLPOOL, rule="equal_outputs") == {"round": True}


def test_joinmarket_shape_is_blocksci_s():
    assert _verdicts(JOINMARKET, rule="blocksci") == {"jm": True}
    assert _verdicts(JOINMARKET, rule="equal_outputs") == {"jm": False}
    e = coinjoins(utxo(JOINMARKET))
    assert e["confidence"].tolist() == ["medium"] and "3 participants" in e.loc[0, "reason"]


def test_dust_outputs_are_not_a_coinjoin():
    spam = tx("spam", [("s1", 10_000), ("s2", 10_000)], [("x1", 546), ("x2", 546), ("x3", 17_000)])
    assert _verdicts(spam, rule="blocksci") == {"spam": False}
    same = tx("spam2", [(f"s{i}", 3_000) for i in range(3)], [(f"x{i}", 2_730) for i in range(3)])
    assert _verdicts(same) == {"spam2": False}


def test_negatives():
    batch = tx("batch", [("ex", 100_000_000)], [(f"u{i}", 1_000_000) for i in range(4)] + [("ex2", 95_000_000)])
    one_owner = tx("own", [("a", 5_000_000), ("a", 5_000_000)], [(f"b{i}", 3_000_000) for i in range(3)])
    self_split = tx("split", [("a", 5_000_000), ("b", 5_000_000), ("c", 5_000_000)],
                    [("x", 4_000_000), ("x", 4_000_000), ("x", 4_000_000)])
    small_inputs = tx("small", [(f"i{i}", 2_000_000) for i in range(3)] + [("big", 9_000_000)],
                      [(f"o{i}", 3_000_000) for i in range(4)])
    assert _verdicts(batch, one_owner, self_split, small_inputs) == \
        {"batch": False, "own": False, "split": False, "small": False}
