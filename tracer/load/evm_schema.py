"""The ethereum-etl columns the tracer reads, file by file (mirrored in ``docs/ethereum-etl.md``).

``*_COLUMNS`` must be in a file (loading fails naming the first one missing); ``*_OPTIONAL`` are
read when present. Names are ethereum-etl's (``docs/schema.md``) and, for ``receipt_*``, the
public BigQuery ``crypto_ethereum.transactions`` table's.
"""
TRANSACTION_COLUMNS = ["hash", "block_number", "from_address", "to_address", "value"]
TRANSACTION_OPTIONAL = ["transaction_index", "block_timestamp", "receipt_status", "receipt_gas_used",
                        "receipt_effective_gas_price", "receipt_contract_address", "gas_price"]
#: read only for the heuristics' columns (``extra=True``): calldata can be long
TRANSACTION_EXTRA = ["input"]
RECEIPT_COLUMNS = ["transaction_hash", "status", "gas_used"]
RECEIPT_OPTIONAL = ["effective_gas_price", "contract_address"]
TRACE_COLUMNS = ["transaction_hash", "block_number", "from_address", "to_address", "value",
                 "trace_type", "status", "trace_address"]
TRACE_OPTIONAL = ["block_timestamp", "transaction_index", "call_type", "error"]
#: trace types that move value: a call, a contract created with value, a selfdestruct's balance
VALUE_TRACES = ["call", "create", "suicide"]
#: calls that move no value of their own: delegatecall and callcode run another contract's code in
#: the caller's context (callcode's value goes back to the caller; parity reports a delegatecall with
#: its parent's value), a staticcall cannot carry any
NO_VALUE_CALLS = ["delegatecall", "callcode", "staticcall"]
TOKEN_TRANSFER_COLUMNS = ["token_address", "from_address", "to_address", "value",
                          "transaction_hash", "log_index", "block_number"]
TOKEN_TRANSFER_OPTIONAL = ["block_timestamp"]
LOG_COLUMNS = ["log_index", "transaction_hash", "block_number", "address", "data", "topics"]
LOG_OPTIONAL = ["block_timestamp", "transaction_index"]
#: keccak256("Transfer(address,address,uint256)"): ERC-20 (three topics; ERC-721 indexes a fourth)
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
#: keccak256("Deposit(address,uint256)") and keccak256("Withdrawal(address,uint256)"): WETH9's wrap
#: and unwrap, two topics (the event name, the indexed account) and the 32-byte amount in ``data``
DEPOSIT_TOPIC = "0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c"
WITHDRAWAL_TOPIC = "0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65"
#: contracts known to run WETH9's code, which emits no Transfer when it mints or burns: their
#: Deposit and Withdrawal events are read as token movements (:mod:`tracer.load.evm_logs`)
WRAPPED_NATIVE = {"0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2": "WETH9, Ethereum mainnet"}
BLOCK_COLUMNS = ["number", "timestamp"]
TOKEN_COLUMNS = ["address", "decimals"]
TOKEN_OPTIONAL = ["symbol"]
