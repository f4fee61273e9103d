from tracer.heuristics.examples import tx, utxo
from tracer.heuristics.utxo import UtxoView, views


def test_spends_follow_named_outpoints_even_when_address_and_value_repeat():
    # bob got 5,000 twice; the spend names the second output
    t = utxo(tx("t1", [("a", 10_100)], [("bob", 5_000), ("bob", 5_000)]),
             tx("t2", [("bob", 5_000, "t1:1")], [("c", 4_900)], block=2))
    v = UtxoView(t, "bitcoin")
    assert v.spender.tolist() == [-1, 1, -1]


def test_without_outpoints_the_earliest_unspent_output_of_address_and_value_is_spent():
    t = utxo(tx("t1", [("a", 10_100)], [("bob", 5_000), ("bob", 5_000)]),
             tx("t2", [("bob", 5_000)], [("c", 4_900)], block=2),
             tx("t3", [("bob", 5_000)], [("d", 4_900)], block=3))
    v = UtxoView(t, "bitcoin")
    assert v.spender.tolist() == [1, 2, -1, -1]
    assert v.spent_tx.tolist() == [-1, 0, 0]  # t1's input spends nothing in the data


def test_an_input_never_spends_a_later_output():
    t = utxo(tx("t2", [("bob", 5_000)], [("c", 4_900)], block=1),
             tx("t1", [("a", 5_100)], [("bob", 5_000)], block=2))
    v = UtxoView(t, "bitcoin")
    assert v.spender.tolist() == [-1, -1]


def test_first_seen_and_coinbase():
    t = utxo(tx("cb", [], [("miner", 5_000)]),
             tx("t1", [("miner", 5_000)], [("x", 2_000), ("miner", 2_900)], block=2))
    v = UtxoView(t, "bitcoin")
    assert v.coinbase.tolist() == [True, False]
    first = dict(zip(v.addresses.tolist(), v.first_seen.tolist(), strict=True))
    assert first == {"miner": 0, "x": 2}
    late = UtxoView(utxo(tx("t1", [("y", 5_000)], [("y", 4_900)])), "bitcoin")
    assert late.first_seen.tolist() == [-1]  # y spends in t1, so it was paid before


def test_one_view_per_chain():
    t = utxo(tx("t1", [("a", 100)], [("b", 90)]), chain="btc").pipe(
        lambda a: __import__("pandas").concat([a, utxo(tx("t9", [("a", 100)], [("b", 90)]), chain="ltc")]))
    assert [v.chain for v in views(t)] == ["btc", "ltc"]


class _Collides(str):
    """A string whose hash collides with every other _Collides: factorize must still tell them apart."""

    def __hash__(self):
        return 7


def test_factorize_is_exact_for_equal_strings_that_are_other_objects_and_for_hash_collisions():
    import numpy as np
    import pandas as pd

    from tracer.heuristics.objects import factorize

    a1, a2 = "".join(["ad", "dr"]), "".join(["add", "r"])  # equal, two objects
    assert a1 == a2 and a1 is not a2
    codes, uniques = factorize(np.array([a1, "b", a2, "b"], dtype=object))
    assert codes.tolist() == [0, 1, 0, 1] and uniques.tolist() == ["addr", "b"]
    clash = np.array([_Collides("x"), _Collides("y"), _Collides("x")], dtype=object)
    codes, uniques = factorize(clash)
    want_codes, _ = pd.factorize(clash)
    assert codes.tolist() == want_codes.tolist() == [0, 1, 0] and uniques.tolist() == ["x", "y"]


def test_a_transaction_whose_rows_are_apart_is_still_one_transaction():
    import pandas as pd

    t = utxo(tx("t1", [("a", 10_000), ("b", 5_000)], [("c", 14_000)]),
             tx("t2", [("d", 3_000)], [("e", 2_900)], block=2))
    # move t1's output row after t2's rows: t1's rows are no longer together
    moved = t[(t["tx_hash"] == "t1") & (t["index"] >= 0) & (t["kind"] == "utxo")]
    t = pd.concat([t.drop(moved.index), moved], ignore_index=True)
    v = UtxoView(t, "bitcoin")
    assert v.tx_hash.tolist() == ["t1", "t2"]
    assert v.n_in.tolist() == [2, 1] and v.n_out.tolist() == [1, 1]


def _fresh(s):
    """An equal string that is another object (as two loaded rows of one value are)."""
    return s[:1] + s[1:]


def test_equals_is_exact_whether_rows_share_objects_or_not():
    import numpy as np

    from tracer.heuristics.objects import equals

    shared = np.array(["utxo", "fee"], dtype=object)[[0, 0, 1, 0, 1]]
    own = np.array([_fresh(v) for v in shared] + [None, float("nan")], dtype=object)
    assert equals(shared, "utxo").tolist() == [True, True, False, True, False]
    assert equals(own, "utxo").tolist() == [True, True, False, True, False, False, False]
    mixed = np.concatenate([shared, own])  # shared objects, then objects of their own
    assert equals(mixed, "utxo").tolist() == (shared == "utxo").tolist() + (own == "utxo").tolist()


def test_a_transaction_whose_rows_hold_its_hash_as_several_objects_is_one_transaction():
    import pandas as pd

    t = utxo(tx("t1" * 32, [("a", 10_000), ("b", 5_000)], [("c", 14_000)]),
             tx("t2" * 32, [("d", 3_000)], [("e", 2_900)], block=2))
    t["tx_hash"] = pd.Series([_fresh(h) for h in t["tx_hash"]], dtype=object)
    t["from"] = pd.Series([_fresh(h) for h in t["from"]], dtype=object)
    v = UtxoView(t, "bitcoin")
    assert v.tx_hash.tolist() == ["t1" * 32, "t2" * 32]
    assert v.n_in.tolist() == [2, 1] and v.n_out.tolist() == [1, 1]
    assert v.addresses[v.in_addr].tolist() == ["a", "b", "d"]


def test_run_codes_takes_rows_in_any_order():
    import numpy as np

    from tracer.heuristics.objects import run_codes

    column = np.array(["t1", "t1", "t2", "t2", "t3"], dtype=object)
    codes, uniques = run_codes(column, np.array([4, 0, 1, 2]))
    assert codes.tolist() == [0, 1, 1, 2] and uniques.tolist() == ["t3", "t1", "t2"]
    codes, uniques = run_codes(column[[0, 2, 0]], np.array([0, 1, 2]))  # t1 in two places
    assert codes.tolist() == [0, 1, 0] and uniques.tolist() == ["t1", "t2"]
