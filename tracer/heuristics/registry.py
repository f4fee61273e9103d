"""Every heuristic by name, and :func:`run`, which applies any of them to one transfers table.

Names are ``family.rule`` (``change.optimal_change``, ``mixer.timing``) or a family alone
(``multi_input``, ``peel_chain``); ``--only change`` selects a whole family. A heuristic that
cannot run on the data (a column the table lacks, no tags for the services it needs, no
prices) is skipped, and the result says why, so an empty answer is never mistaken for "nothing
found".
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import change as C
from . import evidence as E
from .clustering import multi_input
from .coinjoin import coinjoins
from .crosschain import bridge, swap
from .deposit_addresses import deposit_addresses
from .mixer import Pools, multi_denomination, same_address, timing, unique_gas_price
from .mixer_links import gas_funding, linked_addresses
from .peel_chains import peel_chains
from .services import BRIDGE, EXCHANGE, MIXER, Services
from .structuring import structuring


def load(*paths, chain=None):
    """:func:`tracer.load.load` with the optional columns heuristics read (script types, locktimes,
    gas prices: ``extra=True``)."""
    from tracer.load import load as load_exports

    return load_exports(*paths, chain=chain, extra=True)


@dataclass
class Options:
    """What the heuristics may need beyond the transfers: tags, prices, and their parameters."""

    tags: object = None
    prices: dict | None = None
    coinjoin_rule: str = "either"
    threshold_usd: int = 10_000
    _cache: dict = field(default_factory=dict, repr=False)

    def services(self):
        if "services" not in self._cache:
            self._cache["services"] = Services.from_tags(self.tags)
        return self._cache["services"]

    def pools(self, transfers):
        if "pools" not in self._cache:
            self._cache["pools"] = Pools.of(transfers, self.services())
        return self._cache["pools"]


class Skip(Exception):
    """A heuristic cannot run on this data; the message says what it needs."""


def _need_services(o, kind, categories, what):
    s = o.services()
    found = s.swap_services() if kind == "swap" else s.of(categories)
    if not found:
        raise Skip(f"needs tags naming {what} (--tags): none in the tags given")


def _need_prices(o, name):
    if not o.prices:
        raise Skip(f"{name} needs prices (--price SYMBOL=USD, e.g. --price BTC=60000 --price ETH=3000)")


def _mixer(fn):
    def run(t, o):
        _need_services(o, "mixer", MIXER, "mixer pools (category mixing_service)")
        return fn(t, pools=o.pools(t))
    return run


def _deposit(t, o):
    _need_services(o, "exchange", EXCHANGE, "exchanges (category exchange)")
    return deposit_addresses(t, o.services())


def _bridge(t, o):
    _need_services(o, "bridge", BRIDGE, "bridges (category defi_bridge)")
    return bridge(t, o.services())


def _swap(t, o):
    _need_services(o, "swap", None, "instant swap services (a label saying so)")
    _need_prices(o, "swap")
    return swap(t, o.prices, o.services())


def _structuring(t, o):
    _need_prices(o, "structuring")
    return structuring(t, threshold_usd=o.threshold_usd, prices=o.prices, tags=o.services())


def _change(name):
    return lambda t, o: C.change(t, name, coinjoin_rule=o.coinjoin_rule)


HEURISTICS = {
    "multi_input": lambda t, o: multi_input(t, o.coinjoin_rule),
    "coinjoin": lambda t, o: coinjoins(t, o.coinjoin_rule),
    **{f"change.{h}": _change(h) for h in C.HEURISTICS},
    "change.legacy": _change("legacy"),
    "change.vote": _change("vote"),
    "peel_chain": lambda t, o: peel_chains(t),
    "deposit_address": _deposit,
    "mixer.same_address": _mixer(same_address),
    "mixer.unique_gas_price": _mixer(unique_gas_price),
    "mixer.linked_addresses": _mixer(linked_addresses),
    "mixer.multi_denomination": _mixer(multi_denomination),
    "mixer.timing": _mixer(timing),
    "mixer.gas_funding": _mixer(gas_funding),
    "bridge": _bridge,
    "swap": _swap,
    "structuring": _structuring,
}


def select(only=None):
    """The heuristic names ``only`` means (names or families), in registry order.

    >>> select(["mixer", "bridge"])[:2], select(["bridge"])
    (['mixer.same_address', 'mixer.unique_gas_price'], ['bridge'])
    >>> try:
    ...     select(["nope"])
    ... except ValueError as e:
    ...     print(e)
    unknown heuristic 'nope': expected one of multi_input, coinjoin, change (change.address_reuse, ...),
    peel_chain, deposit_address, mixer (mixer.same_address, ...), bridge, swap, structuring
    """
    if not only:
        return list(HEURISTICS)
    names = []
    for want in only:
        hit = [n for n in HEURISTICS if n == want or n.split(".")[0] == want]
        if not hit:
            families = []
            for n in HEURISTICS:
                fam = n.split(".")[0]
                shown = f"{fam} ({n}, ...)" if "." in n else n
                if not any(f.split(" ")[0] == fam for f in families):
                    families.append(shown)
            raise ValueError(f"unknown heuristic {want!r}: expected one of {', '.join(families)}")
        names += [n for n in hit if n not in names]
    return [n for n in HEURISTICS if n in names]


@dataclass
class Result:
    """What :func:`run` found: ``evidence`` (every row of every heuristic run, in registry
    order) and ``skipped`` (name -> why it could not run)."""

    evidence: pd.DataFrame
    skipped: dict
    ran: list

    def of(self, name):
        """The rows of one heuristic (or family)."""
        names = select([name])
        return self.evidence[self.evidence[E.HEURISTIC].isin(names)].reset_index(drop=True)


def run(transfers, only=None, tags=None, prices=None, progress=None, **options):
    """Apply the heuristics ``only`` names (default: all) to ``transfers``.

    Parameters
    ----------
    tags : tags table or dict, optional
        Known services (exchanges, mixer pools, bridges, swap services).
    prices : dict, optional
        Symbol -> price, exact (for ``swap`` and ``structuring``).
    progress : callable, optional
        Called with each heuristic's name before it runs.
    **options
        ``coinjoin_rule``, ``threshold_usd`` (:class:`Options`).

    Returns
    -------
    Result
    """
    o = Options(tags=tags, prices=prices, **options)
    found, skipped, ran = [], {}, []
    for name in select(only):
        if progress:
            progress(name)
        try:
            found.append(HEURISTICS[name](transfers, o))
            ran.append(name)
        except (Skip, E.MissingColumnError) as e:
            skipped[name] = str(e)
    return Result(E.concat(found), skipped, ran)
