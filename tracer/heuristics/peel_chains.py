"""Peel chains: a run of one-input, two-output transactions, each spending an output of the last.

BlockSci (``isPeelingChain``) calls a transaction part of a peel chain when it has one input and
two outputs and the transaction it spends from, or one that spends it, has that shape too. Here
the transactions of that shape are followed output to output into whole chains: the output
spent by the next transaction of the shape continues the chain (it is the change: the rest of
what the launderer holds); the other is the peel, a payment off the chain. When both outputs
are spent by transactions of the shape, the larger continues and the smaller starts a chain of
its own. A chain counts from ``min_hops`` transactions (BlockSci's neighbour rule is
``min_hops=2``; ordinary payments make many two-hop runs, so the default asks for three).
"""
from __future__ import annotations

import numpy as np

from . import evidence as E
from .change import peel_shaped
from .utxo import UtxoView, views

MIN_HOPS = 3
LONG = 5  # a chain this long or longer: confidence high


def continuation(view: UtxoView):
    """For each transaction, the output position that continues its peel chain (-1: none), and
    the next transaction of the chain (-1: none)."""
    looks = peel_shaped(view)["looks"]
    s = view.spender
    ok = (s >= 0) & looks[view.out_tx] & looks[np.maximum(s, 0)]
    cont = np.full(view.n_txs, -1, dtype=np.int64)
    # the larger output wins where both continue: write the smaller first
    order = np.flatnonzero(ok)
    order = order[np.lexsort((view.out_vout[order], view.out_value[order]))]
    cont[view.out_tx[order]] = order
    nxt = np.where(cont >= 0, s[np.maximum(cont, 0)], -1)
    return cont, nxt


def chains(view: UtxoView, min_hops=MIN_HOPS):
    """The peel chains of one chain's transactions, as lists of transaction numbers in order."""
    _cont, nxt = continuation(view)
    has_prev = np.zeros(view.n_txs, dtype=bool)
    has_prev[nxt[nxt >= 0]] = True
    looks = peel_shaped(view)["looks"]
    heads = np.flatnonzero(looks & ~has_prev & (nxt >= 0))
    out = []
    for h in heads[np.argsort(view.rank[heads], kind="stable")]:
        run = [int(h)]
        while nxt[run[-1]] >= 0:
            run.append(int(nxt[run[-1]]))
        if len(run) >= min_hops:
            out.append(run)
    return out


def peel_chains(transfers, min_hops=MIN_HOPS):
    """Evidence rows, one per transaction of each peel chain (link ``peel``, ``group`` the first transaction).

    A row names the output that continues the chain (``output``, at address ``b``) and what was
    peeled off; the last transaction's row has no continuation (``b`` is None). Confidence:
    ``high`` for chains of five transactions or more, else ``medium``.

    Examples
    --------
    >>> from tracer.heuristics.examples import tx, utxo
    >>> t = utxo(tx("h1", [("src", 100_000)], [("shop1", 10_000), ("c1", 89_000)], block=1),
    ...          tx("h2", [("c1", 89_000)], [("shop2", 12_000), ("c2", 76_000)], block=2),
    ...          tx("h3", [("c2", 76_000)], [("c3", 60_000), ("shop3", 15_000)], block=3))
    >>> e = peel_chains(t)
    >>> e[["a", "b", "output", "group"]].values.tolist()
    [['src', 'c1', 'h1:1', 'h1'], ['c1', 'c2', 'h2:1', 'h1'], ['c2', None, None, 'h1']]
    >>> print(e.loc[0, "reason"])
    hop 1 of 3 of the peel chain from h1: one input, two outputs; output 1 (0.00089 BTC) goes on to h2,
    output 0 (0.0001 BTC) to shop1 is peeled off
    """
    rows = []
    for view in views(transfers):
        cont, nxt = continuation(view)
        for run in chains(view, min_hops):
            head = view.tx_hash[run[0]]
            level = E.HIGH if len(run) >= LONG else E.MEDIUM
            for k, t in enumerate(run, 1):
                outs = view.outputs_of(t)
                first = view.inputs_of(t)[0]
                c = cont[t] if k < len(run) else -1
                row = {E.HEURISTIC: "peel_chain", E.LINK: E.PEEL, E.CHAIN: view.chain,
                       E.A: view.addresses[view.in_addr[first]], E.GROUP: head, E.CONFIDENCE: level}
                where = f"hop {k} of {len(run)} of the peel chain from {head}: one input, two outputs"
                if c >= 0:
                    peel = outs[outs != c][0]
                    row.update({E.B: view.addresses[view.out_addr[c]], E.OUTPUT: view.outpoint(c),
                                E.TXS: (view.tx_hash[t], view.tx_hash[nxt[t]])})
                    row[E.REASON] = (f"{where}; output {view.out_vout[c]} ({E.units(view.out_value[c], 8, 'BTC')}) "
                                     f"goes on to {view.tx_hash[nxt[t]]}, output {view.out_vout[peel]} "
                                     f"({E.units(view.out_value[peel], 8, 'BTC')}) to "
                                     f"{view.addresses[view.out_addr[peel]]} is peeled off")
                else:
                    paid = ", ".join(f"{view.addresses[view.out_addr[o]]} ({E.units(view.out_value[o], 8, 'BTC')})"
                                     for o in outs)
                    row.update({E.TXS: (view.tx_hash[t],),
                                E.REASON: f"{where}; the chain ends here: it pays {paid}, and neither output "
                                          "is spent by a transaction of the same shape"})
                rows.append(row)
    return E.frame(rows)
