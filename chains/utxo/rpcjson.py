"""Bitcoin Core's JSON views of transactions, blocks and outputs, and its amount format.

Amounts in Bitcoin Core's RPC are BTC as JSON numbers with eight decimals (``50.00000000``).
They are computed from integer satoshi and written digit by digit, never through a float.
"""
import json

from chains.utxo import scripts
from chains.utxo.block import Block
from chains.utxo.params import COIN, REGTEST_BITS, bits_to_target
from chains.utxo.tx import Tx


class Btc:
    """An amount in satoshi that serializes as a BTC JSON number (``1.23450000``)."""

    __slots__ = ("sats",)

    def __init__(self, sats: int):
        if not isinstance(sats, int):
            raise TypeError("amounts are integer satoshi")
        self.sats = sats

    def __str__(self) -> str:
        sign = "-" if self.sats < 0 else ""
        whole, frac = divmod(abs(self.sats), COIN)
        return f"{sign}{whole}.{frac:08d}"

    def __eq__(self, other):
        return isinstance(other, Btc) and other.sats == self.sats

    def __repr__(self):
        return f"Btc({self})"


def dumps(obj) -> str:
    """JSON text of ``obj``, writing :class:`Btc` values as exact decimal numbers."""
    if isinstance(obj, Btc):
        return str(obj)
    if isinstance(obj, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + dumps(v) for k, v in obj.items()) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in obj) + "]"
    return json.dumps(obj)


def script_pubkey_json(script: bytes) -> dict:
    """The ``scriptPubKey`` object of an output."""
    out = {"asm": scripts.asm(script), "desc": scripts.descriptor(script), "hex": script.hex()}
    addr = scripts.address(script)
    if addr is not None:
        out["address"] = addr
    out["type"] = scripts.classify(script)
    return out


def tx_json(tx: Tx) -> dict:
    """``decoderawtransaction``'s object for ``tx``."""
    t = tx.tx
    vin = []
    for inp in t.vin:
        if tx.is_coinbase:
            entry = {"coinbase": inp.script_sig.data.hex()}
        else:
            entry = {"txid": inp.txid.hex(), "vout": inp.vout,
                     "scriptSig": {"asm": scripts.asm(inp.script_sig.data, sighash_decode=True),
                                   "hex": inp.script_sig.data.hex()}}
        if inp.witness.items:
            entry["txinwitness"] = [item.hex() for item in inp.witness.items]
        entry["sequence"] = inp.sequence
        vin.append(entry)
    vout = [{"value": Btc(out.value), "n": n,
             "scriptPubKey": script_pubkey_json(out.script_pubkey.data)}
            for n, out in enumerate(t.vout)]
    return {"txid": tx.txid, "hash": tx.wtxid, "version": t.version, "size": tx.size,
            "vsize": tx.vsize, "weight": tx.weight, "locktime": t.locktime, "vin": vin,
            "vout": vout}


def target_hex(bits: int = REGTEST_BITS) -> str:
    return f"{bits_to_target(bits):064x}"


def difficulty(bits: int = REGTEST_BITS) -> float:
    """Bitcoin Core's ``GetDifficulty`` (a float in Core's RPC too; not an amount)."""
    shift = (bits >> 24) & 0xFF
    diff = 0x0000FFFF / (bits & 0x00FFFFFF)
    while shift < 29:
        diff *= 256.0
        shift += 1
    while shift > 29:
        diff /= 256.0
        shift -= 1
    return diff


def chainwork_hex(height: int, bits: int = REGTEST_BITS) -> str:
    """Cumulative work up to ``height`` (every block has the same target in the lab)."""
    work = (1 << 256) // (bits_to_target(bits) + 1)
    return f"{work * (height + 1):064x}"


def header_json(block: Block, height: int, tip_height: int, mtp: int,
                next_hash: str | None) -> dict:
    """Fields shared by ``getblockheader`` and ``getblock``."""
    h = block.header
    out = {"hash": block.hash, "confirmations": tip_height - height + 1, "height": height,
           "version": h.version, "versionHex": f"{h.version:08x}", "merkleroot": h.merkle_root,
           "time": h.time, "mediantime": mtp, "nonce": h.nonce, "bits": f"{h.bits:08x}",
           "target": target_hex(h.bits), "difficulty": difficulty(h.bits),
           "chainwork": chainwork_hex(height, h.bits), "nTx": len(block.txs)}
    if height > 0:
        out["previousblockhash"] = h.prev_hash
    if next_hash is not None:
        out["nextblockhash"] = next_hash
    return out
