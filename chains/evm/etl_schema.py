"""Column names and order of the ethereum-etl CSV schema, as ``chains.evm.export`` writes them.

Mirrors ethereum-etl's exporters (``ethereumetl/jobs/exporters/*``) and ``docs/schema.md``; the
documentation of each file is ``docs/evm-export.md``. Encodings follow ethereum-etl's CSV exporter:
integers in decimal, addresses lower-case ``0x`` hex, hashes and byte strings ``0x`` hex as the
node returns them, lists joined with ``,``, booleans ``True``/``False``, missing values empty.
"""
from __future__ import annotations

BLOCKS = (
    "number", "hash", "parent_hash", "nonce", "sha3_uncles", "logs_bloom", "transactions_root", "state_root",
    "receipts_root", "miner", "difficulty", "total_difficulty", "size", "extra_data", "gas_limit", "gas_used",
    "timestamp", "transaction_count", "base_fee_per_gas", "withdrawals_root", "withdrawals", "blob_gas_used",
    "excess_blob_gas",
)

TRANSACTIONS = (
    "hash", "nonce", "block_hash", "block_number", "transaction_index", "from_address", "to_address", "value",
    "gas", "gas_price", "input", "block_timestamp", "max_fee_per_gas", "max_priority_fee_per_gas",
    "transaction_type", "max_fee_per_blob_gas", "blob_versioned_hashes",
)

RECEIPTS = (
    "transaction_hash", "transaction_index", "block_hash", "block_number", "cumulative_gas_used", "gas_used",
    "contract_address", "root", "status", "effective_gas_price", "l1_fee", "l1_gas_used", "l1_gas_price",
    "l1_fee_scalar", "blob_gas_price", "blob_gas_used",
)

LOGS = (
    "log_index", "transaction_hash", "transaction_index", "block_hash", "block_number", "address", "data", "topics",
)

TOKEN_TRANSFERS = (
    "token_address", "from_address", "to_address", "value", "transaction_hash", "log_index", "block_number",
)

CONTRACTS = ("address", "bytecode", "function_sighashes", "is_erc20", "is_erc721", "block_number")

TOKENS = ("address", "symbol", "name", "decimals", "total_supply", "block_number")

TRACES = (
    "block_number", "transaction_hash", "transaction_index", "from_address", "to_address", "value", "input",
    "output", "trace_type", "call_type", "reward_type", "gas", "gas_used", "subtraces", "trace_address", "error",
    "status", "trace_id",
)

#: file name -> columns, in the order :func:`chains.evm.export.export_chain` writes them
FILES = {
    "blocks.csv": BLOCKS,
    "transactions.csv": TRANSACTIONS,
    "receipts.csv": RECEIPTS,
    "logs.csv": LOGS,
    "token_transfers.csv": TOKEN_TRANSFERS,
    "contracts.csv": CONTRACTS,
    "tokens.csv": TOKENS,
    "traces.csv": TRACES,
}

#: keccak256("Transfer(address,address,uint256)"): ERC-20 and ERC-721 Transfer events
TRANSFER_EVENT_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

#: signatures a contract must implement to be flagged, as ethereum-etl's contract service checks them
ERC20_FUNCTIONS = ("totalSupply()", "balanceOf(address)", "transfer(address,uint256)",
                   "transferFrom(address,address,uint256)", "approve(address,uint256)", "allowance(address,address)")
ERC721_FUNCTIONS = ("balanceOf(address)", "ownerOf(uint256)", "approve(address,uint256)")
ERC721_TRANSFER_ANY_OF = ("transfer(address,uint256)", "transferFrom(address,address,uint256)")
