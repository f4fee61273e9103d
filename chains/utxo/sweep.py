"""Seizure sweeps: everything a key or a set of coins holds, in one transaction to one address."""
from chains.utxo import scripts
from chains.utxo.coinselect import InsufficientFunds, Utxo, estimate_vsize
from chains.utxo.keys import Key
from chains.utxo.ledger import Ledger
from chains.utxo.params import COINBASE_MATURITY, SEQUENCE_FINAL
from chains.utxo.tx import Tx, build, sign
from chains.utxo.validation import dust_threshold


def key_utxos(ledger: Ledger, key: Key) -> list[Utxo]:
    """Spendable coins a single key controls, on any of its three script kinds."""
    found = []
    for kind in ("p2pkh", "p2wpkh", "p2tr"):
        for op, coin in ledger.unspent_for_script(key.script(kind)):
            if coin.coinbase and ledger.height + 1 - coin.height < COINBASE_MATURITY:
                continue
            found.append(Utxo(op, coin, key, kind))
    return found


def sweep_utxos(utxos: list[Utxo], destination: str, fee_rate: int, locktime: int = 0) -> Tx:
    """Sign a transaction spending all ``utxos`` to one ``destination`` (a seizure sweep).

    Raises
    ------
    InsufficientFunds
        If there is nothing to sweep or the total does not cover the fee plus dust.
    """
    if not utxos:
        raise InsufficientFunds("nothing to sweep: no spendable coins")
    script = scripts.script_for_address(destination)
    total = sum(u.value for u in utxos)
    fee = fee_rate * estimate_vsize([u.kind for u in utxos], [script])
    value = total - fee
    if value < dust_threshold(script):
        raise InsufficientFunds(f"sweeping {total} sat at {fee_rate} sat/vB leaves {value} sat, "
                                f"below dust")
    unsigned = build([(u.outpoint[0].hex(), u.outpoint[1], SEQUENCE_FINAL - 1) for u in utxos],
                     [(script, value)], locktime=locktime)
    return sign(unsigned, [(u.value, u.coin.script) for u in utxos], [u.key for u in utxos])


def sweep_key(ledger: Ledger, key: Key | str, destination: str, fee_rate: int = 2) -> Tx:
    """Sign a sweep of everything a single key (a Key or a WIF string) controls."""
    if isinstance(key, str):
        key = Key.from_wif(key)
    return sweep_utxos(key_utxos(ledger, key), destination, fee_rate)
