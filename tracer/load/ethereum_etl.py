"""Load ethereum-etl exports (the schema of the public BigQuery ``crypto_ethereum`` datasets).

Extract, map, assemble. Each file is read as text columns (:mod:`tracer.load.readers`), checked and
converted (:mod:`tracer.load.parsers`), and mapped to rows of the transfers table: a transaction's
value and fee (:mod:`tracer.load.evm_transactions`), internal transfers from traces
(:mod:`tracer.load.evm_traces`), token transfers (:mod:`tracer.load.evm_tokens`). The rows stay
typed arrays until :func:`tracer.load.table.assemble` orders them and makes the table's Python
objects, once. The columns read are in :mod:`tracer.load.evm_schema` and ``docs/ethereum-etl.md``.
"""
from tracer import transfers as T
from tracer.load.evm_schema import BLOCK_COLUMNS, TRANSFER_TOPIC
from tracer.load.evm_tokens import map_logs, map_token_transfers, read_tokens
from tracer.load.evm_traces import map_traces
from tracer.load.evm_transactions import map_transactions
from tracer.load.parsers import BlockTimes, checksum, to_int64
from tracer.load.readers import read_arrow, require
from tracer.load.table import assemble

# checksum and TRANSFER_TOPIC: where callers found them before the loader was split
__all__ = ["COLUMNS", "load_ethereum_etl", "checksum", "TRANSFER_TOPIC"]

#: the columns of a loaded table, in order (then :data:`tracer.transfers.EXTRA` if asked for)
COLUMNS = T.COLUMNS + [T.TX_INDEX, T.SYMBOL]


def read_blocks(files):
    """Block times from the ``blocks`` file (none known without one)."""
    if "blocks" not in files:
        return BlockTimes()
    p = files["blocks"]
    b = read_arrow(p, BLOCK_COLUMNS)
    require(b, BLOCK_COLUMNS, p)
    return BlockTimes(to_int64(b["number"], p, "number"), to_int64(b["timestamp"], p, "timestamp"))


def load_ethereum_etl(files, chain="ethereum", extra=False):
    """Load ethereum-etl export files of one chain into a transfers table.

    Parameters
    ----------
    files : dict
        Maps a table name (``transactions``, ``receipts``, ``traces``, ``token_transfers``,
        ``logs``, ``blocks``, ``tokens``) to a path (CSV, or JSON lines if it ends in ``.json``/``.jsonl``);
        absent tables are skipped.
    chain : str
        Chain name written to the ``chain`` column.
    extra : bool
        Add the heuristics' columns (:data:`tracer.transfers.EXTRA`): here each row's transaction's
        gas price and input selector, the UTXO ones None.

    Returns
    -------
    pandas.DataFrame
        Transfers (:data:`COLUMNS`), in :func:`tracer.transfers.sort` order: successful
        transactions with value > 0 (kind ``native``), their gas fee (kind ``fee``, to
        :data:`tracer.transfers.FEE_ADDRESS`, when receipt fields are present), successful nested
        traces that move value (``internal``), and token transfers (``token``; decoded from
        ``logs`` when there is no ``token_transfers`` file).

    Raises
    ------
    tracer.errors.LoadError
        A file is unreadable, lacks a required column, or holds an impossible value; the error
        names the file, the row (1-based, header excluded) and the column.

    Warns
    -----
    tracer.errors.LoadWarning
        Transactions without a receipt status: a failed one cannot be told from one that succeeded.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "transactions.csv")
    >>> _ = open(p, "w").write("hash,block_number,block_timestamp,from_address,to_address,value,receipt_status\\n"
    ...     "0xaa,1,1700000000,0x" + "1"*40 + ",0x" + "2"*40 + ",1000000000000000000,1\\n"
    ...     "0xbb,1,1700000000,0x" + "1"*40 + ",0x" + "2"*40 + ",5,0\\n")
    >>> t = load_ethereum_etl({"transactions": p})
    >>> t[["tx_hash", "amount", "kind", "symbol"]].to_dict("records")
    [{'tx_hash': '0xaa', 'amount': 1000000000000000000, 'kind': 'native', 'symbol': 'ETH'}]
    """
    columns = COLUMNS + (T.EXTRA if extra else [])
    blocks, tokens, parts, txs = read_blocks(files), read_tokens(files), [], None
    if "transactions" in files:
        parts, txs = map_transactions(files, blocks, extra)
    if "traces" in files:
        parts += map_traces(files, blocks, txs)
    if "token_transfers" in files:
        parts += map_token_transfers(files, blocks, tokens, txs)
    elif "logs" in files:  # the same transfers, decoded here (both would count them twice)
        parts += map_logs(files, blocks, tokens, txs)
    parts, txs = [x for x in parts if x.n], None  # the transactions' index is no longer needed
    if not parts:
        return T.empty(columns)
    return assemble(parts, chain, columns)
