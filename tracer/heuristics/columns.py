"""The optional columns of the transfers table that heuristics read, by their names in
:mod:`tracer.transfers` (the loaders write them on request: ``tracer.load.load(..., extra=True)``).

UTXO rows: the script type (bitcoin-etl's names: ``witness_v0_keyhash``, ``pubkeyhash``,
``witness_v1_taproot``, ...; an input row carries the type of the output it spends), the
transaction's ``nLockTime`` and ``version``, an input's ``nSequence``. EVM rows: the transaction's
gas price (wei per gas) and its input's 4-byte selector.
"""
from tracer import transfers as T

SCRIPT_TYPE, LOCKTIME, VERSION, SEQUENCE = T.SCRIPT_TYPE, T.LOCKTIME, T.VERSION, T.SEQUENCE
GAS_PRICE, SELECTOR = T.GAS_PRICE, T.SELECTOR
SYMBOL, TX_INDEX = T.SYMBOL, T.TX_INDEX
#: UTXO input rows: the output they spend (transaction hash, output index), where the loaders name it
SPENT_TX, SPENT_INDEX = T.SPENT_TX, T.SPENT_INDEX
