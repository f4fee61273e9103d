"""The replay log of an EVM chain: its genesis and every block's signed raw transactions.

JSON lines, one object a line: first ``{"kind": "genesis", "genesis": <geth genesis.json>}``, then
``{"kind": "block", "number": n, "timestamp": t, "txs": ["0x<raw>", ...]}`` in order. Raw signed
transactions are what a node gossips, so replaying them on a fresh node from the same genesis
gives the same tx hashes on any backend.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .genesis import Genesis


@dataclass(frozen=True)
class ReplayBlock:
    number: int
    timestamp: int
    txs: tuple[bytes, ...]


@dataclass
class ReplayLog:
    genesis: Genesis
    blocks: list[ReplayBlock] = field(default_factory=list)

    def dumps(self) -> str:
        lines = [json.dumps({"kind": "genesis", "genesis": self.genesis.to_geth_json()}, sort_keys=True)]
        for b in self.blocks:
            lines.append(json.dumps({"kind": "block", "number": b.number, "timestamp": b.timestamp,
                                     "txs": ["0x" + raw.hex() for raw in b.txs]}, sort_keys=True))
        return "\n".join(lines) + "\n"

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(self.dumps())
        tmp.replace(path)  # never leave a half-written log where a good one stood
        return path

    @classmethod
    def read(cls, path: str | Path) -> ReplayLog:
        path = Path(path)
        genesis, blocks = None, []
        with path.open() as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    kind = obj["kind"]
                    if kind == "genesis":
                        if lineno != 1:
                            raise ValueError("genesis must be the first line")
                        genesis = Genesis.from_geth_json(obj["genesis"])
                    elif kind == "block":
                        if genesis is None:
                            raise ValueError("a block comes before the genesis")
                        number = int(obj["number"])
                        expected = blocks[-1].number + 1 if blocks else 1
                        if number != expected:
                            raise ValueError(f"block {number} where block {expected} was expected")
                        txs = tuple(bytes.fromhex(t[2:] if t.startswith("0x") else t) for t in obj["txs"])
                        blocks.append(ReplayBlock(number, int(obj["timestamp"]), txs))
                    else:
                        raise ValueError(f"unknown kind {kind!r}")
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path}: line {lineno}: malformed replay log entry: {exc}") from exc
        if genesis is None:
            raise ValueError(f"{path}: empty replay log (no genesis line)")
        return cls(genesis, blocks)
