"""Units, defined once: a whole coin in base units, the native assets' decimals, a day, prices.

Amounts in the tracer are integers in base units; these turn whole coins into them, exactly
(``5 * ETH`` wei, ``2 * BTC`` satoshi), and name the native assets the loaders write. A price
is of one whole unit, an exact fraction (:func:`parse_prices` reads ``BTC=60000``).

Examples
--------
>>> 3 * ETH // 10**9  # gwei in 3 ether
3000000000
>>> DECIMALS["BTC"], BTC
(8, 100000000)
"""
from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

#: the native assets, as the loaders write them in ``asset`` and ``symbol``, and their decimals
DECIMALS = {"ETH": 18, "BTC": 8}
ETH = 10 ** DECIMALS["ETH"]  # wei in one ether
BTC = 10 ** DECIMALS["BTC"]  # satoshi in one bitcoin
USD = 10**6  # base units in one dollar of a 6-decimal stablecoin (USDC, USDT, the lab's)
DAY = 86_400  # seconds


def parse_prices(pairs: Iterable[str]) -> dict[str, Fraction]:
    """Prices written ``SYMBOL=PRICE`` (of one whole unit, e.g. ``BTC=60000``), as exact fractions;
    a malformed pair or a price not above 0 raises ``ValueError`` naming it.

    >>> parse_prices(["BTC=60000", " ETH = 3000.5 "])
    {'BTC': Fraction(60000, 1), 'ETH': Fraction(6001, 2)}
    >>> parse_prices(["BTC"])
    Traceback (most recent call last):
    ValueError: 'BTC': expected SYMBOL=PRICE, e.g. BTC=60000
    """
    prices = {}
    for pair in pairs:
        symbol, _, price = pair.partition("=")
        symbol = symbol.strip()
        try:
            prices[symbol] = Fraction(price.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{pair!r}: expected SYMBOL=PRICE, e.g. BTC=60000") from None
        if not symbol or prices[symbol] <= 0:
            raise ValueError(f"{pair!r}: expected SYMBOL=PRICE with a price above 0")
    return prices
