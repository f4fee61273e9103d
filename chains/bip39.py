"""BIP-39 seeds, computed once per phrase: both chains' wallets of an actor start from the same one.

The seed is PBKDF2-HMAC-SHA512 of the NFKD phrase, salted with "mnemonic" + the NFKD passphrase,
2048 rounds, 64 bytes (BIP-39): a millisecond each, and a case has hundreds of actors on two chains.
Callers check the phrase first; this only stretches it.
"""
import hashlib
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def seed(mnemonic: str, passphrase: str = "") -> bytes:
    """The 64-byte BIP-39 seed of ``mnemonic``.

    Examples
    --------
    The BIP-39 test vector "abandon ... about" with passphrase "TREZOR":

    >>> seed("abandon " * 11 + "about", "TREZOR").hex()[:32]
    'c55257c360c07c72029aebc1b53c05ed'
    """
    nfkd = lambda s: unicodedata.normalize("NFKD", s).encode()  # noqa: E731
    return hashlib.pbkdf2_hmac("sha512", nfkd(mnemonic), b"mnemonic" + nfkd(passphrase), 2048, 64)
