"""The pure-Python backend: py-evm through eth-tester, in process, for machines without Node.js.

Slower than anvil and without a trace API, so internal transfers are only known from the events
contracts emit. eth-tester fixes the chain id and draws each block's ``prevrandao`` from
``os.urandom``; both are overridden so that a chain is reproducible block hash for block hash.
"""
from __future__ import annotations

from typing import Sequence

from eth_hash.auto import keccak
from eth_tester import EthereumTester, PyEVMBackend
from eth_utils import to_canonical_address
from web3 import EthereumTesterProvider, Web3
from web3.providers.eth_tester.defaults import API_ENDPOINTS, static_return

from ..genesis import Genesis
from .base import Backend, Capabilities


class PyEvmBackend(Backend):
    name = "pyevm"
    caps = Capabilities(trace_api=False, rpc_url=False, unlocked_dev_accounts=False)

    def __init__(self, genesis: Genesis, **_ignored):  # e.g. anvil's ``history``: py-evm keeps every state
        self.genesis = genesis
        params = PyEVMBackend.generate_genesis_params(overrides={
            "gas_limit": genesis.gas_limit,
            "timestamp": genesis.timestamp,
        })
        params["base_fee_per_gas"] = genesis.base_fee  # not among eth-tester's overridable fields
        state = {to_canonical_address(addr): {"balance": bal, "nonce": 0, "code": b"", "storage": {}}
                 for addr, bal in genesis.alloc.items()}
        self._backend = PyEVMBackend(genesis_parameters=params, genesis_state=state)
        self._backend.chain.chain_id = genesis.chain_id
        self.tester = EthereumTester(backend=self._backend, auto_mine_transactions=False)
        self._queue: list[bytes] = []
        # web3's tester provider answers eth_chainId with a constant; answer with ours
        endpoints = {ns: dict(methods) for ns, methods in API_ENDPOINTS.items()}
        endpoints["eth"]["chainId"] = static_return(genesis.chain_id)
        self.w3 = Web3(EthereumTesterProvider(self.tester, api_endpoints=endpoints))
        if genesis.alloc:
            # py-evm checks that the sender of an eth_call can afford its gas, and a call without
            # "from" comes from an empty address; let calls come from the richest genesis account
            self.w3.eth.default_account = max(genesis.alloc.items(), key=lambda kv: (kv[1], kv[0]))[0]

    @property
    def evm_chain(self):
        """py-evm's chain object, for readers that go faster straight to its database (the export)."""
        return self._backend.chain

    def send_raw(self, raws: Sequence[bytes]) -> list[bytes]:
        # Queued here and applied at mine time: eth-tester's own pending pool checks each nonce
        # against the last block, so a sender could not queue two transactions in one block.
        builder = self._backend.chain.get_transaction_builder()
        hashes = []
        for raw in raws:
            try:
                hashes.append(builder.decode(bytes(raw)).hash)
            except Exception as exc:
                raise ValueError(f"not a valid signed transaction: {exc}") from exc
        self._queue.extend(bytes(r) for r in raws)
        return hashes

    def mine(self, timestamp: int) -> int:
        chain = self._backend.chain
        # the pending header carries the wall clock; the block must carry simulated time, and the
        # transactions must execute under it (TIMESTAMP opcode), so set it before they are applied
        chain.header = chain.header.copy(timestamp=timestamp)
        builder = chain.get_transaction_builder()
        txs = [builder.decode(raw) for raw in self._queue]
        self._queue = []
        # all at once: applying one by one rebuilds the block per transaction, quadratic in its size;
        # prevrandao derived from the parent instead of eth-tester's os.urandom, so blocks hash the same every run
        chain.mine_all(txs, coinbase=b"\x00" * 20, mix_hash=keccak(b"tracelab-prevrandao" + chain.header.parent_hash))
        return chain.get_canonical_head().block_number

    def snapshot(self):
        return self.tester.take_snapshot()

    def revert(self, snapshot_id) -> None:
        self._queue = []
        self.tester.revert_to_snapshot(snapshot_id)

    def close(self) -> None:
        pass
