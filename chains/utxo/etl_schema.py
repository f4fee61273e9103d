"""Field names of bitcoin-etl's JSON exports (blocks.json, transactions.json), in their order.

Mirrored in ``docs/bitcoin-etl.md``. Source: the schema in blockchain-etl/bitcoin-etl's README
and its mappers (``block_mapper``, ``transaction_mapper``, ``transaction_input_mapper``,
``transaction_output_mapper``). Values are integers in satoshi.
"""

BLOCK_FIELDS = (
    "hash", "size", "stripped_size", "weight", "number", "version", "merkle_root", "timestamp",
    "nonce", "bits", "coinbase_param", "transaction_count",
)

TRANSACTION_FIELDS = (
    "hash", "size", "virtual_size", "version", "lock_time", "block_number", "block_hash",
    "block_timestamp", "is_coinbase", "index", "inputs", "outputs", "input_count",
    "output_count", "input_value", "output_value", "fee",
)

INPUT_FIELDS = (
    "index", "spent_transaction_hash", "spent_output_index", "script_asm", "script_hex",
    "sequence", "required_signatures", "type", "addresses", "value",
)

OUTPUT_FIELDS = (
    "index", "script_asm", "script_hex", "required_signatures", "type", "addresses", "value",
)

#: bitcoin-etl's type for outputs without an address (its ``_add_non_standard_addresses``).
NONSTANDARD = "nonstandard"
