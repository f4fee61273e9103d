"""What a figure reads of a trace: exact integer rows, tags, units, and what each address received.

:func:`view` reads a :class:`tracer.result.TraceResult` (or a flows table and its endpoints) into
a :class:`View`; the helpers here name and write amounts for a figure. No matplotlib.
"""
from dataclasses import dataclass, field
from decimal import Context, Decimal

from tracer.plot import style
from tracer.plot.style import short_address
from tracer.transfers import whole_units

FLOW_NEEDS = ("hop", "tx_hash", "timestamp", "from", "to", "asset", "tainted")
ENDPOINT_NEEDS = ("address", "asset", "amount", "hops", "why")


def format_amount(amount, decimals=None, asset=""):
    """``amount`` base units written for a figure: whole units rounded for reading, or raw units.

    Four decimals at or above one whole unit, three significant digits below it. Without
    ``decimals`` the raw integer is written. No float is involved.

    Examples
    --------
    >>> format_amount(123456789, 8, "BTC")
    '1.2346 BTC'
    >>> format_amount(8499670, 8, "BTC")
    '0.085 BTC'
    >>> format_amount(12 * 10**21, 18, "ETH")
    '12,000 ETH'
    >>> format_amount(1500, None, "USDT")
    '1,500 USDT'
    >>> format_amount(2**256 - 1, 6, "USDT")[:12]
    '115,792,089,'
    """
    label = _unit(asset)
    if decimals is None:
        return f"{int(amount):,} {label}".rstrip()
    d = Decimal(int(amount)).scaleb(-int(decimals))
    # enough digits for any uint256: the default context (28) cannot quantize 2**256 - 1
    d = d.quantize(Decimal("0.0001"), context=Context(prec=100)) if abs(d) >= 1 else Context(prec=3).plus(d)
    return f"{d.normalize():,f} {label}".rstrip()


def percent(part, whole):
    """A share written with one decimal, from integers (rounded half up).

    >>> percent(1, 3), percent(1, 10**6)
    ('33.3%', '<0.1%')
    """
    from tracer.result import percent as exact

    return exact(part, whole)


def _unit(asset):
    """A token with no symbol is named by its contract, shortened."""
    return short_address(asset) if str(asset).startswith("0x") else asset


@dataclass
class View:
    """What a figure reads of a trace."""
    rows: list                      #: flows as dicts, exact ints
    ends: object = None             #: endpoints table or None
    tag: dict = field(default_factory=dict)       #: address -> (label, category)
    decimals: dict = field(default_factory=dict)
    symbols: dict = field(default_factory=dict)
    received: dict = field(default_factory=dict)  #: (address, asset) -> (amount, transfers), all in the data
    tags: object = None

    def fmt(self, amount, asset):
        return format_amount(amount, self.decimals.get(asset), self.symbols.get(asset, asset))

    def exact(self, amount, asset):
        """``amount`` to the last base unit, for a figure's title: the total an exhibit states is
        not rounded (its labels are, for reading)."""
        d, symbol = self.decimals.get(asset), self.symbols.get(asset, asset)
        return format_amount(amount, None, symbol) if d is None else whole_units(amount, d, _unit(symbol))

    def label(self, address):
        return style.label(address, self.tag)

    def category(self, address):
        return style.category(address, self.tag)

    @property
    def txs(self):
        """UTXO transactions: nodes between their inputs and outputs."""
        from tracer.result import utxo_transactions

        return utxo_transactions(self.rows)


def view(trace, endpoints=None, *, tags=None, decimals=None, symbols=None, need_endpoints=False):
    """A :class:`View` of a trace result (its own endpoints, tags, decimals and symbols) or of a
    flows table; arguments given override what the result carries."""
    flows, received = trace, {}
    if hasattr(trace, "flows") and hasattr(trace, "endpoints"):
        flows = trace.flows
        endpoints = trace.endpoints if endpoints is None else endpoints
        tags = trace.tags if tags is None else tags
        decimals = {**trace.decimals, **(decimals or {})}
        symbols = {**trace.symbols, **(symbols or {})}
        got = trace.received()
        received = {(a, s): (int(v), int(n)) for a, s, v, n in zip(got["address"], got["asset"], got["amount"],
                                                                   got["transfers"], strict=True)}
    rows = _rows(flows)
    if need_endpoints:
        if endpoints is None or len(endpoints) == 0:
            raise ValueError("the trace has no endpoints: nothing to draw")
        missing = [c for c in ENDPOINT_NEEDS if c not in endpoints.columns]
        if missing:
            raise ValueError(f"endpoints table lacks column(s) {missing}")
    found = {}
    for t in (flows, endpoints):
        if t is not None and "decimals" in getattr(t, "columns", ()):
            for a, d in zip(t["asset"], t["decimals"], strict=True):
                if d is not None and d == d:
                    found.setdefault(a, int(d))
    found.update(decimals or {})
    return View(rows, endpoints, style.tag_map(tags), found, dict(symbols or {}), received, tags)


def _rows(flows):
    """The flows as dicts with exact ints; a clear error for an empty or foreign table."""
    if flows is None or len(flows) == 0:
        raise ValueError("the trace is empty (no flows): nothing to plot; did the source send anything "
                         "in the data and time window?")
    missing = [c for c in FLOW_NEEDS if c not in flows.columns]
    if missing:
        raise ValueError(f"flows table lacks column(s) {missing}; pass the flows of a trace")
    cols = [flows[c].tolist() for c in FLOW_NEEDS]
    sources = flows["source"].tolist() if "source" in flows.columns else [None] * len(flows)
    rows = []
    for i, vals in enumerate(zip(*cols, strict=True)):
        r = dict(zip(FLOW_NEEDS, vals, strict=True))
        r["source"] = sources[i]
        for c in ("hop", "timestamp", "tainted"):
            try:
                r[c] = int(r[c])
            except (TypeError, ValueError):
                raise ValueError(f"flows row {i}: column {c} is not an integer: {r[c]!r}") from None
        rows.append(r)
    return rows


def sources(rows, txs):
    """Addresses sending at hop 1 that are not UTXO transactions: where the traces started."""
    found = sorted({r["from"] for r in rows if r["hop"] == 1 and r["from"] not in txs})
    return found or sorted({r["from"] for r in rows if r["hop"] == min(q["hop"] for q in rows)})


def endpoint_info(endpoints):
    """address -> {(asset, why): amount}."""
    if endpoints is None or len(endpoints) == 0:
        return {}
    out = {}
    for a, asset, amt, why in zip(endpoints["address"], endpoints["asset"], endpoints["amount"], endpoints["why"],
                                  strict=True):
        d = out.setdefault(a, {})
        d[(asset, why)] = d.get((asset, why), 0) + int(amt)
    return out


def entries_of(endpoints, address):
    """The entry addresses through which value reached ``address`` (an attributed service)."""
    if endpoints is None or "entry" not in getattr(endpoints, "columns", ()):
        return set()
    return {e for a, e in zip(endpoints["address"], endpoints["entry"], strict=True)
            if a == address and isinstance(e, str) and e}


def distinct_labels(v, addresses, width=30):
    """Labels for a list of addresses; two addresses sharing a tag label get their short address too."""
    import textwrap

    names = [textwrap.shorten(v.label(a), width, placeholder="…") for a in addresses]
    return [f"{n} ({short_address(a)})" if names.count(n) > 1 else n for n, a in zip(names, addresses, strict=True)]


def who(srcs, v):
    return source_name(v, srcs[0]) if len(srcs) == 1 else f"{len(srcs)} sources"


def source_name(v, name, width=30):
    """A source on a figure: its tag label, a shortened address, or its own label (a victim's name).

    >>> source_name(View([]), "0x" + "5" * 40), source_name(View([]), "Ana Petrović")
    ('0x5555…5555', 'Ana Petrović')
    """
    import textwrap

    name = str(name)
    if name in v.tag:
        return textwrap.shorten(v.label(name), width, placeholder="…")
    return short_address(name) if " " not in name else textwrap.shorten(name, width, placeholder="…")
