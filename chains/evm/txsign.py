"""Fast, deterministic signing of EIP-1559 transactions.

eth-account builds a validated model per transaction, which costs more than the node spends
executing a plain transfer. Here a transaction is RLP-encoded directly and signed with coincurve;
a test checks byte-for-byte equality with eth-account. Same fields, same key: same raw bytes and
hash (RFC 6979 nonces), which is what makes a scenario's tx hashes reproducible.
"""
from __future__ import annotations

from dataclasses import dataclass

from coincurve import PrivateKey
from sha3 import keccak_256


def keccak(data: bytes) -> bytes:
    """Keccak-256 through safe-pysha3 (pinned by eth-tester's py-evm extra), a C call: eth_hash's
    default backend (pycryptodome) costs about eight times as much, twice per transaction."""
    return keccak_256(data).digest()


_TYPE_1559 = b"\x02"


# A minimal RLP encoder for the one shape signed here (ints, byte strings, an empty access list):
# a third of pyrlp's cost, and the hot path of every lab transaction. Checked against eth-account.
def _rlp_bytes(b: bytes) -> bytes:
    n = len(b)
    if n == 1 and b[0] < 0x80:
        return b
    if n < 56:
        return bytes((0x80 + n,)) + b
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0xB7 + len(ln),)) + ln + b


def _rlp_int(i: int) -> bytes:
    if i < 0:
        raise ValueError(f"RLP encodes non-negative integers only, got {i}")
    if i == 0:
        return b"\x80"
    if i < 0x80:
        return bytes((i,))
    return _rlp_bytes(i.to_bytes((i.bit_length() + 7) // 8, "big"))


def _rlp_list(payload: bytes) -> bytes:
    n = len(payload)
    if n < 56:
        return bytes((0xC0 + n,)) + payload
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0xF7 + len(ln),)) + ln + payload


_EMPTY_ACCESS_LIST = b"\xc0"


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
        body = b"".join((_rlp_int(chain_id), _rlp_int(nonce), _rlp_int(max_priority_fee_per_gas),
                         _rlp_int(max_fee_per_gas), _rlp_int(gas), _rlp_bytes(_addr(to)), _rlp_int(value),
                         _rlp_bytes(bytes(data)), _EMPTY_ACCESS_LIST))
        sig = self._key.sign_recoverable(keccak(_TYPE_1559 + _rlp_list(body)), hasher=None)
        # r and s as minimal big-endian integers (leading zero bytes stripped), as RLP requires
        r = sig[:32].lstrip(b"\x00")
        s = sig[32:64].lstrip(b"\x00")
        raw = _TYPE_1559 + _rlp_list(body + _rlp_int(sig[64]) + _rlp_bytes(r) + _rlp_bytes(s))
        return SignedTx(raw=raw, hash=keccak(raw), sender=self.address, nonce=nonce, gas=gas)
