"""Lab blockchains that really execute: an EVM chain (anvil or py-evm) and a Bitcoin-like UTXO ledger.

`chains` knows nothing of typologies or of tracing: it executes transactions, keeps a replay log
and writes exports in public schemas.
"""
