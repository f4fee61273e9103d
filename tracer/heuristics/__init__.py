"""Heuristics: pure functions from a transfers table to evidence rows, one module per family.

Each row says what it links, how strongly, why in words and on which transactions
(:mod:`tracer.heuristics.evidence`); ``tracelab evaluate`` measures how often each is wrong.

- :mod:`~tracer.heuristics.clustering`: multi-input clustering (common-input ownership), CoinJoins left out
- :mod:`~tracer.heuristics.coinjoin`: CoinJoin detection (BlockSci's rule, the equal-output shape)
- :mod:`~tracer.heuristics.change`: change detection (BlockSci's heuristics, alone and combined)
- :mod:`~tracer.heuristics.peel_chains`: peel chains
- :mod:`~tracer.heuristics.deposit_addresses`: EVM deposit-address clustering (Victor 2020)
- :mod:`~tracer.heuristics.mixer`, :mod:`~tracer.heuristics.mixer_links`: mixer linking (Tutela)
- :mod:`~tracer.heuristics.crosschain`: bridge lock to mint, instant swap deposit to payout
- :mod:`~tracer.heuristics.structuring`: transfers just below a reporting threshold

Beneath them: :mod:`~tracer.heuristics.utxo` (a UTXO chain's inputs and outputs as arrays),
:mod:`~tracer.heuristics.objects` (strings numbered fast and exactly),
:mod:`~tracer.heuristics.unionfind`, and :mod:`~tracer.heuristics.citations` (what a trace relied
on, with the measured rates a report cites, :mod:`~tracer.heuristics.measured`).

Examples
--------
>>> import tracer.heuristics as th
>>> from tracer.heuristics.examples import tx, utxo
>>> t = utxo(tx("t1", [("a", 5_000_000), ("b", 7_000_000)], [("shop", 6_000_000), ("a", 5_990_000)]))
>>> r = th.run(t, only=["multi_input", "change"])
>>> r.evidence[["heuristic", "a", "b", "output"]].values.tolist()   # the fresh-address rule disagrees
[['multi_input', 'a', 'b', None], ['change.address_reuse', 'a', 'a', 't1:1'],
 ['change.power_of_ten_value', 'a', 'a', 't1:1'], ['change.client_change_address_behavior', 'a', 'shop', 't1:0']]
>>> sorted(r.skipped)
['change.address_type', 'change.locktime', 'change.version']
"""
from .clustering import Clusters, cluster, multi_input
from .evidence import MissingColumnError
from .registry import HEURISTICS, Result, load, run, select

__all__ = ["HEURISTICS", "Clusters", "MissingColumnError", "Result", "cluster", "load", "multi_input", "run",
           "select"]
