import numpy as np

from tracer.heuristics.bench import generate, measure, networkx_components
from tracer.heuristics.clustering import cluster_labels


def test_generate_is_exact_in_rows_and_deterministic():
    a, b = generate(3_001, seed=5), generate(3_001, seed=5)
    assert len(a) == 3_001 and a.equals(b)
    assert not a.equals(generate(3_001, seed=6))
    # every transaction balances, inputs = outputs + fee, but a coinbase (the last, to make up the rows)
    signed = np.where(a["index"] < 0, 1, -1) * a["amount"].astype(np.int64)
    spends = a["tx_hash"].isin(a[a["index"] < 0]["tx_hash"])
    assert (signed[spends].groupby(a["tx_hash"][spends]).sum() == 0).all()


def test_measure_agrees_with_networkx_and_leaves_coinjoins_out():
    r = measure(generate(20_000, seed=3))
    assert r["rows"] == 20_000 and r["coinjoins_left_out"] > 0
    assert r["seconds"] > 0 and r["networkx_seconds"] > 0 and r["ratio_vs_networkx"] > 0
    assert 0 < r["clusters"] <= r["addresses"]


def test_networkx_partition_is_the_union_find_partition():
    t = generate(4_000, seed=9)
    [(view, labels)] = cluster_labels(t)
    from tracer.heuristics.clustering import co_spends

    first, other, _ = co_spends(view)
    comps, _, _ = networkx_components(list(zip(first.tolist(), other.tolist(), strict=True)),
                                      range(view.n_input_addresses))
    assert sorted(len(c) for c in comps) == sorted(np.bincount(labels)[np.bincount(labels) > 0].tolist())
