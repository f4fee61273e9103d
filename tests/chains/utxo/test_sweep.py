"""Seizure sweeps of a single key found on a device, on a real ledger."""
import pytest

from chains.utxo.coinselect import InsufficientFunds
from chains.utxo.keys import Key
from chains.utxo.ledger import Ledger
from chains.utxo.params import COINBASE_MATURITY, block_subsidy
from chains.utxo.sweep import key_utxos, sweep_key

from .conftest import START

SUSPECT = Key(bytes(31) + b"\x31")
CUSTODY = Key(bytes(31) + b"\x32").address("p2wpkh")


def test_a_key_found_as_wif_is_swept_whole():
    ledger = Ledger()
    miner = Key(bytes(31) + b"\x99").script("p2wpkh")
    for i, kind in enumerate(("p2pkh", "p2wpkh", "p2tr")):
        ledger.mine_block(START + 600 * i, SUSPECT.script(kind))  # one coin on each of the key's scripts
    ledger.mine_block(START + 600 * 3, SUSPECT.script("p2wpkh"))  # not mature yet when swept
    for i in range(4, 2 + COINBASE_MATURITY):  # the tip is then 98 blocks past the last coin
        ledger.mine_block(START + 600 * i, miner)
    assert sorted(u.kind for u in key_utxos(ledger, SUSPECT)) == ["p2pkh", "p2tr", "p2wpkh"]
    tx = sweep_key(ledger, SUSPECT.wif(), CUSTODY, fee_rate=3)
    assert len(tx.tx.vin) == 3 and len(tx.tx.vout) == 1
    ledger.submit(tx)
    fee = sum(block_subsidy(h) for h in (1, 2, 3)) - tx.tx.vout[0].value
    assert fee == ledger.mempool[tx.txid].fee and 3 * tx.vsize <= fee <= 3 * (tx.vsize + 3)
    ledger.mine_block(START + 600 * (2 + COINBASE_MATURITY), miner)
    assert [u.coin.height for u in key_utxos(ledger, SUSPECT)] == [4]  # the immature coin, now spendable


def test_nothing_to_sweep_says_so():
    with pytest.raises(InsufficientFunds, match="nothing to sweep"):
        sweep_key(Ledger(), SUSPECT, CUSTODY)
