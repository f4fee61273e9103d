"""The clustering half of ``tracelab bench heuristics``: multi-input clustering of a million UTXO
transfers against networkx ``connected_components`` on the same co-spend graph, in one run.

:func:`generate` makes a synthetic UTXO transfers table of exactly ``n`` rows (wallets that spend
one to five of their own addresses' coins, pay someone and take change, consolidations, and
Whirlpool-shaped CoinJoins of five), deterministic for a seed. :func:`measure` times
:func:`tracer.heuristics.clustering.cluster_labels` from the table (CoinJoin detection, the
co-spend joins and the union-find), then builds a ``networkx.Graph`` of the same joins (as
address strings, given to it ready-made, so its time is the graph and the components only) and
runs ``connected_components``, each the best of three runs taken in turn, and checks that both
find the same clusters.
:func:`time_each` times every heuristic on one table (a lab case, in ``labs``).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from tracer import transfers as T

from .clustering import cluster_labels, co_spends
from .coinjoin import is_coinjoin

SEED = 20260314
START = 1_767_225_600
ADDRESSES_PER_WALLET = 6


def generate(n, seed=SEED):
    """A UTXO transfers table of exactly ``n`` rows (``n >= 10``), the same for the same seed.

    Examples
    --------
    >>> t = generate(1_000, seed=1)
    >>> len(t), sorted(set(t["kind"]))
    (1000, ['fee', 'utxo'])
    """
    rng = np.random.default_rng(seed)
    wallets = max(10, n // 40)
    # inputs per transaction: mostly 1-2, sometimes a consolidation; 1% CoinJoins of 5
    n_tx_guess = n // 4 + 10
    n_in = rng.choice([1, 2, 3, 5, 12], size=n_tx_guess, p=[0.5, 0.3, 0.12, 0.06, 0.02])
    coinjoin = rng.random(n_tx_guess) < 0.01
    n_in[coinjoin] = 5
    n_out = np.where(coinjoin, 5, 2)
    rows_per_tx = n_in + n_out + 1
    cum = np.cumsum(rows_per_tx)
    k = int(np.searchsorted(cum, n, side="left")) + 1  # transactions needed
    n_in, n_out, coinjoin = n_in[:k].copy(), n_out[:k].copy(), coinjoin[:k].copy()
    # the last transaction takes the rows left: inputs, outputs and its fee, or a coinbase's outputs alone
    left = n - (int(cum[k - 2]) if k >= 2 else 0)
    coinjoin[-1] = False
    if left >= 3:
        n_in[-1] = min(int(n_in[-1]), left - 2)
        n_out[-1] = left - 1 - n_in[-1]
    else:
        n_in[-1], n_out[-1] = 0, left
    coinbase = n_in == 0
    owner = rng.integers(0, wallets, size=k)
    tx_of_in = np.repeat(np.arange(k), n_in)
    # a CoinJoin's inputs come from different wallets; other inputs from the spender's own addresses
    in_wallet = np.where(coinjoin[tx_of_in], rng.integers(0, wallets, size=len(tx_of_in)), owner[tx_of_in])
    in_addr = in_wallet * ADDRESSES_PER_WALLET + rng.integers(0, ADDRESSES_PER_WALLET, size=len(tx_of_in))
    in_value = rng.integers(10_000, 100_000_000, size=len(tx_of_in))
    # each participant of a CoinJoin brings a little more than the pool's denomination
    in_value = np.where(coinjoin[tx_of_in], 10_000_000 + rng.integers(500, 5_000, size=len(tx_of_in)), in_value)
    total_in = np.bincount(tx_of_in, weights=in_value, minlength=k).astype(np.int64)
    tx_of_out = np.repeat(np.arange(k), n_out)
    first_out = np.r_[0, np.cumsum(n_out)[:-1]]
    pos = np.arange(len(tx_of_out)) - first_out[tx_of_out]
    total_in = np.where(coinbase, 5_000_000_000, total_in)
    fee = np.where(coinbase, 0, np.minimum(1_000, total_in // 10))
    spendable = total_in - fee
    pay = (spendable * rng.uniform(0.05, 0.95, size=k)).astype(np.int64)
    cj_value = np.full(k, 10_000_000, dtype=np.int64)
    out_value = np.where(pos == 0, pay[tx_of_out], (spendable - pay)[tx_of_out])  # payment first, change second
    out_value = np.where(coinjoin[tx_of_out], cj_value[tx_of_out], out_value)
    single = n_out[tx_of_out] == 1
    out_value = np.where(single, spendable[tx_of_out], out_value)
    out_value = np.where(coinbase[tx_of_out], spendable[tx_of_out] // n_out[tx_of_out], out_value)
    fee = total_in - np.bincount(tx_of_out, weights=out_value, minlength=k).astype(np.int64)
    payee = rng.integers(0, wallets * ADDRESSES_PER_WALLET, size=len(tx_of_out))
    change = owner[tx_of_out] * ADDRESSES_PER_WALLET + rng.integers(0, ADDRESSES_PER_WALLET, size=len(tx_of_out))
    out_addr = np.where((pos == 1) & ~coinjoin[tx_of_out], change, payee)
    names = np.array([f"bc1q{a:038x}" for a in range(wallets * ADDRESSES_PER_WALLET)], dtype=object)
    hashes = np.array([f"{(i * 0x9E3779B97F4A7C15 + seed) % 2**256:064x}" for i in range(k)], dtype=object)
    block = np.arange(k) // 2_000 + 1
    in_pos = np.arange(len(tx_of_in)) - np.r_[0, np.cumsum(n_in)[:-1]][tx_of_in]
    parts = [
        (tx_of_in, names[in_addr], hashes[tx_of_in], in_value, T.UTXO, -1 - in_pos),
        (tx_of_out, hashes[tx_of_out], names[out_addr], out_value, T.UTXO, pos),
        (np.flatnonzero(~coinbase), hashes[~coinbase], np.full(int((~coinbase).sum()), T.FEE_ADDRESS, dtype=object),
         fee[~coinbase], T.FEE, np.full(int((~coinbase).sum()), 1 << 30)),
    ]
    tx = np.concatenate([p[0] for p in parts])
    order = np.argsort(tx, kind="stable")
    frm = np.concatenate([p[1] for p in parts])[order]
    to = np.concatenate([p[2] for p in parts])[order]
    amount = np.concatenate([p[3] for p in parts])[order]
    kind = np.concatenate([np.full(len(p[0]), p[4], dtype=object) for p in parts])[order]
    index = np.concatenate([p[5] for p in parts])[order]
    tx = tx[order]
    n_rows = len(tx)
    # object columns, as the loaders make them (not pandas' arrow-backed strings)
    text = {T.CHAIN: np.full(n_rows, "bitcoin", dtype=object), T.TX_HASH: hashes[tx], T.FROM: frm, T.TO: to,
            T.ASSET: np.full(n_rows, "BTC", dtype=object), T.AMOUNT: amount.astype(object), T.KIND: kind}
    cols = {c: pd.Series(v, dtype=object) for c, v in text.items()}
    cols.update({T.BLOCK: block[tx], T.TIMESTAMP: START + 600 * block[tx], T.DECIMALS: np.full(n_rows, 8),
                 T.INDEX: index, T.TX_INDEX: tx % 2_000})
    return pd.DataFrame(cols)[T.COLUMNS + [T.TX_INDEX]]


def networkx_components(edges, nodes):
    """networkx ``connected_components`` of the co-spend graph (``edges`` as address pairs), and the
    seconds building the graph and finding the components took."""
    import networkx as nx

    start = time.perf_counter()
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    built = time.perf_counter()
    comps = list(nx.connected_components(g))
    return comps, built - start, time.perf_counter() - built


def measure(table, repeat=3):
    """Time multi-input clustering against networkx on ``table``, each the best of ``repeat`` runs
    taken in turn (the machine's other load touches both alike); check both agree."""
    ours, build_s, cc_s = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        [(view, labels)] = cluster_labels(table)
        ours.append(time.perf_counter() - start)
        first, other, _ = co_spends(view, "either")
        spenders = view.addresses[:view.n_input_addresses]  # the co-spend graph's nodes: addresses that spend
        edges = list(zip(spenders[first].tolist(), spenders[other].tolist(), strict=True))
        nodes = spenders.tolist()
        comps, b, c = networkx_components(edges, nodes)
        build_s.append(b)
        cc_s.append(c)
    # the same partition: each networkx component is one of our labels, and no two share one
    position = {a: i for i, a in enumerate(nodes)}
    seen = set()
    for comp in comps:
        found = {int(labels[position[a]]) for a in comp}
        assert len(found) == 1, f"networkx joins addresses our clustering keeps apart: {sorted(comp)[:3]}"
        assert not found & seen, "our clustering joins two networkx components"
        seen |= found
    sizes = np.bincount(labels)
    best = min(ours)
    k = min(range(repeat), key=lambda i: build_s[i] + cc_s[i])
    nx_s = build_s[k] + cc_s[k]
    return {"rows": len(table), "transactions": int(view.n_txs), "addresses": len(nodes), "joins": len(edges),
            "coinjoins_left_out": int(is_coinjoin(view).sum()), "clusters": int((sizes > 0).sum()),
            "largest_cluster": int(sizes.max()), "repeat": repeat, "seconds": round(best, 3),
            "networkx_seconds": round(nx_s, 3), "networkx_graph_seconds": round(build_s[k], 3),
            "networkx_components_seconds": round(cc_s[k], 3), "ratio_vs_networkx": round(best / nx_s, 3)}


def time_each(transfers, tags=None, prices=None, progress=None):
    """Seconds and rows of every heuristic on ``transfers`` (skipped ones say why)."""
    from .registry import run, select

    out = []
    for name in select():
        if progress:
            progress(name)
        start = time.perf_counter()
        r = run(transfers, only=[name], tags=tags, prices=prices)
        row = {"heuristic": name, "seconds": round(time.perf_counter() - start, 3), "rows": len(r.evidence)}
        if name in r.skipped:
            row["skipped"] = r.skipped[name]
        out.append(row)
    return out
