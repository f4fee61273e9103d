"""Transactions: parsing, ids, sizes, signature hashes and signing.

Serialization is embit's (Bitcoin's wire format with the BIP-144 witness). Signature hashes:
legacy (P2PKH), BIP-143 (segwit v0, with the per-transaction midstates computed once), BIP-341
(taproot). Signing and verification use libsecp256k1 through coincurve.
"""
import hashlib
import io

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT
from coincurve.ecdsa import cdata_to_der
from embit import compact
from embit.script import Script, Witness
from embit.transaction import Transaction, TransactionInput, TransactionOutput

from chains.utxo import scripts
from chains.utxo.keys import Key

SIGHASH_DEFAULT = 0x00
SIGHASH_ALL = 0x01
SIGHASH_NONE = 0x02
SIGHASH_SINGLE = 0x03
SIGHASH_ANYONECANPAY = 0x80
_ZERO32 = b"\x00" * 32


def sha256d(data: bytes) -> bytes:
    """Double SHA-256."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _compact(n: int) -> bytes:
    return bytes((n,)) if n < 0xFD else compact.to_bytes(n)


def output_bytes(out: TransactionOutput) -> bytes:
    """An output's wire form: value, then its script with a length prefix."""
    script = out.script_pubkey.data
    return out.value.to_bytes(8, "little") + _compact(len(script)) + script


def serialize(tx: Transaction) -> tuple[bytes, bytes]:
    """``(raw, stripped)``: the wire form with the BIP-144 witness (when an input has one), and without.

    What embit's ``serialize`` writes, built from byte strings in one pass: embit writes each field to
    a stream through an object per field, the slowest part of making a transaction (a test compares).
    """
    vin, vout = tx.vin, tx.vout
    parts = [_compact(len(vin))]
    for inp in vin:
        script = inp.script_sig.data
        parts += (inp.txid[::-1], inp.vout.to_bytes(4, "little"), _compact(len(script)), script,
                  inp.sequence.to_bytes(4, "little"))
    parts.append(_compact(len(vout)))
    parts += [output_bytes(out) for out in vout]
    body = b"".join(parts)
    version, locktime = tx.version.to_bytes(4, "little"), tx.locktime.to_bytes(4, "little")
    stripped = version + body + locktime
    if not any(inp.witness.items for inp in vin):
        return stripped, stripped
    witness = []
    for inp in vin:
        items = inp.witness.items
        witness.append(_compact(len(items)))
        for item in items:
            witness += (_compact(len(item)), item)
    return b"".join((version, b"\x00\x01", body, *witness, locktime)), stripped


class DecodeError(ValueError):
    """Bytes that are not a transaction (or not only one)."""


class Tx:
    """A parsed transaction with its serializations, ids and sizes computed once.

    Attributes
    ----------
    tx : embit.transaction.Transaction
        The transaction object (inputs' ``txid`` are in display byte order).
    raw : bytes
        Serialization with witness (what ``getrawtransaction`` returns).
    stripped : bytes
        Serialization without witness (what the txid hashes).
    txid, wtxid : str
        Hex ids in display order, as block explorers and RPC show them.
    """

    __slots__ = ("raw", "stripped", "tx", "txid", "txid_bytes", "wtxid")

    def __init__(self, tx: Transaction, raw: bytes | None = None):
        self.tx = tx
        ours, self.stripped = serialize(tx)
        self.raw = raw if raw is not None else ours
        self.txid_bytes = sha256d(self.stripped)[::-1]
        self.txid = self.txid_bytes.hex()
        self.wtxid = sha256d(self.raw)[::-1].hex() if len(self.raw) != len(self.stripped) \
            else self.txid

    @classmethod
    def from_raw(cls, raw: bytes | str) -> "Tx":
        """Parse one transaction from bytes or hex; raise DecodeError on anything else."""
        if isinstance(raw, str):
            try:
                raw = bytes.fromhex(raw)
            except ValueError as exc:
                raise DecodeError("transaction hex is not hex") from exc
        stream = io.BytesIO(raw)
        try:
            tx = Transaction.read_from(stream)
        except Exception as exc:
            raise DecodeError(f"cannot decode transaction: {exc}") from exc
        if stream.tell() != len(raw):
            raise DecodeError(f"{len(raw) - stream.tell()} bytes after the transaction")
        if tx.is_segwit and all(len(inp.witness.items) == 0 for inp in tx.vin):
            raise DecodeError("segwit marker with empty witnesses")
        out = cls(tx, raw)
        if out.raw != tx.serialize():
            raise DecodeError("non-canonical transaction encoding")
        return out

    @property
    def size(self) -> int:
        """Serialized size with witness, in bytes."""
        return len(self.raw)

    @property
    def stripped_size(self) -> int:
        """Serialized size without witness, in bytes."""
        return len(self.stripped)

    @property
    def weight(self) -> int:
        """BIP-141 weight units."""
        return 3 * len(self.stripped) + len(self.raw)

    @property
    def vsize(self) -> int:
        """Virtual size in vbytes (weight / 4, rounded up)."""
        return (self.weight + 3) // 4

    @property
    def is_coinbase(self) -> bool:
        """True for a coinbase transaction (one input spending the null outpoint)."""
        vin = self.tx.vin
        return len(vin) == 1 and vin[0].txid == _ZERO32 and vin[0].vout == 0xFFFFFFFF

    def outpoints(self) -> list[tuple[bytes, int]]:
        """Outpoints spent, as ``(txid display bytes, vout)``."""
        return [(inp.txid, inp.vout) for inp in self.tx.vin]


class SigHasher:
    """Signature hashes of one transaction, caching what BIP-143 and BIP-341 allow to share.

    Parameters
    ----------
    tx : Transaction
        The (possibly unsigned) transaction.
    amounts : list of int
        Value in satoshi of each spent output, in input order.
    spent_scripts : list of bytes
        Script of each spent output, in input order.
    """

    def __init__(self, tx: Transaction, amounts: list[int], spent_scripts: list[bytes]):
        self.tx = tx
        self.amounts = amounts
        self.spent_scripts = spent_scripts
        self._prevouts = self._sequences = self._outputs = None

    def _bip143_parts(self):
        if self._prevouts is None:
            tx = self.tx
            self._prevouts = sha256d(b"".join(inp.txid[::-1] + inp.vout.to_bytes(4, "little")
                                              for inp in tx.vin))
            self._sequences = sha256d(b"".join(inp.sequence.to_bytes(4, "little")
                                               for inp in tx.vin))
            self._outputs = sha256d(b"".join([output_bytes(out) for out in tx.vout]))
        return self._prevouts, self._sequences, self._outputs

    def bip143(self, index: int, script_code: bytes, amount: int,
               hashtype: int = SIGHASH_ALL) -> bytes:
        """BIP-143 signature hash of input ``index`` (segwit v0)."""
        tx = self.tx
        prevouts, sequences, outputs = self._bip143_parts()
        base = hashtype & 0x1F
        anyone = hashtype & SIGHASH_ANYONECANPAY
        if anyone:
            prevouts = _ZERO32
        if anyone or base in (SIGHASH_SINGLE, SIGHASH_NONE):
            sequences = _ZERO32
        if base == SIGHASH_SINGLE:
            outputs = sha256d(output_bytes(tx.vout[index])) if index < len(tx.vout) else _ZERO32
        elif base == SIGHASH_NONE:
            outputs = _ZERO32
        inp = tx.vin[index]
        preimage = b"".join((
            tx.version.to_bytes(4, "little"), prevouts, sequences,
            inp.txid[::-1], inp.vout.to_bytes(4, "little"),
            compact.to_bytes(len(script_code)), script_code,
            amount.to_bytes(8, "little"), inp.sequence.to_bytes(4, "little"),
            outputs, tx.locktime.to_bytes(4, "little"), hashtype.to_bytes(4, "little"),
        ))
        return sha256d(preimage)

    def legacy(self, index: int, script_pubkey: bytes, hashtype: int = SIGHASH_ALL) -> bytes:
        """Legacy (pre-segwit) signature hash of input ``index``."""
        return self.tx.sighash_legacy(index, Script(script_pubkey), hashtype)

    def bip341(self, index: int, hashtype: int = SIGHASH_DEFAULT) -> bytes:
        """BIP-341 key-path signature hash of input ``index``."""
        return self.tx.sighash_taproot(index, [Script(s) for s in self.spent_scripts],
                                       self.amounts, hashtype)


def p2wpkh_script_code(keyhash: bytes) -> bytes:
    """BIP-143 scriptCode of a P2WPKH input: the P2PKH script of the same key hash."""
    return b"\x76\xa9\x14" + keyhash + b"\x88\xac"


def ecdsa_sign(secret: bytes, digest: bytes, low_r: bool = True) -> bytes:
    """DER ECDSA signature (RFC 6979, low S) of a 32-byte digest.

    With ``low_r``, grind the nonce as Bitcoin Core's wallet does (extra entropy = a counter)
    until R fits in 32 bytes, so the signature is at most 70 bytes: a wallet fingerprint.
    libsecp256k1 is called directly: a ``coincurve.PrivateKey`` would first compute two public
    keys the signature does not need, which costs more than signing.
    """
    if len(digest) != 32:
        raise ValueError("a signature hash has 32 bytes")
    ctx, sig = GLOBAL_CONTEXT.ctx, ffi.new("secp256k1_ecdsa_signature *")
    if not lib.secp256k1_ecdsa_sign(ctx, sig, digest, secret, ffi.NULL, ffi.NULL):
        raise ValueError("invalid private key")
    der = cdata_to_der(sig)
    counter = 0
    while low_r and der[3] > 32:
        counter += 1
        extra = ffi.new("unsigned char[32]", counter.to_bytes(4, "little") + bytes(28))
        lib.secp256k1_ecdsa_sign(ctx, sig, digest, secret, ffi.NULL, extra)
        der = cdata_to_der(sig)
    return der


def schnorr_sign(secret: bytes, digest: bytes) -> bytes:
    """BIP-340 signature of a 32-byte digest with a fixed (zero) aux_rand.

    BIP-340 permits a fixed aux_rand; fresh randomness would make every signature, and so every
    wtxid, block and replay log, differ between runs of the same seed.
    """
    if len(digest) != 32:
        raise ValueError("a signature hash has 32 bytes")
    ctx, keypair = GLOBAL_CONTEXT.ctx, ffi.new("secp256k1_keypair *")
    if not lib.secp256k1_keypair_create(ctx, keypair, secret):
        raise ValueError("invalid private key")
    sig = ffi.new("unsigned char[64]")
    if not lib.secp256k1_schnorrsig_sign32(ctx, sig, digest, keypair, bytes(32)):
        raise ValueError("schnorr signing failed")
    return bytes(ffi.buffer(sig, 64))


def sign_input(hasher: SigHasher, index: int, key: Key, low_r: bool = True) -> None:
    """Sign input ``index`` with ``key`` (SIGHASH_ALL, or DEFAULT for taproot), in place.

    The spent script (``hasher.spent_scripts[index]``) decides the scheme; ``low_r`` grinds
    ECDSA signatures to 70 bytes as Bitcoin Core does.
    """
    script = hasher.spent_scripts[index]
    kind = scripts.classify(script)
    inp = hasher.tx.vin[index]
    if kind == scripts.WITNESS_V0_KEYHASH:
        if script != key.script("p2wpkh"):
            raise ValueError(f"input {index}: key does not match the P2WPKH script")
        digest = hasher.bip143(index, p2wpkh_script_code(script[2:]), hasher.amounts[index])
        sig = ecdsa_sign(key.secret, digest, low_r)
        inp.witness = Witness([sig + bytes([SIGHASH_ALL]), key.pubkey])
        inp.script_sig = Script(b"")
    elif kind == scripts.PUBKEYHASH:
        if script != key.script("p2pkh"):
            raise ValueError(f"input {index}: key does not match the P2PKH script")
        digest = hasher.legacy(index, script)
        sig = ecdsa_sign(key.secret, digest, low_r) + bytes([SIGHASH_ALL])
        inp.script_sig = Script(bytes([len(sig)]) + sig + bytes([len(key.pubkey)]) + key.pubkey)
        inp.witness = Witness([])
    elif kind == scripts.WITNESS_V1_TAPROOT:
        if script != key.script("p2tr"):
            raise ValueError(f"input {index}: key does not match the P2TR script")
        digest = hasher.bip341(index)
        sig = schnorr_sign(key.tweaked_secret, digest)
        inp.witness = Witness([sig])
        inp.script_sig = Script(b"")
    else:
        raise ValueError(f"input {index}: cannot sign a {kind} output")


def build(inputs: list[tuple[str, int, int]], outputs: list[tuple[bytes, int]],
          locktime: int = 0, version: int = 2) -> Transaction:
    """Build an unsigned transaction.

    Parameters
    ----------
    inputs : list of (txid hex, vout, sequence)
    outputs : list of (script bytes, value in satoshi)
    """
    vin = [TransactionInput(bytes.fromhex(txid), vout, sequence=seq)
           for txid, vout, seq in inputs]
    vout = [TransactionOutput(value, Script(script)) for script, value in outputs]
    return Transaction(version=version, vin=vin, vout=vout, locktime=locktime)


def sign(tx: Transaction, prevouts: list[tuple[int, bytes]], keys: list[Key],
         low_r: bool = True) -> Tx:
    """Sign every input of ``tx``; ``prevouts[i]`` is (value, script) and ``keys[i]`` its key."""
    hasher = SigHasher(tx, [v for v, _ in prevouts], [s for _, s in prevouts])
    for index, key in enumerate(keys):
        sign_input(hasher, index, key, low_r)
    return Tx(tx)
