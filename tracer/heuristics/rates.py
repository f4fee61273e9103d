"""Precision, recall and their 95% Wilson score intervals, from integer counts.

The counts are exact integers; a rate is the exact fraction of two of them, rounded once to four
decimal places at the end (half to even). The Wilson interval (Wilson 1927; the interval
Newcombe 1998 recommends for a single proportion, method 3: the score interval without
continuity correction) is computed in 40-digit decimal arithmetic and rounded outward, the lower
bound down and the upper bound up, so the printed interval always contains the exact one.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction

#: the 0.975 quantile of the standard normal distribution, to 16 digits: two-sided 95% intervals
Z95 = Decimal("1.959963984540054")
PLACES = Decimal("0.0001")


def rate(k, n):
    """``k / n`` rounded to four places (None when ``n`` is 0).

    Examples
    --------
    >>> rate(2, 3), rate(1, 8), rate(0, 0)
    (0.6667, 0.125, None)
    """
    _check(k, n)
    return None if n == 0 else float(round(Fraction(k, n), 4))


def wilson(k, n, z=Z95):
    """The Wilson score interval of ``k`` successes in ``n`` trials, ``(low, high)`` as Decimals
    rounded outward to four places (None when ``n`` is 0).

    Examples
    --------
    Newcombe (1998) gives 0.2553-0.3662 for 81 of 263 and 0-0.1611 for 0 of 20, to the nearest
    place; rounded outward:

    >>> [str(x) for x in wilson(81, 263)]
    ['0.2552', '0.3663']
    >>> [str(x) for x in wilson(0, 20)]
    ['0.0000', '0.1612']
    """
    _check(k, n)
    if n == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        k, n, z = Decimal(k), Decimal(n), Decimal(z)
        z2 = z * z
        centre = (k + z2 / 2) / (n + z2)
        half = z / (n + z2) * (k * (n - k) / n + z2 / 4).sqrt()
        low, high = max(Decimal(0), centre - half), min(Decimal(1), centre + half)
        return low.quantize(PLACES, rounding=ROUND_FLOOR), high.quantize(PLACES, rounding=ROUND_CEILING)


def rates(tp, fp, fn):
    """Precision ``tp / (tp + fp)`` and recall ``tp / (tp + fn)``, each with its 95% Wilson interval
    (``[low, high]``); None where a rate is undefined (nothing claimed, nothing to find).

    Examples
    --------
    >>> rates(3, 1, 0)
    {'precision': 0.75, 'recall': 1.0, 'precision_ci': [0.3006, 0.9545], 'recall_ci': [0.4385, 1.0]}
    """
    def ci(k, n):
        w = wilson(k, n)
        return None if w is None else [float(w[0]), float(w[1])]

    return {"precision": rate(tp, tp + fp), "recall": rate(tp, tp + fn),
            "precision_ci": ci(tp, tp + fp), "recall_ci": ci(tp, tp + fn)}


def _check(k, n):
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (k, n)) or not 0 <= k <= n:
        raise ValueError(f"counts must be integers with 0 <= k <= n, got k={k!r}, n={n!r}")
