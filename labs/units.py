"""Units in labs, defined once: whole coins and dollars in base units, a day, an hour; each lab
asset's decimals; exact conversions between amounts people write (2.5 ETH, 1,000 USDC) and base units.

``ETH``, ``BTC``, ``USD`` and ``DAY`` are the tracer's own (:mod:`tracer.units`), so a case and the
tracer that reads it cannot disagree on them.

>>> 2 * ETH // 10**9, BTC, USD == 10**STABLE_DECIMALS, 3 * HOUR == DAY // 8
(2000000000, 100000000, True, True)
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from tracer.transfers import whole_units
from tracer.units import BTC, DAY, DECIMALS, ETH, USD

ETH_DECIMALS = DECIMALS["ETH"]
BTC_DECIMALS = DECIMALS["BTC"]
#: the lab stablecoin's decimals (and its bridged form's), as USDC and USDT have: ``USD`` base units a dollar
STABLE_DECIMALS = 6
HOUR = 3600  # seconds

__all__ = ["BTC", "BTC_DECIMALS", "DAY", "ETH", "ETH_DECIMALS", "HOUR", "STABLE_DECIMALS", "USD",
           "decimals_of", "fmt", "to_base"]


def decimals_of(asset: str) -> int:
    """Decimals of a lab asset: BTC 8, the stablecoin (and its bridged form) 6, ETH and its wrapped forms 18.

    >>> [decimals_of(a) for a in ("BTC", "LUSD", "ETH", "WETH")]
    [8, 6, 18, 18]
    """
    return BTC_DECIMALS if asset == "BTC" else STABLE_DECIMALS if "USD" in asset else ETH_DECIMALS


def to_base(amount: int | float | str | Decimal, decimals: int, *, what: str = "amount") -> int:
    """``amount`` whole units as an exact integer of base units.

    A float goes through its shortest decimal repr, so ``0.1`` means one tenth, not the binary
    fraction nearest to it.

    Examples
    --------
    >>> to_base(0.1, 18)
    100000000000000000
    >>> to_base("2.5", 6)
    2500000
    >>> to_base("0.000000001", 8)
    Traceback (most recent call last):
    ...
    ValueError: amount 0.000000001 has more than 8 decimals
    """
    try:
        d = Decimal(repr(amount)) if isinstance(amount, float) else Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{what} {amount!r} is not a number") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"{what} {amount!r} must be a non-negative finite number")
    scaled = d.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{what} {amount} has more than {decimals} decimals")
    return int(scaled)


#: base units as exact whole units, e.g. ``fmt(2500000, 6, "USDC") == "2.5 USDC"`` (the tracer's formatter)
fmt = whole_units
