"""What the instant swap service pays: the lab's prices, its fee, and the moving quote of each order."""
from __future__ import annotations

from .utxo_lane import BTC_PRICE_USD
from . import ETH_PRICE_USD


def wei_for_sats(sats: int, fee_bps: int) -> int:
    """ETH (wei) a swap of ``sats`` pays at the lab's prices, less the fee, in whole 10^12 wei."""
    wei = sats * 10**10 * BTC_PRICE_USD // ETH_PRICE_USD * (10_000 - fee_bps) // 10_000
    return wei - wei % 10**12


#: the service's quotes move with the market: up to this many basis points either way per order
QUOTE_SPREAD_BPS = 60


def quote(sats: int, fee_bps: int, rng) -> int:
    """What the service pays for ``sats`` in one order: the lab's price less the fee, moved by that
    moment's quote (so no payout is exactly a deposit less a fixed fee), in whole 10^12 wei."""
    wei = wei_for_sats(sats, fee_bps)
    wei = wei * (10_000 + rng.randint(-QUOTE_SPREAD_BPS, QUOTE_SPREAD_BPS)) // 10_000 + rng.randrange(10**12, 10**14)
    return wei - wei % 10**12
