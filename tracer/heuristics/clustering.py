"""Multi-input clustering (common-input ownership), CoinJoins left out, and clusters from any evidence.

Common-input ownership (Nakamoto 2008, section 10; Meiklejohn et al. 2013; BlockSci's
``ClusterManager``): whoever signs a transaction holds the keys of every input, so all input
addresses of one transaction belong to one owner. It fails where several people sign one
transaction: CoinJoins, which :mod:`tracer.heuristics.coinjoin` detects and this module leaves
out (as BlockSci does), and PayJoins, which no rule here detects. As in BlockSci, each input
address is joined to the transaction's first input address, and the clusters are the connected
components of those joins (a union-find, :mod:`tracer.heuristics.unionfind`). Coinbase
transactions have no inputs and join nothing.

:func:`cluster` adds the ``same owner``, ``change`` and ``peel`` rows of any other heuristic
(change detection, EVM deposit addresses, mixer links) when they are given, so a cluster can be
one owner across both account and UTXO chains' evidence, each join traceable to its row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from . import evidence as E
from .coinjoin import coinjoins, is_coinjoin
from .unionfind import components
from .objects import unique_ints
from .utxo import UtxoView, views

#: evidence links that say two addresses have one owner
JOINING = (E.SAME_OWNER, E.CHANGE, E.PEEL)
REASON = "spends coins of {a} and {b} together in {tx}: one signer holds both keys (common-input ownership)"


def co_spends(view: UtxoView, coinjoin_rule="either", distinct=True):
    """The joins of one chain: arrays ``(first, other, tx)`` of address and transaction numbers.

    ``first`` is the transaction's first input address, ``other`` each other input address (each
    once per transaction if ``distinct``; a union-find does not mind repeats); transactions that
    are CoinJoins under ``coinjoin_rule`` (None: keep them) join nothing.
    """
    tx, addr = view.in_tx, view.in_addr
    if len(tx) > 1 and not ((tx[1:] > tx[:-1]) | ((tx[1:] == tx[:-1]) & (view.in_pos[1:] > view.in_pos[:-1]))).all():
        order = np.lexsort((view.in_pos, view.in_tx))  # (the loaders' order needs none)
        tx, addr = tx[order], addr[order]
    starts = np.flatnonzero(np.r_[True, tx[1:] != tx[:-1]]) if len(tx) else np.zeros(0, dtype=np.int64)
    first = np.empty(view.n_txs, dtype=np.int64)
    first[tx[starts]] = addr[starts]
    keep = addr != first[tx]
    if coinjoin_rule is not None:
        keep &= ~is_coinjoin(view, coinjoin_rule)[tx]
    tx, addr = tx[keep], addr[keep]
    if distinct and len(tx):  # an address spent twice in one transaction joins once
        width = view.n_input_addresses
        pairs = unique_ints(tx.astype(np.int64) * width + addr)
        tx, addr = pairs // width, pairs % width
    return first[tx], addr, tx


def multi_input(transfers, coinjoin_rule="either"):
    """Evidence rows of common-input ownership: ``a`` the first input address, ``b`` another one.

    Confidence ``high``: it fails only where several people sign together (CoinJoins, left out
    here; PayJoins, which cannot be told apart).

    Examples
    --------
    >>> from tracer.heuristics.examples import tx, utxo
    >>> t = utxo(tx("t1", [("a", 5_000), ("b", 7_000)], [("shop", 11_000)]),
    ...          tx("t2", [("c", 4_000)], [("d", 3_900)], block=2))
    >>> e = multi_input(t)
    >>> e[["a", "b", "txs"]].values.tolist()
    [['a', 'b', ('t1',)]]
    >>> print(e.loc[0, "reason"])
    spends coins of a and b together in t1: one signer holds both keys (common-input ownership)
    """
    rows = []
    for view in views(transfers):
        first, other, tx = co_spends(view, coinjoin_rule)
        for f, o, t in zip(view.addresses[first], view.addresses[other], view.tx_hash[tx], strict=True):
            rows.append({E.HEURISTIC: "multi_input", E.LINK: E.SAME_OWNER, E.CHAIN: view.chain, E.A: f, E.B: o,
                         E.CONFIDENCE: E.HIGH, E.REASON: REASON.format(a=f, b=o, tx=t), E.TXS: (t,)})
    return E.frame(rows)


@dataclass
class Clusters:
    """What :func:`cluster` found.

    Attributes
    ----------
    members : pandas.DataFrame
        ``chain, address, cluster``: every address in a cluster of two or more, by cluster.
        Cluster numbers start at 1, largest cluster first (ties: by its first address).
    evidence : pandas.DataFrame
        The rows that joined them (multi-input first, then the extra evidence given).
    coinjoins : pandas.DataFrame
        The CoinJoins left out, as evidence rows of :func:`tracer.heuristics.coinjoin.coinjoins`.
    """

    members: pd.DataFrame
    evidence: pd.DataFrame
    coinjoins: pd.DataFrame = field(default_factory=E.empty)

    def of(self, address, chain=None):
        """The addresses in ``address``'s cluster (just itself if it is in none); ``address`` as
        copied (EIP-55 case, backticks) is cleaned as a trace's sources are."""
        from tracer.sources import clean_address

        address, m = clean_address(address), self.members
        hit = m[(m["address"] == address) & ((m["chain"] == chain) if chain is not None else True)]
        if hit.empty:
            return [address]
        return m[m["cluster"] == hit["cluster"].iloc[0]]["address"].tolist()

    @cached_property
    def evidence_clusters(self):
        """The cluster of each evidence row (by its ``a``), in row order."""
        m = self.members
        key = dict(zip(zip(m["chain"], m["address"], strict=True), m["cluster"], strict=True))
        return [key.get((c, a)) for c, a in zip(self.evidence[E.CHAIN], self.evidence[E.A], strict=True)]

    def to_dict(self):
        """The JSON shape of ``tracelab cluster --json``:
        ``{"clusters": [{"id", "addresses", "evidence"}], "coinjoins": [...]}``."""
        by_cluster = {}
        for row, k in zip(self.evidence.to_dict("records"), self.evidence_clusters, strict=True):
            by_cluster.setdefault(k, []).append(_row_json(row))
        out = []
        for k, part in self.members.groupby("cluster", sort=True):
            out.append({"id": int(k), "addresses": [{"chain": c, "address": a} for c, a in
                                                     zip(part["chain"], part["address"], strict=True)],
                        "evidence": by_cluster.get(k, [])})
        return {"clusters": out, "coinjoins": [_row_json(r) for r in self.coinjoins.to_dict("records")]}


def _row_json(row):
    return {k: (list(v) if k == E.TXS else v) for k, v in row.items() if v is not None}


def cluster(transfers, evidence=None, coinjoin_rule="either"):
    """Clusters of addresses: multi-input joins, CoinJoins left out, plus the joining rows of ``evidence``.

    Parameters
    ----------
    transfers : pandas.DataFrame
        A transfers table.
    evidence : pandas.DataFrame, optional
        More evidence rows (any heuristic's); those whose link is ``same owner``, ``change`` or
        ``peel`` join ``a`` and ``b`` when both are on one chain.
    coinjoin_rule : str or None
        Which CoinJoins to leave out (:func:`tracer.heuristics.coinjoin.is_coinjoin`); None keeps them.

    Returns
    -------
    Clusters

    Examples
    --------
    >>> from tracer.heuristics.examples import tx, utxo
    >>> t = utxo(tx("t1", [("a", 5_000), ("b", 7_000)], [("c", 11_000)]),
    ...          tx("t2", [("c", 11_000), ("d", 1_000)], [("e", 11_900)], block=2),
    ...          tx("t3", [("x", 4_000)], [("y", 3_900)], block=3))
    >>> c = cluster(t)
    >>> c.members.values.tolist()
    [['bitcoin', 'a', 1], ['bitcoin', 'b', 1], ['bitcoin', 'c', 2], ['bitcoin', 'd', 2]]
    >>> c.of("d")
    ['c', 'd']
    """
    multi = multi_input(transfers, coinjoin_rule)
    extra = E.empty() if evidence is None else evidence[evidence[E.LINK].isin(JOINING)
                                                        & (evidence[E.CHAIN] == evidence[E.B_CHAIN])
                                                        & evidence[E.B].notna()]
    used = E.concat([multi, extra])
    cj = coinjoins(transfers, coinjoin_rule) if coinjoin_rule is not None else E.empty()
    if used.empty:
        return Clusters(pd.DataFrame({"chain": [], "address": [], "cluster": []}, dtype=object), used, cj)
    keys = pd.MultiIndex.from_arrays([np.r_[used[E.CHAIN].to_numpy(dtype=object), used[E.CHAIN].to_numpy(dtype=object)],
                                      np.r_[used[E.A].to_numpy(dtype=object), used[E.B].to_numpy(dtype=object)]])
    codes, uniques = pd.factorize(keys)
    n = len(used)
    labels = components(len(uniques), codes[:n], codes[n:])
    return Clusters(_members(uniques, labels), used, cj)


def _members(uniques, labels):
    chains = np.asarray(uniques.get_level_values(0), dtype=object)
    addrs = np.asarray(uniques.get_level_values(1), dtype=object)
    m = pd.DataFrame({"chain": chains, "address": addrs, "root": labels})
    m = m.sort_values(["chain", "address"], kind="stable")
    size = m.groupby("root")["root"].transform("size")
    first = m.groupby("root")["address"].transform("first")
    m = m.assign(size=size, first=first).sort_values(["size", "first", "chain", "address"],
                                                      ascending=[False, True, True, True], kind="stable")
    m["cluster"] = pd.factorize(m["root"])[0] + 1
    return m[["chain", "address", "cluster"]].reset_index(drop=True).astype({"cluster": int})


def cluster_labels(transfers, coinjoin_rule="either"):
    """Multi-input clusters as arrays, for one chain's view at a time, without evidence rows.

    The fast path :func:`cluster` builds its rows on (and ``tracelab bench heuristics`` times):
    returns ``[(view, labels)]`` with ``labels[k]`` the cluster (smallest address number) of
    address ``view.addresses[k]``, for the addresses that spend (``k < view.n_input_addresses``;
    the others join nothing).
    """
    out = []
    for view in views(transfers):
        first, other, _ = co_spends(view, coinjoin_rule, distinct=False)
        out.append((view, components(view.n_input_addresses, first, other)))
    return out
