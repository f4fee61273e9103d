"""Fast, deterministic signing of EIP-1559 transactions.

eth-account builds a validated model per transaction, which costs more than the node spends
executing a plain transfer. Here a transaction is RLP-encoded directly and signed with coincurve;
a test checks byte-for-byte equality with eth-account. Same fields, same key: same raw bytes and
hash (RFC 6979 nonces), which is what makes a scenario's tx hashes reproducible.
"""
from __future__ import annotations

from dataclasses import dataclass

import rlp
from coincurve import PrivateKey
from eth_hash.auto import keccak

_TYPE_1559 = b"\x02"


@dataclass(frozen=True)
class SignedTx:
    raw: bytes
    hash: bytes
    sender: str
    nonce: int
    gas: int


def _addr(to: str | bytes | None) -> bytes:
    if to is None or to == b"" or to == "":
        return b""
    if isinstance(to, bytes):
        if len(to) != 20:
            raise ValueError(f"an address has 20 bytes, got {len(to)}")
        return to
    body = to[2:] if to.startswith(("0x", "0X")) else to
    if len(body) != 40:
        raise ValueError(f"not an address: {to!r}")
    return bytes.fromhex(body)


class Signer:
    """Signs EIP-1559 transactions for one private key."""

    __slots__ = ("_key", "address")

    def __init__(self, private_key: bytes, address: str):
        self._key = PrivateKey(bytes(private_key))
        self.address = address

    def sign(self, *, chain_id: int, nonce: int, to: str | bytes | None, value: int, data: bytes,
             gas: int, max_fee_per_gas: int, max_priority_fee_per_gas: int) -> SignedTx:
        fields = [chain_id, nonce, max_priority_fee_per_gas, max_fee_per_gas, gas, _addr(to), value, data, []]
        digest = keccak(_TYPE_1559 + rlp.encode(fields))
        sig = self._key.sign_recoverable(digest, hasher=None)
        r = int.from_bytes(sig[:32], "big")
        s = int.from_bytes(sig[32:64], "big")
        raw = _TYPE_1559 + rlp.encode(fields + [sig[64], r, s])
        return SignedTx(raw=raw, hash=keccak(raw), sender=self.address, nonce=nonce, gas=gas)
