"""Units, defined once: a whole coin in base units, the native assets' decimals, a day.

Amounts in the tracer are integers in base units; these turn whole coins into them, exactly
(``5 * ETH`` wei, ``2 * BTC`` satoshi), and name the native assets the loaders write.

Examples
--------
>>> 3 * ETH // 10**9  # gwei in 3 ether
3000000000
>>> DECIMALS["BTC"], BTC
(8, 100000000)
"""
#: the native assets, as the loaders write them in ``asset`` and ``symbol``, and their decimals
DECIMALS = {"ETH": 18, "BTC": 8}
ETH = 10 ** DECIMALS["ETH"]  # wei in one ether
BTC = 10 ** DECIMALS["BTC"]  # satoshi in one bitcoin
USD = 10**6  # base units in one dollar of a 6-decimal stablecoin (USDC, USDT, the lab's)
DAY = 86_400  # seconds
