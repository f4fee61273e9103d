"""Exact conversions between amounts people write (2.5 ETH, 1,000 USDC) and base units."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from tracer.transfers import whole_units

ETH_DECIMALS = 18
BTC_DECIMALS = 8
STABLE_DECIMALS = 6


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
