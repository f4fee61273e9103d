"""Network constants of the lab chain: Bitcoin's regtest parameters.

Values follow Bitcoin Core's ``chainparams.cpp`` (regtest) and ``policy/policy.h``.
"""
from embit.networks import NETWORKS

#: embit's network description for regtest (``bcrt1`` bech32, ``m``/``n`` base58 addresses).
NETWORK = NETWORKS["regtest"]
#: Bitcoin Core's name of the chain, as ``getblockchaininfo`` reports it.
CHAIN_NAME = "regtest"

COIN = 100_000_000
MAX_MONEY = 21_000_000 * COIN
#: Regtest halves the subsidy every 150 blocks.
HALVING_INTERVAL = 150
INITIAL_SUBSIDY = 50 * COIN
COINBASE_MATURITY = 100
#: Compact target of regtest (``powLimit``); a block hash below it is valid proof of work.
REGTEST_BITS = 0x207FFFFF
BLOCK_VERSION = 0x20000000
#: Policy constants (sat per 1000 virtual bytes).
DUST_RELAY_FEE = 3000
MIN_RELAY_FEE = 1000
MAX_STANDARD_TX_WEIGHT = 400_000
MAX_BLOCK_WEIGHT = 4_000_000
#: nLockTime values below this are block heights, above are UNIX times.
LOCKTIME_THRESHOLD = 500_000_000
SEQUENCE_FINAL = 0xFFFFFFFF
#: BIP-125: any input sequence below this signals replaceability.
SEQUENCE_RBF_MAX = 0xFFFFFFFD
#: Coin type of BIP-44 paths for test networks (regtest, testnet, signet).
BIP44_COIN_TYPE = 1

#: The regtest genesis block, byte for byte as Bitcoin Core builds it (the mainnet genesis
#: transaction, with regtest's time, bits and nonce). Its hash is
#: 0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206.
GENESIS_TX_HEX = (
    "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff"
    "001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e"
    "6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104"
    "678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51e"
    "c112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000"
)
GENESIS_TIME = 1296688602
GENESIS_NONCE = 2
GENESIS_VERSION = 1
GENESIS_HASH = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"


def block_subsidy(height: int) -> int:
    """Return the coinbase subsidy in satoshi at ``height`` (regtest halving schedule).

    >>> block_subsidy(0), block_subsidy(150), block_subsidy(150 * 64)
    (5000000000, 2500000000, 0)
    """
    halvings = height // HALVING_INTERVAL
    if halvings >= 64:
        return 0
    return INITIAL_SUBSIDY >> halvings


def bits_to_target(bits: int) -> int:
    """Expand a compact ``nBits`` value to the 256-bit target."""
    exponent = bits >> 24
    mantissa = bits & 0x007FFFFF
    if exponent <= 3:
        return mantissa >> (8 * (3 - exponent))
    return mantissa << (8 * (exponent - 3))
