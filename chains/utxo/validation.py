"""Transaction validation against a view of unspent outputs.

Consensus checks (value, finality, coinbase maturity, signatures) and, for the mempool, Bitcoin
Core's standardness policy (dust, minimum relay fee, standard size). Checks never modify
anything: the caller applies a transaction only once it passed.
"""
import functools
from collections.abc import Callable
from dataclasses import dataclass

import coincurve

from chains.utxo import errors as E
from chains.utxo import scripts
from chains.utxo.keys import hash160
from chains.utxo.params import (COINBASE_MATURITY, DUST_RELAY_FEE, LOCKTIME_THRESHOLD,
                                MAX_MONEY, MAX_STANDARD_TX_WEIGHT, MIN_RELAY_FEE,
                                SEQUENCE_FINAL)
from chains.utxo.tx import SigHasher, Tx, p2wpkh_script_code

_DEFINED_HASHTYPES = frozenset((0x01, 0x02, 0x03, 0x81, 0x82, 0x83))
#: An output's place: (txid display bytes, vout index).
Outpoint = tuple[bytes, int]


@dataclass(frozen=True, slots=True)
class Coin:
    """An unspent (or archived) output: value in satoshi, script, height, from a coinbase."""

    value: int
    script: bytes
    height: int
    coinbase: bool


def dust_threshold(script: bytes) -> int:
    """Smallest non-dust value of an output paying to ``script`` (Core's ``GetDustThreshold``).

    >>> dust_threshold(bytes.fromhex("0014" + "00" * 20)), dust_threshold(bytes.fromhex("76a914" + "00" * 20 + "88ac"))
    (294, 546)
    """
    if script[:1] == b"\x6a":
        return 0
    size = 8 + (1 if len(script) < 0xFD else 3) + len(script)
    witness_program = 4 <= len(script) <= 42 and (script[0] == 0 or 0x51 <= script[0] <= 0x60) \
        and script[1] == len(script) - 2
    size += 67 if witness_program else 148
    return size * DUST_RELAY_FEE // 1000


def is_final(tx: Tx, height: int, block_time: int) -> bool:
    """Bitcoin's ``IsFinalTx``: may ``tx`` be in a block at ``height`` with ``block_time``?"""
    locktime = tx.tx.locktime
    if locktime == 0:
        return True
    limit = height if locktime < LOCKTIME_THRESHOLD else block_time
    if locktime < limit:
        return True
    return all(inp.sequence == SEQUENCE_FINAL for inp in tx.tx.vin)


def check_outputs(tx: Tx, policy: bool) -> int:
    """Check output values; return their total."""
    total = 0
    for n, out in enumerate(tx.tx.vout):
        value = out.value
        if value >= 1 << 63:
            raise E.TxRejected(E.NEGATIVE_OUTPUT, f"output {n} has a negative value "
                                                  f"({value - (1 << 64)} sat)")
        if value > MAX_MONEY:
            raise E.TxRejected(E.OUTPUT_TOO_LARGE, f"output {n} value {value} sat > MAX_MONEY")
        total += value
        if total > MAX_MONEY:
            raise E.TxRejected(E.TOTAL_TOO_LARGE, f"outputs total {total} sat > MAX_MONEY")
        if policy:
            script = out.script_pubkey.data
            threshold = dust_threshold(script)
            if value < threshold:
                raise E.TxRejected(E.DUST, f"output {n} value {value} sat is below the dust "
                                           f"threshold {threshold} sat of its script")
    return total


@functools.lru_cache(maxsize=1 << 14)  # a key that spends again is parsed once (a parse costs a square root)
def _pubkey(sec: bytes) -> coincurve.PublicKey:
    return coincurve.PublicKey(sec)


def verify_input(hasher: SigHasher, index: int, coin: Coin) -> None:
    """Check the signature of input ``index`` spending ``coin``; raise TxRejected if bad."""
    inp = hasher.tx.vin[index]
    script = coin.script
    kind = scripts.classify(script)
    witness = inp.witness.items
    try:
        if kind == scripts.WITNESS_V0_KEYHASH:
            if inp.script_sig.data:
                raise _Bad("scriptSig of a native segwit input must be empty")
            if len(witness) != 2:
                raise _Bad(f"P2WPKH witness has {len(witness)} items, expected 2")
            sig, pub = witness
            if len(pub) != 33 or hash160(pub) != script[2:]:
                raise _Bad("witness public key does not match the P2WPKH program")
            if not sig or sig[-1] not in _DEFINED_HASHTYPES:
                raise _Bad("undefined sighash type")
            digest = hasher.bip143(index, p2wpkh_script_code(script[2:]), coin.value, sig[-1])
            if not _pubkey(pub).verify(sig[:-1], digest, hasher=None):
                raise _Bad("Signature must be zero for failed CHECK(MULTI)SIG operation")
        elif kind == scripts.PUBKEYHASH:
            if witness:
                raise _Bad("witness on a legacy input")
            ops = list(scripts.iter_ops(inp.script_sig.data))
            if len(ops) != 2 or ops[0][1] is None or ops[1][1] is None:
                raise _Bad("P2PKH scriptSig must push a signature and a public key")
            sig, pub = ops[0][1], ops[1][1]
            if hash160(pub) != script[3:23]:
                raise _Bad("public key does not match the P2PKH hash")
            if not sig or sig[-1] not in _DEFINED_HASHTYPES:
                raise _Bad("undefined sighash type")
            digest = hasher.legacy(index, script, sig[-1])
            if not _pubkey(pub).verify(sig[:-1], digest, hasher=None):
                raise _Bad("Signature must be zero for failed CHECK(MULTI)SIG operation")
        elif kind == scripts.WITNESS_V1_TAPROOT:
            if inp.script_sig.data:
                raise _Bad("scriptSig of a native segwit input must be empty")
            if len(witness) != 1:
                raise E.TxRejected(E.NONSTANDARD_INPUT, f"input {index}: only taproot key-path "
                                                        f"spends are supported in the lab")
            sig = witness[0]
            if len(sig) == 64:
                hashtype = 0
            elif len(sig) == 65 and sig[-1] in _DEFINED_HASHTYPES:
                hashtype = sig[-1]
            else:
                raise _Bad("Invalid Schnorr signature size or hashtype")
            digest = hasher.bip341(index, hashtype)
            if not coincurve.PublicKeyXOnly(script[2:]).verify(sig[:64], digest):
                raise _Bad("Invalid Schnorr signature")
        else:
            raise E.TxRejected(E.NONSTANDARD_INPUT, f"input {index} spends a {kind} output, "
                                                    f"which the lab cannot verify")
    except _Bad as bad:
        raise E.TxRejected(E.BAD_SIGNATURE, f"input {index}: {bad}") from None
    except (ValueError, TypeError) as exc:
        raise E.TxRejected(E.BAD_SIGNATURE, f"input {index}: malformed key or signature "
                                            f"({exc})") from None


class _Bad(Exception):
    pass


def check_tx(tx: Tx, lookup: Callable[[Outpoint], Coin | None], height: int,
             mtp: int, policy: bool = True, verify_scripts: bool = True) -> tuple[int, list[Coin]]:
    """Validate ``tx`` for inclusion at ``height`` (block time bound ``mtp``).

    Parameters
    ----------
    tx : Tx
        The transaction.
    lookup : callable
        Returns the unspent Coin of an outpoint ``(txid display bytes, vout)`` or None.
    height : int
        Height of the block that would contain ``tx``.
    mtp : int
        Median time past that bounds time locks (BIP-113).
    policy : bool
        Also apply the mempool's standardness rules (dust, relay fee, size).
    verify_scripts : bool
        Check signatures (skipped when a cache says they already passed).

    Returns
    -------
    fee : int
        Inputs minus outputs, in satoshi.
    coins : list of Coin
        The spent coins, in input order.

    Raises
    ------
    TxRejected
        With Bitcoin Core's reason.
    """
    if tx.is_coinbase:
        raise E.TxRejected(E.COINBASE_NOT_ALLOWED, "a coinbase transaction is only valid as the "
                                                   "first transaction of a block")
    vin, vout = tx.tx.vin, tx.tx.vout
    if not vin:
        raise E.TxRejected(E.NO_INPUTS, "transaction has no inputs")
    if not vout:
        raise E.TxRejected(E.NO_OUTPUTS, "transaction has no outputs")
    out_total = check_outputs(tx, policy)
    outpoints = tx.outpoints()
    if len(set(outpoints)) != len(outpoints):
        raise E.TxRejected(E.DUPLICATE_INPUTS, "an outpoint is spent twice by this transaction")
    if policy and tx.weight > MAX_STANDARD_TX_WEIGHT:
        raise E.TxRejected(E.TX_SIZE, f"weight {tx.weight} > {MAX_STANDARD_TX_WEIGHT}")
    if not is_final(tx, height, mtp):
        raise E.TxRejected(E.NON_FINAL, f"nLockTime {tx.tx.locktime} is not final at height "
                                        f"{height} (median time past {mtp})")
    coins = []
    for index, outpoint in enumerate(outpoints):
        coin = lookup(outpoint)
        if coin is None:
            raise E.TxRejected(E.MISSING_OR_SPENT, f"input {index} spends "
                                                   f"{outpoint[0].hex()}:{outpoint[1]}, which is "
                                                   f"unknown or already spent")
        if coin.coinbase and height - coin.height < COINBASE_MATURITY:
            raise E.TxRejected(E.PREMATURE_COINBASE_SPEND,
                               f"input {index} spends a coinbase output of height {coin.height} "
                               f"at height {height}; it matures after {COINBASE_MATURITY} blocks")
        coins.append(coin)
    in_total = sum(c.value for c in coins)
    if in_total < out_total:
        raise E.TxRejected(E.IN_BELOW_OUT, f"value in ({in_total} sat) < value out "
                                           f"({out_total} sat)")
    fee = in_total - out_total
    if policy and fee * 1000 < MIN_RELAY_FEE * tx.vsize:
        raise E.TxRejected(E.MIN_RELAY_FEE, f"{fee} < {MIN_RELAY_FEE * tx.vsize // 1000} "
                                            f"(fee of {tx.vsize} vB at 1 sat/vB)")
    if verify_scripts:
        hasher = SigHasher(tx.tx, [c.value for c in coins], [c.script for c in coins])
        for index, coin in enumerate(coins):
            verify_input(hasher, index, coin)
    return fee, coins
