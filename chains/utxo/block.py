"""Blocks: the 80-byte header, merkle roots, the coinbase and its witness commitment.

Blocks are serialized exactly as Bitcoin does. The lab has no mining network, but a regtest
target is so easy (half of all hashes meet it) that blocks carry a valid regtest proof of work
for the price of about two hashes.
"""
import io
from dataclasses import dataclass

from embit import compact
from embit.script import Script, Witness
from embit.transaction import Transaction, TransactionInput, TransactionOutput

from chains.utxo.params import REGTEST_BITS, bits_to_target
from chains.utxo.tx import DecodeError, Tx, sha256d

WITNESS_COMMITMENT_HEADER = b"\xaa\x21\xa9\xed"
_ZERO32 = b"\x00" * 32


def merkle_root(hashes: list[bytes]) -> bytes:
    """Merkle root of hashes in internal byte order (the last one doubled on odd levels)."""
    if not hashes:
        return _ZERO32
    level = list(hashes)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def merkle_hex(hashes: list[bytes]) -> str:
    """Merkle root in display hex (as a header and an RPC answer show it) of hashes in internal byte order."""
    return merkle_root(hashes)[::-1].hex()


@dataclass(frozen=True)
class Header:
    """Block header; hashes are hex in display order."""

    version: int
    prev_hash: str
    merkle_root: str
    time: int
    bits: int
    nonce: int

    def serialize(self) -> bytes:
        """The 80 header bytes."""
        return b"".join((
            self.version.to_bytes(4, "little"), bytes.fromhex(self.prev_hash)[::-1],
            bytes.fromhex(self.merkle_root)[::-1], self.time.to_bytes(4, "little"),
            self.bits.to_bytes(4, "little"), self.nonce.to_bytes(4, "little"),
        ))

    @property
    def hash(self) -> str:
        """Block hash, hex in display order."""
        return sha256d(self.serialize())[::-1].hex()

    @classmethod
    def parse(cls, data: bytes) -> "Header":
        """Read an 80-byte header."""
        if len(data) != 80:
            raise DecodeError(f"block header must be 80 bytes, got {len(data)}")
        return cls(
            version=int.from_bytes(data[0:4], "little"), prev_hash=data[4:36][::-1].hex(),
            merkle_root=data[36:68][::-1].hex(), time=int.from_bytes(data[68:72], "little"),
            bits=int.from_bytes(data[72:76], "little"), nonce=int.from_bytes(data[76:80], "little"),
        )

    def meets_target(self) -> bool:
        """True if the header hash is at or below the target its ``bits`` encode."""
        return int(self.hash, 16) <= bits_to_target(self.bits)


@dataclass(frozen=True)
class Block:
    """A block: header and transactions (the coinbase first)."""

    header: Header
    txs: tuple[Tx, ...]

    @property
    def hash(self) -> str:
        return self.header.hash

    def serialize(self) -> bytes:
        """Block bytes with witnesses (what ``getblock`` verbosity 0 returns)."""
        return b"".join([self.header.serialize(), compact.to_bytes(len(self.txs))]
                        + [t.raw for t in self.txs])

    @property
    def size(self) -> int:
        return 80 + len(compact.to_bytes(len(self.txs))) + sum(len(t.raw) for t in self.txs)

    @property
    def stripped_size(self) -> int:
        return 80 + len(compact.to_bytes(len(self.txs))) + sum(len(t.stripped) for t in self.txs)

    @property
    def weight(self) -> int:
        return 3 * self.stripped_size + self.size

    @classmethod
    def from_raw(cls, raw: bytes | str) -> "Block":
        """Parse a serialized block (bytes or hex)."""
        if isinstance(raw, str):
            raw = bytes.fromhex(raw)
        header = Header.parse(raw[:80])
        stream = io.BytesIO(raw[80:])
        count = compact.read_from(stream)
        txs = []
        for index in range(count):
            start = stream.tell()
            try:
                tx = Transaction.read_from(stream)
            except Exception as exc:  # embit raises what its stream reader meets: EOFError, ValueError, ...
                raise DecodeError(f"block {header.hash}: transaction {index} undecodable: {exc}") from exc
            txs.append(Tx(tx, raw[80 + start:80 + stream.tell()]))
        if stream.tell() != len(raw) - 80:
            raise DecodeError(f"block {header.hash}: trailing bytes")
        return cls(header, tuple(txs))


def push_int(n: int) -> bytes:
    """Script push of a number as ``CScript() << n`` writes it (BIP-34 heights)."""
    if n == 0:
        return b"\x00"
    if 1 <= n <= 16:
        return bytes([0x50 + n])
    data = bytearray()
    while n:
        data.append(n & 0xFF)
        n >>= 8
    if data[-1] & 0x80:
        data.append(0)
    return bytes([len(data)]) + bytes(data)


def witness_root(txs: list[Tx]) -> bytes:
    """Merkle root of wtxids, the coinbase's counted as zero (BIP-141)."""
    return merkle_root([_ZERO32] + [bytes.fromhex(t.wtxid)[::-1] for t in txs[1:]])


def make_coinbase(height: int, payout_script: bytes, value: int, txs_after: list[Tx]) -> Tx:
    """Coinbase paying ``value`` to ``payout_script`` with BIP-34 height and witness commitment.

    The scriptSig is ``<height> OP_0``, as Bitcoin Core's miner writes it.
    """
    script_sig = push_int(height) + b"\x00"
    vin = [TransactionInput(_ZERO32, 0xFFFFFFFF, Script(script_sig), 0xFFFFFFFF,
                            Witness([_ZERO32]))]
    probe = [None] + list(txs_after)
    commitment = sha256d(witness_root(probe) + _ZERO32)
    vout = [TransactionOutput(value, Script(payout_script)),
            TransactionOutput(0, Script(b"\x6a\x24" + WITNESS_COMMITMENT_HEADER + commitment))]
    return Tx(Transaction(version=2, vin=vin, vout=vout, locktime=0))


def assemble(prev_hash: str, time: int, txs: list[Tx], version: int,
             bits: int = REGTEST_BITS) -> Block:
    """Build a block over ``txs`` (coinbase first) and grind the nonce to meet ``bits``."""
    root_hex = merkle_hex([t.txid_bytes[::-1] for t in txs])
    nonce = 0
    while True:
        header = Header(version, prev_hash, root_hex, time, bits, nonce)
        if header.meets_target():
            return Block(header, tuple(txs))
        nonce += 1
