"""The pure-Python backend: py-evm through eth-tester, in process, for machines without Node.js.

Slower than anvil and without a trace API, so internal transfers are only known from the events
contracts emit. eth-tester fixes the chain id and draws each block's ``prevrandao`` from
``os.urandom``; both are overridden so that a chain is reproducible block hash for block hash.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from eth_hash.auto import keccak
from eth_tester import EthereumTester, PyEVMBackend
from eth_utils import ValidationError, to_canonical_address
from web3 import EthereumTesterProvider, Web3
from web3.providers.eth_tester.defaults import API_ENDPOINTS, static_return
from web3.utils.address import get_create_address

from ..genesis import Genesis
from .base import Backend, BlockData, Capabilities, TransactionRejected, json_rpc_shape


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
        prevrandao = keccak(b"tracelab-prevrandao" + chain.header.parent_hash)
        try:
            chain.mine_all(txs, coinbase=b"\x00" * 20, mix_hash=prevrandao)
        except ValidationError as exc:  # py-evm checks a sender's funds and nonce here
            raise TransactionRejected(f"py-evm refused the block's transactions: {exc}") from exc
        return chain.get_canonical_head().block_number

    def snapshot(self):
        return self.tester.take_snapshot()

    def revert(self, snapshot_id) -> None:
        self._queue = []
        self.tester.revert_to_snapshot(snapshot_id)

    def fetch_blocks(self, numbers: Sequence[int]) -> Iterator[BlockData]:
        """Transactions and receipts straight from py-evm's database, the header through web3.

        eth-tester finds each transaction by hash with a scan of the whole chain, and rebuilds a
        block's receipts for every single receipt asked for (n^2 for a block of n transactions);
        here each block is read once.
        """
        chain = self._backend.chain
        for n in numbers:
            block = json_rpc_shape(self.w3.eth.get_block(n))
            mined = chain.get_canonical_block_by_number(n)
            txs = _transactions(mined)
            if [t["hash"] for t in txs] != block["transactions"]:
                raise RuntimeError(f"block {n}: py-evm's transactions differ from the node's")
            block["transactions"] = txs
            yield block, _receipts(mined, txs, mined.get_receipts(chain.chaindb)), []

    def close(self) -> None:
        pass


def _paid_price(tx, base_fee: int) -> int:
    """What a node reports as the gas price of a mined transaction: for EIP-1559, the price it paid."""
    if (tx.type_id or 0) >= 2:
        return min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas)
    return tx.gas_price


def _transactions(block) -> list[dict]:
    """A py-evm block's transactions in JSON-RPC shape."""
    base_fee = getattr(block.header, "base_fee_per_gas", 0) or 0
    block_hash = "0x" + block.hash.hex()
    out = []
    for i, tx in enumerate(block.transactions):
        row = {"hash": "0x" + tx.hash.hex(), "nonce": tx.nonce, "blockHash": block_hash,
               "blockNumber": block.number, "transactionIndex": i, "from": "0x" + tx.sender.hex(),
               "to": "0x" + tx.to.hex() if tx.to else None, "value": tx.value, "gas": tx.gas,
               "input": "0x" + bytes(tx.data).hex(), "type": tx.type_id or 0, "gasPrice": _paid_price(tx, base_fee)}
        if (tx.type_id or 0) >= 2:
            row.update(maxFeePerGas=tx.max_fee_per_gas, maxPriorityFeePerGas=tx.max_priority_fee_per_gas)
        out.append(row)
    return out


def _receipts(block, txs: list[dict], receipts) -> list[dict]:
    """A py-evm block's receipts in JSON-RPC shape, beside its transactions from :func:`_transactions`."""
    out, previous, log_index = [], 0, 0
    for i, (tx, receipt) in enumerate(zip(txs, receipts, strict=True)):
        logs = []
        for lg in receipt.logs:
            logs.append({"logIndex": log_index, "transactionHash": tx["hash"], "transactionIndex": i,
                         "blockHash": tx["blockHash"], "blockNumber": block.number, "address": "0x" + lg.address.hex(),
                         "data": "0x" + bytes(lg.data).hex(),
                         "topics": ["0x" + t.to_bytes(32, "big").hex() for t in lg.topics]})
            log_index += 1
        created = get_create_address(tx["from"], tx["nonce"]).lower() if not tx["to"] else None
        # py-evm's receipt holds the block's gas used so far, and its status where a state root was
        out.append({"transactionHash": tx["hash"], "transactionIndex": i, "blockHash": tx["blockHash"],
                    "blockNumber": block.number, "cumulativeGasUsed": receipt.gas_used,
                    "gasUsed": receipt.gas_used - previous, "contractAddress": created,
                    "status": 1 if receipt.state_root == b"\x01" else 0,
                    "effectiveGasPrice": tx["gasPrice"], "logs": logs})
        previous = receipt.gas_used
    return out
