"""The seam between the lab and an EVM node: what every backend does, and what only some can.

Two backends implement it (as eth-tester does with its backends): :class:`~chains.evm.backends.anvil.AnvilBackend`
(a real node process, fast, with a trace API) and :class:`~chains.evm.backends.pyevm.PyEvmBackend` (py-evm in
process, for machines without Node.js). ``tests/chains/evm/test_backend_conformance.py`` holds one test
class that every backend subclass runs; capability flags say which tests apply.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from web3 import Web3

from ..genesis import Genesis


#: One block as an export reads it: the block with its full transactions, its receipts (each with
#: its logs) and its Parity-style traces (empty without a trace API). JSON-RPC field names; a
#: quantity may be a hex string or an int, as nodes and web3 differ (the export reads both).
BlockData = tuple[dict, list[dict], list[dict]]


def json_rpc_shape(obj: Any) -> Any:
    """web3's formatted result as plain JSON (hex strings for bytes), like a JSON-RPC reply."""
    return json.loads(Web3.to_json(obj))


class BackendUnavailable(RuntimeError):
    """The requested backend cannot run on this machine (e.g. no anvil binary)."""


class TransactionRejected(RuntimeError):
    """The node refused a transaction it was sent, or would not mine it into the block asked for
    (a sender short of funds, a nonce out of turn)."""


class NotSupported(RuntimeError):
    """The backend lacks a capability (see :class:`Capabilities`)."""


@dataclass(frozen=True)
class Capabilities:
    #: Parity-style ``trace_*`` API: internal ETH transfers out of contracts are visible.
    trace_api: bool
    #: an external Ethereum client can connect to :attr:`Backend.url`
    rpc_url: bool
    #: dev accounts are unlocked for ``eth_sendTransaction``
    unlocked_dev_accounts: bool


class Backend(ABC):
    """One running EVM chain.

    A backend only queues signed transactions and mines them at a timestamp the caller chooses;
    signing, nonces and time live in :class:`~chains.evm.chain.EvmChain`.
    """

    name: ClassVar[str]
    caps: ClassVar[Capabilities]
    w3: Web3
    genesis: Genesis
    url: str | None = None

    @abstractmethod
    def send_raw(self, raws: Sequence[bytes]) -> list[bytes]:
        """Queue signed raw transactions (not mined yet); return their hashes, in order.

        A node that checks a transaction on arrival raises :class:`TransactionRejected` here;
        one that checks at mining time, in :meth:`mine`.
        """

    @abstractmethod
    def mine(self, timestamp: int) -> int:
        """Mine every queued transaction into one block at ``timestamp``; return its number.

        A backend that cannot mine them all raises :class:`TransactionRejected`, or mines the rest
        (the lab checks each block's transactions against what it sent).
        """

    @abstractmethod
    def snapshot(self) -> Any: ...

    @abstractmethod
    def revert(self, snapshot_id: Any) -> None: ...

    def blocks_tx_hashes(self, numbers: Sequence[int]) -> list[list[bytes]]:
        """The hashes of each block's transactions, in block order (a node answers them all in one
        round trip)."""
        return [[bytes(h) for h in self.w3.eth.get_block(n)["transactions"]] for n in numbers]

    def receipt_status(self, tx_hash: bytes) -> int:
        """The status of a mined transaction's receipt (1 success, 0 reverted); web3's
        ``TransactionNotFound`` for a transaction not mined."""
        return self.w3.eth.get_transaction_receipt(tx_hash)["status"]

    def receipt_statuses(self, tx_hashes: Sequence[bytes]) -> list[int]:
        """:meth:`receipt_status` of many transactions (a node backend asks in one request)."""
        return [self.receipt_status(h) for h in tx_hashes]

    def trace_block(self, number: int) -> list[dict]:
        """Parity-style traces of every transaction in block ``number``."""
        raise NotSupported(f"the {self.name} backend has no trace API: internal transfers are not visible")

    def fetch_blocks(self, numbers: Sequence[int]) -> Iterator[BlockData]:
        """Blocks ``numbers`` in order, each with its transactions, receipts and traces (see :data:`BlockData`).

        Here through web3, one request a transaction: right on any node, and slow. A backend
        overrides it with a faster way to the same answers; the conformance tests check that the
        two agree, row for row of the export.
        """
        for n in numbers:
            # web3's tester provider leaves full transactions inside a block unformatted (snake_case
            # keys); fetched one by one they come in JSON-RPC shape
            block = json_rpc_shape(self.w3.eth.get_block(n))
            hashes = block["transactions"]
            block["transactions"] = [json_rpc_shape(self.w3.eth.get_transaction(h)) for h in hashes]
            receipts = [json_rpc_shape(self.w3.eth.get_transaction_receipt(h)) for h in hashes]
            yield block, receipts, self.trace_block(n) if self.caps.trace_api else []

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
