"""Structuring: many transfers from one sender just below a reporting threshold.

Cash transaction and travel-rule reports start at a threshold (10,000 US dollars for a US
currency transaction report; 1,000 euros for the EU travel rule's full identification); a
launderer splits the proceeds into transfers just under it. The rule: at least ``min_count``
transfers by one sender within ``window``, each worth between ``band_bps`` below the threshold
and the threshold itself (a careless launderer pays exactly the threshold). Value is in the
asset's own units: a threshold in US dollars needs ``prices``. Tagged services (an exchange's
hot wallet pays withdrawals of every size) are not senders here.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd

from . import evidence as E
from .accounts import duration, moves
from .legs import legs as as_legs, utxo_legs
from .services import Services

THRESHOLD_USD = 10_000
BAND_BPS = 2_000  # 20% below the threshold
MIN_COUNT = 3
WINDOW = 7 * 86_400


def structuring(transfers, threshold_usd=THRESHOLD_USD, prices=None, thresholds=None, band_bps=BAND_BPS,
                min_count=MIN_COUNT, window=WINDOW, tags=None):
    """Evidence rows, one per run of structured transfers: link ``structuring``, ``a`` the sender.

    Parameters
    ----------
    threshold_usd : int
        The reporting threshold in US dollars (or whatever currency ``prices`` are in).
    prices : dict, optional
        Symbol -> price per whole unit, exact: turns the threshold into each asset's base units.
    thresholds : dict, optional
        Symbol -> threshold in base units, instead of ``threshold_usd`` and ``prices``.

    Confidence: ``high`` for five or more transfers to three or more recipients, else ``medium``.

    Examples
    --------
    >>> from tracer.heuristics.examples import evm, send
    >>> E18 = 10**18
    >>> t = evm(*[send("0xboss", f"0xmule{i}", 3 * E18 + i * 10**17, tx=f"0x{i}", block=10 * i + 1)
    ...           for i in range(4)],
    ...         send("0xboss", "0xshop", E18, tx="0xsmall", block=99))
    >>> e = structuring(t, prices={"ETH": 3_000})
    >>> e[["a", "txs", "confidence"]].values.tolist()
    [['0xboss', ('0x0', '0x1', '0x2', '0x3'), 'medium']]
    """
    if thresholds is None:
        if not prices:
            raise ValueError("structuring needs prices={symbol: price, ...} to turn threshold_usd into the assets' "
                             "units, or thresholds={symbol: base units}")
        prices = {k: Fraction(v) for k, v in prices.items()}
    known = Services.from_tags(tags).known()
    legs = pd.concat([as_legs(moves(transfers)), utxo_legs(transfers, known)], ignore_index=True)
    legs = legs[~legs["from"].isin(known)]
    rows = []
    # first the band per asset, in whole base units (an amount is an integer: in [ceil(low), floor(limit)])
    bands = {}
    for (symbol, decimals), _ in legs.groupby(["symbol", "decimals"], sort=True):
        if thresholds is not None:
            if symbol not in thresholds:
                continue
            limit = Fraction(int(thresholds[symbol]))
        elif symbol in prices:
            limit = Fraction(threshold_usd) / prices[symbol] * 10**int(decimals)
        else:
            continue
        low = limit * (10_000 - band_bps) / 10_000
        bands[symbol, decimals] = (limit, low, math.ceil(low), math.floor(limit))
    keep = np.zeros(len(legs), dtype=bool)
    amounts = legs["amount"].to_numpy(dtype=object)
    for (symbol, decimals), (_, _, lo, hi) in bands.items():
        mine = ((legs["symbol"] == symbol) & (legs["decimals"] == decimals)).to_numpy()
        keep[mine] = (amounts[mine] >= lo) & (amounts[mine] <= hi)
    for (chain, frm, symbol, decimals), g in legs[keep].groupby(["chain", "from", "symbol", "decimals"], sort=True):
        limit, low, _, _ = bands[symbol, decimals]
        hits = g.sort_values(["time"], kind="stable").to_dict("records")
        for run in _runs(hits, window, min_count):
            recipients = sorted({r["to"] for r in run})
            level = E.HIGH if len(run) >= 5 and len(recipients) >= 3 else E.MEDIUM
            span = run[-1]["time"] - run[0]["time"]
            shown = E.units(int(limit), decimals, symbol) if limit.denominator == 1 else \
                f"{E.units(int(limit), decimals, symbol)} (rounded down)"
            what = f"{threshold_usd:,} in {symbol} at {prices[symbol]}" if thresholds is None else "the threshold"
            why = (f"{frm} sent {len(run)} transfers of {symbol} to {len(recipients)} recipient(s) within "
                   f"{duration(span)}, each between {E.units(int(low), decimals, symbol)} and {shown} "
                   f"({what}): just below a reporting threshold")
            rows.append({E.HEURISTIC: "structuring", E.LINK: E.STRUCTURING, E.CHAIN: chain, E.A: frm,
                         E.GROUP: run[0]["tx"], E.CONFIDENCE: level, E.REASON: why,
                         E.TXS: tuple(dict.fromkeys(r["tx"] for r in run))})
    return E.frame(rows)


def _runs(hits, window, min_count):
    """Maximal runs of hits, each within ``window`` of the run's first, with ``min_count`` or more."""
    runs, run = [], []
    for r in hits:
        if run and r["time"] - run[0]["time"] > window:
            if len(run) >= min_count:
                runs.append(run)
            run = []
        run.append(r)
    if len(run) >= min_count:
        runs.append(run)
    return runs
