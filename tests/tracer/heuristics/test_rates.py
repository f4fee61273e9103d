from decimal import Decimal

import pytest

from tracer.heuristics.rates import rate, rates, wilson

#: Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in
#: Medicine 17:857-872, Table I, method 3 (Wilson's score interval), to the nearest fourth place
NEWCOMBE = [((81, 263), ("0.2553", "0.3662")), ((15, 148), ("0.0624", "0.1605")),
            ((0, 20), ("0.0000", "0.1611")), ((1, 29), ("0.0061", "0.1718"))]
STEP = Decimal("0.0001")


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE)
def test_wilson_is_newcombes_rounded_outward(counts, published):
    low, high = wilson(*counts)
    lo, hi = map(Decimal, published)
    assert low in (lo, lo - STEP) and high in (hi, hi + STEP)


def test_wilson_at_the_ends_by_hand():
    # with no successes the interval is [0, z^2 / (n + z^2)], with all of them [n / (n + z^2), 1];
    # z^2 = 1.959963984540054^2 = 3.841458820694124...
    assert wilson(0, 20) == (Decimal("0.0000"), Decimal("0.1612"))   # 3.8414588 / 23.8414588 = 0.161125
    assert wilson(4, 4) == (Decimal("0.5101"), Decimal("1.0000"))    # 4 / 7.8414588 = 0.510110
    assert wilson(8, 10) == (Decimal("0.4901"), Decimal("0.9434"))   # 0.490162..., 0.943318...
    assert wilson(0, 0) is None


def test_rates_are_exact_fractions_rounded_once():
    assert rate(2, 3) == 0.6667 and rate(1, 3) == 0.3333
    assert rate(1, 32) == 0.0312 and rate(3, 32) == 0.0938   # 0.03125 and 0.09375: half to even
    r = rates(3, 1, 0)
    assert r == {"precision": 0.75, "recall": 1.0, "precision_ci": [0.3006, 0.9545], "recall_ci": [0.4385, 1.0]}
    assert rates(0, 0, 5) == {"precision": None, "recall": 0.0, "precision_ci": None, "recall_ci": [0.0, 0.4345]}


@pytest.mark.parametrize(("k", "n"), [(3, 2), (-1, 2), (1.0, 2), (True, 2)])
def test_counts_must_be_integers_in_range(k, n):
    with pytest.raises(ValueError, match="counts must be integers"):
        wilson(k, n)
