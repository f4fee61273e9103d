"""A small deterministic demo chain: the lab wallet funded from the first blocks, some history.

Used by ``tracelab chain serve`` so a fresh chain already has something to query, and by tests.
"""
import hashlib
import random

from chains.utxo.keys import Key
from chains.utxo.ledger import Ledger
from chains.utxo.params import COIN, COINBASE_MATURITY
from chains.utxo.wallet import NAIVE, Wallet

#: Blocks paying the lab wallet before the chain is handed to other miners.
FUNDED_BLOCKS = 5
BLOCK_INTERVAL = 600


def miner_key() -> Key:
    """The key of the lab's background miner (fixed, so the demo chain is fixed)."""
    return Key(hashlib.sha256(b"tracelab utxo demo miner").digest())


def demo_ledger(mnemonic: str, start_time: int, seed: int = 0) -> Ledger:
    """Build a demo chain whose lab wallet (``Wallet(mnemonic)``, BIP-84 account 0) has funds.

    The first blocks pay the lab wallet; 100 more blocks mature them (regtest's coinbase
    maturity); then the lab wallet pays a counterparty (account 1 of the same mnemonic, a
    careless wallet) and the counterparty pays part back, one block each.

    Parameters
    ----------
    mnemonic : str
        BIP-39 mnemonic of the lab wallet.
    start_time : int
        Timestamp (UNIX seconds) of block 1; blocks follow every 600 seconds.
    seed : int
        Seed of the only random source (change positions, locktime jitter).

    Returns
    -------
    Ledger
    """
    rng = random.Random(seed)
    ledger = Ledger()
    lab = Wallet(mnemonic)
    other = Wallet(mnemonic, NAIVE, account=1)
    miner = miner_key().script("p2wpkh")
    clock = iter(range(start_time, start_time + 10_000 * BLOCK_INTERVAL, BLOCK_INTERVAL))
    for _ in range(FUNDED_BLOCKS):
        ledger.mine_block(next(clock), lab.new_address())
    for _ in range(COINBASE_MATURITY + 1):
        ledger.mine_block(next(clock), miner)
    lab.pay(ledger, [(other.new_address(), 12 * COIN + 3_456_789)], rng)
    ledger.mine_block(next(clock), miner)
    other.pay(ledger, [(lab.new_address(), 2 * COIN)], rng)
    lab.pay(ledger, [(other.new_address(), 1 * COIN), (other.new_address(), 25_000_000)], rng)
    ledger.mine_block(next(clock), miner)
    return ledger
