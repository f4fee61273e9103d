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
