"""Single keys and the output scripts they control (P2PKH, P2WPKH, BIP-86 P2TR key path)."""
import hashlib
from dataclasses import dataclass
from functools import cached_property

import coincurve
from embit import base58

from chains.utxo import scripts
from chains.utxo.params import NETWORK

#: Order of the secp256k1 group.
CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

#: Script kinds a lab key can receive on, by their wallet name.
KINDS = ("p2pkh", "p2wpkh", "p2tr")


def hash160(data: bytes) -> bytes:
    """RIPEMD-160 of SHA-256, falling back to embit's pure-Python RIPEMD where OpenSSL lacks it."""
    sha = hashlib.sha256(data).digest()
    try:
        return hashlib.new("ripemd160", sha).digest()
    except ValueError:
        from embit.util.py_ripemd160 import ripemd160
        return ripemd160(sha)


def tagged_hash(tag: str, msg: bytes) -> bytes:
    """BIP-340 tagged hash."""
    tag_hash = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(tag_hash + tag_hash + msg).digest()


def taproot_tweak_secret(secret: bytes, merkle_root: bytes = b"") -> bytes:
    """Return the BIP-341 tweaked private key for a key-path spend (BIP-86 when no script tree)."""
    d = int.from_bytes(secret, "big")
    point = coincurve.PublicKey.from_secret(secret).format(compressed=True)
    if point[0] == 3:
        d = CURVE_ORDER - d
    tweak = int.from_bytes(tagged_hash("TapTweak", point[1:] + merkle_root), "big")
    if tweak >= CURVE_ORDER:
        raise ValueError("taproot tweak out of range")
    return ((d + tweak) % CURVE_ORDER).to_bytes(32, "big")


@dataclass(frozen=True)
class Key:
    """A private key and the three standard scripts it can spend.

    Parameters
    ----------
    secret : bytes
        The 32-byte private key.
    """

    secret: bytes

    @cached_property
    def pubkey(self) -> bytes:
        """Compressed SEC public key."""
        return coincurve.PublicKey.from_secret(self.secret).format(compressed=True)

    @cached_property
    def keyhash(self) -> bytes:
        """HASH160 of the public key: the program of ``p2wpkh`` and ``p2pkh``."""
        return hash160(self.pubkey)

    @cached_property
    def tweaked_secret(self) -> bytes:
        """BIP-86 tweaked private key (signs P2TR key-path spends)."""
        return taproot_tweak_secret(self.secret)

    @cached_property
    def output_xonly(self) -> bytes:
        """The taproot output key (x coordinate) of ``p2tr``."""
        return coincurve.PublicKey.from_secret(self.tweaked_secret).format(compressed=True)[1:]

    def script(self, kind: str) -> bytes:
        """Output script of ``kind`` (``p2pkh``, ``p2wpkh`` or ``p2tr``) paying to this key."""
        if kind == "p2wpkh":
            return b"\x00\x14" + self.keyhash
        if kind == "p2pkh":
            return b"\x76\xa9\x14" + self.keyhash + b"\x88\xac"
        if kind == "p2tr":
            return b"\x51\x20" + self.output_xonly
        raise ValueError(f"unknown script kind {kind!r}; expected one of {KINDS}")

    def address(self, kind: str) -> str:
        """Regtest address of ``kind`` paying to this key."""
        return scripts.address(self.script(kind))

    def wif(self) -> str:
        """Wallet import format (regtest, compressed)."""
        return base58.encode_check(NETWORK["wif"] + self.secret + b"\x01")

    @classmethod
    def from_wif(cls, wif: str) -> "Key":
        """Read a compressed regtest/testnet WIF key."""
        data = base58.decode_check(wif)
        if data[:1] != NETWORK["wif"] or len(data) != 34 or data[-1] != 1:
            raise ValueError(f"not a compressed regtest WIF key: {wif[:4]}...")
        return cls(data[1:33])
