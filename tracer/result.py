"""What a trace found: its flows and endpoints, with the units to read them by.

A :class:`TraceResult` unpacks as ``flows, endpoints = result`` and carries what tables and plots
need: each asset's decimals and symbol, the sources, the rule, and the tags it stopped at.
``result.shares()`` says, endpoint by endpoint, how much of it is each source's (who gets what
back); ``result.graph()`` gives the flows as a networkx ``MultiDiGraph``.
"""
import numpy as np
import pandas as pd

from tracer import pools as P
from tracer import transfers as T

FLOW_COLUMNS = ["source", "hop", "chain", "tx_hash", "timestamp", "from", "to", "asset", "amount", "tainted",
                "kind", "path", "reason", "rate"]
#: the passes write a flow as a list in FLOW_COLUMNS order (colour number for ``source``, a
#: :class:`tracer.pools.Node` for ``path``) and add to its ``tainted`` field at this position
TAINTED = FLOW_COLUMNS.index("tainted")
ENDPOINT_COLUMNS = ["source", "chain", "address", "asset", "symbol", "amount", "hops", "path", "why", "label",
                    "entry"]
SHARE_COLUMNS = ["chain", "address", "label", "entry", "asset", "symbol", "why", "total", "source", "amount",
                 "percent"]
_SYMBOL = getattr(T, "SYMBOL", "symbol")  # the loaders' token symbols, where the table has them


def _largest_first(group):
    """The order of :meth:`TraceResult.shares`: per asset, the largest endpoints first."""
    (_, address, _, entry, asset, _, why), by_source = group
    return asset, -sum(by_source.values()), address, why, entry or ""


class TraceResult:
    """The result of :func:`tracer.trace`: ``flows`` and ``endpoints`` tables and their units.

    Attributes
    ----------
    flows, endpoints : pandas.DataFrame
        :data:`FLOW_COLUMNS` and :data:`ENDPOINT_COLUMNS`; amounts are exact ints in base units.
    sources : list of tracer.sources.Source
    rule, direction : str
    hops : int
    decimals, symbols : dict
        Asset -> decimals and asset -> symbol, for every asset in the result.
    tags : pandas.DataFrame or None
        The tags table given as ``stop=``, if any.
    labels : dict
        Address -> its label (:func:`tracer.load.tagpack.address_labels`), empty without tags.
    adjusted : int
        Units (base units) that several sources' haircut shares, each computed as in a trace of
        that source alone, could not all keep because together they would have exceeded what a
        pool held; 0 means the result is exactly the single-source traces added up.
    """

    def __init__(self, flows, endpoints, *, sources, rule, direction, hops, decimals, symbols, tags=None,
                 labels=None, transfers=None, adjusted=0):
        self.flows, self.endpoints = flows, endpoints
        self.sources, self.rule, self.direction, self.hops = sources, rule, direction, hops
        self.decimals, self.symbols, self.tags, self.labels = decimals, symbols, tags, labels or {}
        self._transfers = transfers
        self.adjusted = adjusted

    def __iter__(self):
        return iter((self.flows, self.endpoints))

    def __getitem__(self, i):  # the (flows, endpoints) pair that code before the result object expects
        return (self.flows, self.endpoints)[i]

    def __len__(self):
        return 2

    @classmethod
    def build(cls, run, sources, *, direction, rule, hops, transfers, tags=None):
        """Tables from a finished :class:`tracer.forward.Run` (or backward run)."""
        names = [s.name for s in sources]
        paths = {}

        def hashes(node):  # paths are shared tuples: one list each (they are all alive here)
            p = paths.get(id(node))
            if p is None:
                p = paths[id(node)] = P.path_hashes(node)
            return p
        flows = pd.DataFrame([[names[colour], hop, chain, txh, ts, frm, to, asset, amount, tainted, kind, hashes(node),
                               reason, rate]
                              for colour, hop, chain, txh, ts, frm, to, asset, amount, tainted, kind, node, reason, rate
                              in run.flows], columns=FLOW_COLUMNS, dtype=object)
        if len(flows):
            flows["hop"] = flows["hop"].astype(int)
        merged = {}  # one row per source, chain, address, asset, path (as written out), why and entry
        for (c, chain, addr, asset, node, why, entry), v in run.ends.items():
            if v:
                key = (c, chain, P.hop_of(node), addr, asset, tuple(hashes(node)), why, entry or "")
                merged[key] = merged.get(key, 0) + v
        ends = sorted(merged.items())
        assets = sorted({asset for (_, _, _, _, asset, _, _, _), _ in ends} | set(flows["asset"]))
        decimals, symbols = _asset_units(transfers, assets)
        labels = {}
        if tags is not None:
            from tracer.load.tagpack import address_labels

            labels = address_labels(tags)
        rows = [[names[c], chain, addr, asset, symbols.get(asset, asset), amount, hop, list(path), why,
                 labels.get(addr), entry or None] for (c, chain, hop, addr, asset, path, why, entry), amount in ends]
        endpoints = pd.DataFrame(rows, columns=ENDPOINT_COLUMNS, dtype=object)
        if len(endpoints):
            endpoints["hops"] = endpoints["hops"].astype(int)
        return cls(flows, endpoints, sources=sources, rule=rule, direction=direction, hops=hops, decimals=decimals,
                   symbols=symbols, tags=tags, labels=labels, transfers=transfers, adjusted=run.tally[0])

    # -- reading --------------------------------------------------------------------------------
    def amount(self, value, asset):
        """``value`` base units of ``asset`` in exact whole units with its symbol ("0.5 BTC")."""
        d = self.decimals.get(asset)
        if d is None:
            return f"{int(value):,} base units of {self.symbols.get(asset, asset)}"
        return T.whole_units(int(value), d, self.symbols.get(asset, asset))

    def sent(self):
        """Per source and asset, what it sent (forward) or received (backward): the endpoints' sums
        in its own asset (conversions end there as ``converted``)."""
        e = self.endpoints
        if e.empty:
            return pd.DataFrame(columns=["source", "asset", "amount"])
        g = {}
        for s, a, v in zip(e["source"], e["asset"], e["amount"], strict=True):
            g[(s, a)] = g.get((s, a), 0) + int(v)
        return pd.DataFrame([(s, a, v) for (s, a), v in g.items()], columns=["source", "asset", "amount"])

    def shares(self, final=True):
        """Endpoint by endpoint (largest first), how much of it is each source's: who gets what back.

        One row per endpoint and source: the endpoint (chain, address, its label, the entry address
        through which value reached an attributed service, asset, why), its ``total`` over all
        sources, the source, its ``amount`` and ``percent`` of the total (one decimal, from exact
        integers). With ``final``, value that was converted into another asset (why
        ``converted``) is left out: it appears again where the new asset ended.
        """
        e = self.endpoints
        if final and len(e):
            e = e[e["why"] != "converted"]
        groups = {}
        for r in e.itertuples(index=False):
            key = (r.chain, r.address, r.label, r.entry, r.asset, r.symbol, r.why)
            by_source = groups.setdefault(key, {})
            by_source[r.source] = by_source.get(r.source, 0) + int(r.amount)
        order = {s.name: i for i, s in enumerate(self.sources)}
        rows = []
        for key, by_source in sorted(groups.items(), key=_largest_first):
            total = sum(by_source.values())
            for s in sorted(by_source, key=lambda s: order.get(s, len(order))):
                rows.append([*key, total, s, by_source[s], percent(by_source[s], total)])
        return pd.DataFrame(rows, columns=SHARE_COLUMNS, dtype=object)

    def received(self):
        """Per (chain, address, asset) reached by a flow: what it received in the data in all
        (``amount``), from how many transfers (``transfers``), and how much of it was traced."""
        f = self.flows
        cols = ["chain", "address", "asset", "amount", "transfers", "traced"]
        if f.empty or self._transfers is None:
            return pd.DataFrame(columns=cols)
        t = self._transfers
        t = t[t[T.TO].isin(set(f["to"]))]
        amount, transfers, traced = {}, {}, {}
        for c, a, s, v in zip(t[T.CHAIN], t[T.TO], t[T.ASSET], t[T.AMOUNT], strict=True):
            amount[(c, a, s)] = amount.get((c, a, s), 0) + int(v)
            transfers[(c, a, s)] = transfers.get((c, a, s), 0) + 1
        for c, a, s, v in zip(f["chain"], f["to"], f["asset"], f["tainted"], strict=True):
            if (c, a, s) in amount:
                traced[(c, a, s)] = traced.get((c, a, s), 0) + int(v)
        return pd.DataFrame([(*k, v, transfers[k], traced.get(k, 0)) for k, v in sorted(amount.items())],
                            columns=cols)

    def graph(self):
        """The flows as a ``networkx.MultiDiGraph``: one edge per flow row (its columns as edge
        attributes), nodes with ``label`` (tags), ``kind`` (``address``, ``transaction`` for a UTXO
        transaction, ``fee``) and ``endpoints``: ``{(source, asset, why): amount}``."""
        import networkx as nx

        g = nx.MultiDiGraph(rule=self.rule, direction=self.direction, sources=[s.name for s in self.sources])
        txs = utxo_transactions(self.flows)
        for i, row in enumerate(self.flows.to_dict("records")):
            g.add_edge(row["from"], row["to"], key=i, symbol=self.symbols.get(row["asset"], row["asset"]), **row)
        for e in self.endpoints.itertuples(index=False):
            g.add_node(e.address)
            ends = g.nodes[e.address].setdefault("endpoints", {})
            ends[(e.source, e.asset, e.why)] = ends.get((e.source, e.asset, e.why), 0) + int(e.amount)
        for n, data in g.nodes(data=True):
            data.setdefault("label", self.labels.get(n))
            data["kind"] = "transaction" if n in txs else "fee" if n == T.FEE_ADDRESS else "address"
        return g

    def __repr__(self):
        who = ", ".join(s.name for s in self.sources[:3]) + (f" and {len(self.sources) - 3} more"
                                                              if len(self.sources) > 3 else "")
        lines = [f"{self.rule} {self.direction} trace from {who}: {len(self.flows)} flows, "
                 f"{len(self.endpoints)} endpoints"]
        for r in self.sent().itertuples(index=False):
            lines.append(f"  {r.source}: {self.amount(r.amount, r.asset)}")
        return "\n".join(lines)


def utxo_transactions(flows):
    """The UTXO transactions among the flows: the tracer puts a UTXO transaction between its inputs
    and outputs as a node of its own, so its hash is also a flow's ``from`` or ``to``.

    ``flows`` is a flows table or its rows as dicts (:class:`tracer.plot.view.View` keeps them so).

    Examples
    --------
    >>> utxo_transactions([{"tx_hash": "t1", "from": "bc1a", "to": "t1"}, {"tx_hash": "t1", "from": "t1", "to": "bc1b"},
    ...                    {"tx_hash": "0xe", "from": "0xa", "to": "0xb"}])
    {'t1'}
    """
    if hasattr(flows, "columns"):
        rows = zip(flows["tx_hash"], flows["from"], flows["to"], strict=True)
    else:
        rows = ((r["tx_hash"], r["from"], r["to"]) for r in flows)
    return {h for h, a, b in rows if h in (a, b)}


def percent(part, whole):
    """A share written with one decimal, from exact integers (rounded half up).

    >>> percent(1, 3), percent(2, 3), percent(0, 5), percent(1, 10**6)
    ('33.3%', '66.7%', '0.0%', '<0.1%')
    """
    if not whole:
        return "-"
    tenths = (part * 1000 * 2 + whole) // (2 * whole)
    if not tenths and part:
        return "<0.1%"
    return f"{tenths // 10}.{tenths % 10}%"


def _asset_units(t, assets):
    """asset -> decimals and asset -> symbol, from the table (its ``symbol`` column where the
    loaders wrote one, else the asset's own name)."""
    decimals, symbols = {}, {}
    if t is None or not assets:
        return decimals, symbols
    col = t[T.ASSET].to_numpy()
    dec = t[T.DECIMALS].to_numpy() if T.DECIMALS in t.columns else None
    sym = t[_SYMBOL].to_numpy() if _SYMBOL in t.columns else None
    first = _first_rows(col, assets)
    for a in assets:
        r = first.get(a)
        if r is None:
            continue
        if dec is not None and dec[r] is not None and dec[r] == dec[r]:
            decimals[a] = int(dec[r])
        s = sym[r] if sym is not None else None
        symbols[a] = s if isinstance(s, str) and s else a
    return decimals, symbols


def _first_rows(col, values):
    """value -> the first row of the array ``col`` that holds it, for those of ``values`` it holds.
    Looked for in chunks that double: assets appear early, and a million-row comparison per asset
    would cost more than the rest of a result.

    >>> sorted(_first_rows(np.array(["a"] * 9000 + ["b"], dtype=object), ["b", "a", "z"]).items())
    [('a', 0), ('b', 9000)]
    """
    first, wanted, lo, size = {}, set(values), 0, 4096
    while wanted and lo < len(col):
        chunk = col[lo:lo + size]
        for v in list(wanted):
            hit = np.flatnonzero(chunk == v)
            if len(hit):
                first[v] = lo + int(hit[0])
                wanted.discard(v)
        lo, size = lo + size, size * 2
    return first
