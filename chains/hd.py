"""HD wallets on both chains: BIP-39 seeds and BIP-32 child keys, computed the cheap way.

A case has hundreds of actors, each with one phrase for both chains and thousands of addresses
between them. The seed (PBKDF2-HMAC-SHA512 of the NFKD phrase, salted with "mnemonic" + the NFKD
passphrase, 2048 rounds, 64 bytes; BIP-39) is computed once per phrase, and a non-hardened child
key from its parent by hashing and a scalar addition alone (CKDpriv, BIP-32), with no curve
operation. Callers check the phrase first; this only stretches it.
"""
import hashlib
import hmac
import unicodedata
from functools import lru_cache

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


def parent(node) -> tuple[bytes, bytes, bytes]:
    """Secret, compressed public key and chain code of an HD node (embit's ``HDKey``): what
    :func:`child_secret` needs to derive its children."""
    return node.secret, node.get_public_key().sec(), node.chain_code


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
    digest = hmac.new(chain_code, parent_pubkey + index.to_bytes(4, "big"), hashlib.sha512).digest()
    il = int.from_bytes(digest[:32], "big")
    k = (il + int.from_bytes(parent_secret, "big")) % CURVE_ORDER
    if il >= CURVE_ORDER or k == 0:  # probability below 2**-127; BIP-32 says skip to the next index
        raise ValueError(f"invalid child key at index {index}")
    return k.to_bytes(32, "big")
