"""HD wallets on both chains: BIP-39 seeds and BIP-32 child keys, computed the cheap way.

A case has hundreds of actors, each with one phrase for both chains and thousands of addresses
between them. The seed (PBKDF2-HMAC-SHA512 of the NFKD phrase, salted with "mnemonic" + the NFKD
passphrase, 2048 rounds, 64 bytes; BIP-39) is computed once per phrase, and a non-hardened child
key from its parent by hashing and a scalar addition alone (CKDpriv, BIP-32), with no curve
operation. A path is walked the same way (:func:`derive`): only a node whose non-hardened children
are wanted needs its public key, one curve multiplication. Callers check the phrase first; this
only stretches it.
"""
import hashlib
import hmac
import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import coincurve

#: order of the secp256k1 group
CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@lru_cache(maxsize=4096)
def seed(mnemonic: str, passphrase: str = "") -> bytes:
    """The 64-byte BIP-39 seed of ``mnemonic``.

    Examples
    --------
    The BIP-39 test vector "abandon ... about" with passphrase "TREZOR":

    >>> seed("abandon " * 11 + "about", "TREZOR").hex()[:32]
    'c55257c360c07c72029aebc1b53c05ed'
    """
    def nfkd(text: str) -> bytes:
        return unicodedata.normalize("NFKD", text).encode()

    return hashlib.pbkdf2_hmac("sha512", nfkd(mnemonic), b"mnemonic" + nfkd(passphrase), 2048, 64)


def warm(mnemonics, passphrase: str = "") -> None:
    """Compute the :func:`seed` of many phrases into its cache, on every core at once.

    PBKDF2 releases the GIL, so threads suffice; a world's hundreds of actors otherwise stretch
    their phrases one after another on one core.
    """
    todo = list(dict.fromkeys(mnemonics))
    with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1) or 1) as pool:
        for _ in pool.map(lambda m: seed(m, passphrase), todo):
            pass


def master(seed_: bytes) -> tuple[bytes, bytes]:
    """Secret and chain code of the BIP-32 master node of ``seed_``."""
    digest = hmac.new(b"Bitcoin seed", seed_, hashlib.sha512).digest()
    if not 0 < int.from_bytes(digest[:32], "big") < CURVE_ORDER:  # probability below 2**-127
        raise ValueError("invalid master key")
    return digest[:32], digest[32:]


def _ckd(secret: bytes, pubkey: bytes | None, chain_code: bytes, index: int) -> tuple[bytes, bytes]:
    """CKDpriv: child secret and chain code (hardened when ``index`` >= 2**31, then ``pubkey`` is unused)."""
    data = (b"\x00" + secret if index >= 0x80000000 else pubkey) + index.to_bytes(4, "big")
    digest = hmac.new(chain_code, data, hashlib.sha512).digest()
    il = int.from_bytes(digest[:32], "big")
    k = (il + int.from_bytes(secret, "big")) % CURVE_ORDER
    if il >= CURVE_ORDER or k == 0:  # probability below 2**-127; BIP-32 says skip to the next index
        raise ValueError(f"invalid child key at index {index}")
    return k.to_bytes(32, "big"), digest[32:]


def pubkey(secret: bytes) -> bytes:
    """Compressed SEC public key of ``secret``."""
    return coincurve.PublicKey.from_secret(secret).format(compressed=True)


def derive(seed_: bytes, path: str) -> tuple[bytes, bytes, bytes]:
    """Secret, compressed public key and chain code of the node at ``path`` (``m/84h/1h/0h``,
    ``m/44'/60'/0'/0``) of ``seed_``'s tree: what :func:`child_secret` needs for its children.

    Examples
    --------
    BIP-32 test vector 1, chain m/0H/1:

    >>> sec, pub, cc = derive(bytes.fromhex("000102030405060708090a0b0c0d0e0f"), "m/0h/1")
    >>> sec.hex(), cc.hex()[:16]
    ('3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368', '2a7857631386ba23')
    """
    parts = path.split("/")
    if parts[0] != "m":
        raise ValueError(f"a path starts at m, got {path!r}")
    secret, chain_code = master(seed_)
    for part in parts[1:]:
        hardened = part[-1:] in ("h", "H", "'")
        index = int(part[:-1] if hardened else part)
        if not 0 <= index < 0x80000000:
            raise ValueError(f"path {path!r}: index {index} out of range")
        secret, chain_code = _ckd(secret, None if hardened else pubkey(secret), chain_code,
                                  index + (0x80000000 if hardened else 0))
    return secret, pubkey(secret), chain_code


def child(parent_secret: bytes, parent_pubkey: bytes, chain_code: bytes, index: int) -> tuple[bytes, bytes, bytes]:
    """The non-hardened child ``index`` as a parent of its own children: secret, public key, chain code."""
    if not 0 <= index < 0x80000000:
        raise ValueError(f"non-hardened index expected, got {index}")
    secret, cc = _ckd(parent_secret, parent_pubkey, chain_code, index)
    return secret, pubkey(secret), cc


def child_secret(parent_secret: bytes, parent_pubkey: bytes, chain_code: bytes, index: int) -> bytes:
    """BIP-32 private child derivation for a non-hardened ``index`` (CKDpriv).

    Examples
    --------
    BIP-32 test vector 1: m/0' has chain code 47fdacbd... and key edb2e14f...; its child m/0'/1:

    >>> import coincurve
    >>> k = bytes.fromhex("edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea")
    >>> c = bytes.fromhex("47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141")
    >>> child_secret(k, coincurve.PrivateKey(k).public_key.format(), c, 1).hex()
    '3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368'
    """
    if not 0 <= index < 0x80000000:
        raise ValueError(f"non-hardened index expected, got {index}")
    return _ckd(parent_secret, parent_pubkey, chain_code, index)[0]
