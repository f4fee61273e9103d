"""Traces that follow heuristics: through detected change, across a matched bridge or swap, and
through a cluster as one pool.

The tracer follows what the chain proves: an output to the input that spends it, an account's
deposits to its withdrawals. Investigators also follow what heuristics suggest, and must say so.
:func:`trace` runs :func:`tracer.trace` forward and continues it, leg by leg, where a heuristic's
evidence row says the value went on:

- ``change``: value that stopped at the hop limit in an output a change heuristic names
  (``change.vote`` and ``change.address_reuse``, and the continuation of a ``peel_chain``) goes on
  from that output, with a new hop budget: the owner still holds it.
- ``bridge`` and ``swap``: value that reached a bridge (a lock) or a swap service's deposit goes
  on from the payout's recipient on the other chain (``bridge`` and ``swap`` rows).
- ``cluster``: on account chains, the addresses of one cluster (multi-input, deposit addresses,
  and with ``change`` the change rows) are traced as one pool, named ``cluster-N``; an endpoint the
  pool paid names as its entry the member that paid it (the deposit address).

Every leg after the first says which heuristic started it, its confidence and its reason, and
whether it is exact: a leg continues a whole output or a payout of which every unit was traced
value, to an address that received nothing else; otherwise its amounts are an upper bound and
its note says why.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tracer import transfers as T

from . import evidence as E
from .measured import cite
from .registry import run as run_heuristics

FOLLOW = ("change", "bridge", "swap", "cluster")
#: the change rows a trace follows: rules that agree, and a spender's own address
CHANGE = ("change.vote", "change.address_reuse", "peel_chain")
MAX_LEGS = 200
#: what :meth:`FollowedTrace.stops` sums over
STOP_KEY = ["leg", "chain", "address", "label", "entry", "asset", "symbol", "why", "source"]


@dataclass
class FollowedTrace:
    """What :func:`trace` found.

    Attributes
    ----------
    legs : pandas.DataFrame
        One row per leg: ``leg`` (0 is the plain trace), ``parent``, ``heuristic``,
        ``confidence``, ``reason``, ``source`` (the original source it carries), ``start`` (where
        the leg starts: an address or ``HASH:VOUT``), ``chain``, ``exact``, ``note`` and
        ``measured`` (the heuristic's error rates on the lab's cases,
        :func:`tracer.heuristics.measured.cite`).
    results : list of tracer.result.TraceResult
        Each leg's trace.
    endpoints : pandas.DataFrame
        Every leg's endpoints, with ``leg`` and ``followed`` (the leg that carried it on, or None):
        where value finally stops are the rows whose ``followed`` is None.
    flows : pandas.DataFrame
        Every leg's flows with ``leg``; a followed leg's ``reason`` names the heuristic and its confidence.
    clusters : pandas.DataFrame or None
        ``chain, address, cluster`` of the pools ``cluster`` traced as one.
    evidence : pandas.DataFrame or None
        The evidence rows the trace could follow (what a report cites,
        :mod:`tracer.heuristics.citations`).
    ran : tuple of str or None
        The heuristics run for ``evidence``, all of whose rows it holds (None: the evidence was given).
    """

    legs: pd.DataFrame
    results: list
    endpoints: pd.DataFrame
    flows: pd.DataFrame
    clusters: pd.DataFrame | None = None
    evidence: pd.DataFrame | None = None
    ran: tuple | None = None

    def final(self):
        """The endpoints where value stops for good (not carried on by another leg)."""
        return self.endpoints[self.endpoints["followed"].isna()].reset_index(drop=True)

    def stops(self):
        """:meth:`final` summed per leg, endpoint, asset, why and source: what a table shows.

        A leg's trace ends in one row per path, so nine deposits into one mixer pool are nine rows;
        here they are one, with ``amount`` their exact sum, ``transfers`` how many they were and
        ``txs`` the transactions that brought the value (each once, in order). Largest first
        within each leg. Value converted into another asset (why ``converted``: a wrap, a swap pool)
        does not stop there: it is left out, as in :meth:`tracer.result.TraceResult.shares`, and
        appears where the new asset ended.
        """
        groups = {}
        for e in self.final().itertuples(index=False):
            if e.why == "converted":
                continue
            key = tuple(getattr(e, c) for c in STOP_KEY)
            g = groups.setdefault(key, [0, 0, {}])
            g[0] += int(e.amount)
            g[1] += 1
            g[2].update(dict.fromkeys(e.path))
        rows = [[*k, amount, n, list(txs)] for k, (amount, n, txs) in groups.items()]
        rows.sort(key=lambda r: (r[0], -r[len(STOP_KEY)], r[2]))
        return pd.DataFrame(rows, columns=[*STOP_KEY, "amount", "transfers", "txs"], dtype=object)


def trace(transfers, sources, follow=FOLLOW, *, tags=None, prices=None, evidence=None, max_legs=MAX_LEGS,
          **options):
    """A forward trace that follows ``follow`` (any of ``change``, ``bridge``, ``swap``, ``cluster``).

    Parameters
    ----------
    transfers, sources
        As for :func:`tracer.trace`.
    tags : tags table, optional
        Known services: they stop the trace, and the heuristics start from them.
    prices : dict, optional
        Symbol -> price, for the swap heuristic.
    evidence : pandas.DataFrame, optional
        Evidence rows already found (:func:`tracer.heuristics.run`); by default they are found here.
    **options
        ``rule``, ``hops``, ``min_amount``, ``max_degree``, ``start``, ``end`` as for :func:`tracer.trace`.

    Examples
    --------
    A peel chain traced one hop at a time: each leg goes on from the change the peel chain names.

    >>> from tracer.heuristics.examples import tx, utxo
    >>> h = [c * 64 for c in "abc"]
    >>> t = utxo(tx(h[0], [("src", 10_000_000, "f" * 64 + ":0")], [("p1", 1_000_000), ("c1", 8_990_000)]),
    ...          tx(h[1], [("c1", 8_990_000, h[0] + ":1")], [("p2", 2_000_000), ("c2", 6_980_000)], block=2),
    ...          tx(h[2], [("c2", 6_980_000, h[1] + ":1")], [("p3", 1_000_000), ("c3", 5_970_000)], block=3))
    >>> r = trace(t, "src", ["change"], hops=1)
    >>> r.final().query("address != 'fee'")[["leg", "address", "amount", "why"]].values.tolist()
    [[0, 'p1', 1000000, 'hop limit'], [1, 'p2', 2000000, 'hop limit'], [2, 'c3', 5970000, 'hop limit'],
     [2, 'p3', 1000000, 'hop limit']]
    >>> r.legs[["leg", "heuristic", "start", "exact"]].values.tolist()[1]
    [1, 'peel_chain', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1', True]
    """
    import tracer.trace as TR
    from tracer.sources import Source, as_sources

    follow = tuple(follow)
    unknown = set(follow) - set(FOLLOW)
    if unknown:
        raise ValueError(f"follow: unknown {', '.join(sorted(unknown))}; expected any of {', '.join(FOLLOW)}")
    if options.get("direction", "forward") != "forward":
        raise ValueError("following heuristics is a forward trace (direction='forward')")
    options.pop("direction", None)
    ran = None
    if evidence is None:
        wanted = [n for n, on in (("change.vote", "change"), ("change.address_reuse", "change"),
                                  ("peel_chain", "change"), ("bridge", "bridge"), ("swap", "swap"),
                                  ("deposit_address", "cluster")) if on in follow]
        evidence = run_heuristics(transfers, only=wanted, tags=tags, prices=prices).evidence
        ran = tuple(wanted)
    stop = tags if tags is not None else options.pop("stop", ())
    options.pop("stop", None)
    table, clusters, rename = transfers, None, {}
    if "cluster" in follow:
        table, clusters, rename = _pooled(transfers, evidence, "change" in follow)
        sources = [Source(address=rename.get(s.address, s.address), tx=s.tx, vout=s.vout, label=s.label or s.given)
                   if s.address else s for s in as_sources(sources)]
    first = TR.trace(table, sources, stop=stop, direction="forward", **options)
    legs = [{"leg": 0, "parent": None, "heuristic": None, "confidence": None, "reason": "the trace itself",
             "source": None, "start": ", ".join(s.given for s in first.sources), "chain": None, "exact": True,
             "note": None, "measured": None}]
    results, followed = [first], {}
    todo = [(0, first)]
    taken = {(s.given, None) for s in first.sources}
    while todo:
        parent, res = todo.pop(0)
        groups = {}  # (start, chain) -> what goes on there: one leg for every endpoint that leads there
        for k, end in enumerate(res.endpoints.to_dict("records")):
            nxt = _next(table, end, evidence, follow, rename)
            if nxt is not None:
                g = groups.setdefault((nxt["start"].given, nxt["chain"]), {**nxt, "ends": [], "names": [], "traced": 0})
                g["ends"].append(k)
                g["names"].append(end["source"])
                g["traced"] += int(end["amount"])
        for (given, chain), g in groups.items():
            if (given, chain) in taken or len(legs) > max_legs:
                continue  # (a start is followed once: value coming back to it is in its leg already)
            taken.add((given, chain))
            row, start_source, ks = g["row"], g["start"], g["ends"]
            names = list(dict.fromkeys(g["names"]))
            notes = []
            if g["traced"] < g["whole"]:
                notes.append(f"{g['traced']} of the {g['whole']} base units of {g['what']} were traced value")
            if g["besides"]:
                notes.append(f"{start_source.given} also received {g['besides']} base units of other value")
            if len(names) > 1:
                notes.append(f"the value of {len(names)} sources goes on together")
            exact = not notes
            if g["traced"] < g["whole"] or g["besides"]:
                notes.append("what goes on from here is an upper bound")
            part = table if chain is None else table[table[T.CHAIN] == chain]
            labelled = Source(address=start_source.address, tx=start_source.tx, vout=start_source.vout,
                              label=" + ".join(names))
            opts = dict(options)
            if start_source.vout is not None:  # the output's own transaction counts as the leg's first hop
                opts["hops"] = opts.get("hops", 6) + 1
            leg = TR.trace(part, [labelled], stop=stop, direction="forward", **opts)
            if start_source.address is not None:
                leg.endpoints = _kept(leg, part, row[E.TXS][1], start_source.address)
            n = len(legs)
            for k in ks:
                followed[(parent, k)] = n
            legs.append({"leg": n, "parent": parent, "heuristic": row[E.HEURISTIC], "confidence": row[E.CONFIDENCE],
                         "reason": row[E.REASON], "source": labelled.label, "start": given, "chain": chain,
                         "exact": exact, "note": "; ".join(notes) or None, "measured": cite(row[E.HEURISTIC])})
            results.append(leg)
            todo.append((n, leg))
    if rename:
        for r in results:
            r.endpoints = _member_entries(r.endpoints, transfers, rename)
    ends, flows = [], []
    for i, r in enumerate(results):
        e = r.endpoints.assign(leg=i, followed=[followed.get((i, k)) for k in range(len(r.endpoints))])
        ends.append(e)
        f = r.flows.assign(leg=i)
        if i:
            how = f"; followed by {legs[i]['heuristic']} ({legs[i]['confidence']})"
            f["reason"] = f["reason"].astype(str) + how
        flows.append(f)
    endpoints = pd.concat(ends, ignore_index=True)
    endpoints["followed"] = endpoints["followed"].astype(object).where(endpoints["followed"].notna(), None)
    return FollowedTrace(pd.DataFrame(legs, dtype=object), results, endpoints, pd.concat(flows, ignore_index=True),
                         clusters, evidence, ran)


def _next(table, end, evidence, follow, rename):
    """Where endpoint ``end`` goes on, else None: ``row`` (the evidence), ``start`` (a Source),
    ``chain`` (None: the same), ``whole`` (the units the start stands for: the output's value, what
    was sent into the bridge or swap), ``what`` (which), ``besides`` (other value the start received).
    ``rename``: address -> the pool it is traced as (``cluster``)."""
    from tracer.sources import Source

    path = list(end["path"])
    if not path or end["address"] == T.FEE_ADDRESS:
        return None
    last = path[-1]
    if "change" in follow and end["why"] == "hop limit":
        out = _output(table, end["chain"], last, end["address"])
        if out is not None:
            vout, value = out
            hit = evidence[evidence[E.HEURISTIC].isin(CHANGE) & (evidence[E.OUTPUT] == f"{last}:{vout}")]
            if len(hit):
                return {"row": hit.iloc[0], "start": Source(tx=last, vout=vout), "chain": None, "whole": value,
                        "what": f"output {last}:{vout}", "besides": 0}
    for name in ("bridge", "swap"):
        if name not in follow:
            continue
        rows = evidence[(evidence[E.HEURISTIC] == name) & (evidence[E.CHAIN] == end["chain"])]
        for row in rows.to_dict("records"):
            deposit_tx, payout_tx = row[E.TXS][0], row[E.TXS][1]
            if deposit_tx not in path:
                continue
            # a UTXO deposit: value that stopped there, or went through it into the service's wallet
            if name == "swap" and row[E.OUTPUT] and _output_address(table, row[E.OUTPUT]) not in (
                    end["address"], end["entry"]):
                continue
            if name == "bridge" and end["why"] != "attributed service":
                continue
            a, b = rename.get(row[E.A], row[E.A]), rename.get(row[E.B], row[E.B])
            besides = _received(table, row[E.B_CHAIN], b) - _paid(table, row[E.B_CHAIN], payout_tx, b)
            return {"row": row, "start": Source(address=b), "chain": row[E.B_CHAIN],
                    "whole": _sent(table, row[E.CHAIN], deposit_tx, a), "what": f"what {deposit_tx} sent",
                    "besides": besides}
    return None


def _member_entries(endpoints, transfers, rename):
    """``endpoints`` with each entry that is a pool (``cluster-N``) named by the pool's member that
    paid the service in the endpoint's last transaction: the production order goes to the customer
    behind that deposit address, not to a cluster, which has no address. (An exchange's sweep pays
    the hot wallet from many customers' deposit addresses in one transaction: only the pool's own
    count; several of them are all named.) ``rename``: address -> its pool."""
    at = endpoints["entry"].isin(set(rename.values()))
    if not at.any():
        return endpoints
    e = endpoints.copy()
    last = {path[-1] for path in e.loc[at, "path"] if len(path)}
    paid = transfers[transfers[T.TX_HASH].isin(last) & (transfers[T.KIND] != T.FEE)]
    payers = {}
    for c, h, f, to in zip(paid[T.CHAIN], paid[T.TX_HASH], paid[T.FROM], paid[T.TO], strict=True):
        if f in rename:
            payers.setdefault((c, h, to, rename[f]), set()).add(f)
    e.loc[at, "entry"] = [", ".join(sorted(payers.get((c, path[-1] if len(path) else None, a, entry), [entry])))
                          for c, path, a, entry
                          in zip(e.loc[at, "chain"], e.loc[at, "path"], e.loc[at, "address"], e.loc[at, "entry"],
                                 strict=True)]
    return e


def _kept(leg, part, payout_tx, address):
    """The endpoints of ``leg``, with what the payout ``payout_tx`` left at ``address`` (the leg's
    start) as ``unspent`` there.

    A leg from an address traces what the address sent; a payout it did not spend in full would
    otherwise drop out of the sums. Only for an asset the address received from the payout alone:
    with other value beside it, the leg is an upper bound and what is left is not the payout's.
    """
    from tracer.forward import UNSPENT

    to = part[(part[T.TO] == address) & (part[T.KIND] != T.FEE)]
    paid, received = {}, {}
    for h, asset, v in zip(to[T.TX_HASH], to[T.ASSET], to[T.AMOUNT], strict=True):
        received[asset] = received.get(asset, 0) + int(v)
        if h == payout_tx:
            paid[asset] = paid.get(asset, 0) + int(v)
    e = leg.endpoints
    rows = []
    for asset, v in paid.items():
        kept = v - sum(int(a) for a in e.loc[e["asset"] == asset, "amount"])
        if received[asset] == v and kept > 0:
            chain = part.loc[to.index[to[T.TX_HASH] == payout_tx][0], T.CHAIN]
            rows.append([leg.sources[0].name, chain, address, asset, leg.symbols.get(asset, asset), kept, 0,
                         [payout_tx], UNSPENT, leg.labels.get(address), None])
    if not rows:
        return e
    return pd.concat([e, pd.DataFrame(rows, columns=e.columns, dtype=object)], ignore_index=True)


def _output(table, chain, tx_hash, address):
    """(vout, value) of the one output of ``tx_hash`` to ``address``, else None."""
    t = table[(table[T.TX_HASH] == tx_hash) & (table[T.CHAIN] == chain) & (table[T.KIND] == T.UTXO)
              & (table[T.TO] == address)]
    t = t[t[T.INDEX].astype(int) >= 0]
    if len(t) != 1:
        return None
    return int(t[T.INDEX].iloc[0]), int(t[T.AMOUNT].iloc[0])


def _output_address(table, outpoint):
    tx_hash, vout = outpoint.rsplit(":", 1)
    t = table[(table[T.TX_HASH] == tx_hash) & (table[T.KIND] == T.UTXO) & (table[T.INDEX].astype(int) == int(vout))
              & (table[T.FROM] == tx_hash)]
    return t[T.TO].iloc[0] if len(t) else None


def _received(table, chain, address):
    t = table[(table[T.CHAIN] == chain) & (table[T.TO] == address) & (table[T.KIND] != T.FEE)]
    return sum(int(a) for a in t[T.AMOUNT])


def _paid(table, chain, tx_hash, address):
    t = table[(table[T.CHAIN] == chain) & (table[T.TX_HASH] == tx_hash) & (table[T.TO] == address)]
    return sum(int(a) for a in t[T.AMOUNT])


def _sent(table, chain, tx_hash, address):
    t = table[(table[T.CHAIN] == chain) & (table[T.TX_HASH] == tx_hash) & (table[T.KIND] != T.FEE)
              & (table[T.TO] != T.FEE_ADDRESS) & (table[T.FROM] != table[T.TO])]
    # a UTXO deposit: what its outputs paid to others than the sender; an account's: what it sent
    utxo = (t[T.KIND] == T.UTXO).any()
    t = t[(t[T.FROM] == tx_hash) & (t[T.TO] != address)] if utxo else t[t[T.FROM] == address]
    return sum(int(a) for a in t[T.AMOUNT])


def _pooled(transfers, evidence, with_change):
    """The table with each account-chain cluster's addresses renamed to one pool, the clusters, and
    the renaming."""
    from .clustering import cluster

    joining = evidence[evidence[E.HEURISTIC].isin(["deposit_address"] + (list(CHANGE) if with_change else []))]
    c = cluster(transfers, evidence=joining).members
    account = c[~c["chain"].isin(T.utxo_chains(transfers))]
    rename = {(ch, a): f"cluster-{k}" for ch, a, k in zip(account["chain"], account["address"], account["cluster"],
                                                          strict=True)}
    if not rename:
        return transfers, account, {}
    t = transfers.copy()
    for col in (T.FROM, T.TO):
        keys = list(zip(t[T.CHAIN], t[col], strict=True))
        t[col] = [rename.get(k, v) for k, v in zip(keys, t[col], strict=True)]
    # value one pool pays itself moves nothing: only its gas leaves (the fee rows stay)
    t = t[~((t[T.FROM] == t[T.TO]) & t[T.FROM].isin(set(rename.values())))].reset_index(drop=True)
    by_address = {a: name for (_, a), name in rename.items()}
    return t, account.reset_index(drop=True), by_address
