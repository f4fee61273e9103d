"""Replay log of the UTXO chain: raw blocks as JSON lines, which rebuild the ledger exactly.

Line 1 is a header ``{"format": "tracelab-utxo-replay", "version": 1, "genesis": HASH}``;
each further line is ``{"height": H, "hash": HASH, "raw": HEX}`` for blocks 1..tip. Reading
validates every block again (signatures, values, double spends), so a log that was tampered
with does not load.
"""
import json
from pathlib import Path

from chains.utxo.block import Block
from chains.utxo.errors import BlockRejected
from chains.utxo.ledger import Ledger
from chains.utxo.tx import DecodeError

FORMAT = "tracelab-utxo-replay"
VERSION = 1


class ReplayError(ValueError):
    """A replay log that cannot be read or does not rebuild (names the file and line)."""


def write_replay(ledger: Ledger, path: str | Path) -> int:
    """Write the replay log of ``ledger``; return the number of blocks written."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps({"format": FORMAT, "version": VERSION,
                            "genesis": ledger.blocks[0].hash}) + "\n")
        for height in range(1, ledger.height + 1):
            block = ledger.blocks[height]
            f.write(json.dumps({"height": height, "hash": block.hash,
                                "raw": block.serialize().hex()}) + "\n")
    return ledger.height


def read_replay(path: str | Path) -> Ledger:
    """Rebuild a ledger from a replay log, validating every block.

    Raises
    ------
    ReplayError
        Naming the file, line and what is wrong.
    """
    ledger = Ledger()
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            where = f"{path}:{lineno}"
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise ReplayError(f"{where}: not JSON ({exc})") from None
            if lineno == 1:
                if item.get("format") != FORMAT or item.get("version") != VERSION:
                    raise ReplayError(f"{where}: not a {FORMAT} v{VERSION} header")
                if item.get("genesis") != ledger.blocks[0].hash:
                    raise ReplayError(f"{where}: genesis {item.get('genesis')} is not regtest's")
                continue
            for field in ("height", "hash", "raw"):
                if field not in item:
                    raise ReplayError(f"{where}: missing field {field!r}")
            if item["height"] != ledger.height + 1:
                raise ReplayError(f"{where}: height {item['height']}, expected "
                                  f"{ledger.height + 1}")
            try:
                block = Block.from_raw(item["raw"])
            except (DecodeError, ValueError) as exc:
                raise ReplayError(f"{where}: field 'raw' is not a block ({exc})") from None
            if block.hash != item["hash"]:
                raise ReplayError(f"{where}: field 'hash' is {item['hash']}, the block hashes "
                                  f"to {block.hash}")
            try:
                ledger.connect_block(block)
            except BlockRejected as exc:
                raise ReplayError(f"{where}: block rejected: {exc}") from None
    return ledger
