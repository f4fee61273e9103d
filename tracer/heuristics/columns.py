"""The optional columns of the transfers table that heuristics read, by their names in
:mod:`tracer.transfers` (the loaders write them on request: ``tracer.load.load(..., extra=True)``).

The names below fall back to the loaders' spelling where :mod:`tracer.transfers` does not define
the constant yet, so this package works on tables from either version of the loaders.
"""
from tracer import transfers as T

#: UTXO rows: the script type (bitcoin-etl's names: ``witness_v0_keyhash``, ``pubkeyhash``,
#: ``witness_v1_taproot``, ...; an input row carries the type of the output it spends), the
#: transaction's ``nLockTime`` and ``version``, an input's ``nSequence``
SCRIPT_TYPE = getattr(T, "SCRIPT_TYPE", "script_type")
LOCKTIME = getattr(T, "LOCKTIME", "locktime")
VERSION = getattr(T, "VERSION", "version")
SEQUENCE = getattr(T, "SEQUENCE", "sequence")
#: EVM rows: the transaction's gas price (wei per gas) and its input's 4-byte selector
GAS_PRICE = getattr(T, "GAS_PRICE", "gas_price")
SELECTOR = getattr(T, "SELECTOR", "selector")
#: UTXO input rows: the output they spend (transaction hash, output index)
SPENT_TX = getattr(T, "SPENT_TX", "spent_tx_hash")
SPENT_INDEX = getattr(T, "SPENT_INDEX", "spent_index")
SYMBOL = getattr(T, "SYMBOL", "symbol")
TX_INDEX = T.TX_INDEX
