"""Load ethereum-etl exports (the schema of the public BigQuery ``crypto_ethereum`` datasets).

Extract, map, assemble. Each file is read as text columns (:mod:`tracer.load.readers`), checked and
converted (:mod:`tracer.load.parsers`), and mapped to rows of the transfers table: a transaction's
value and fee (:mod:`tracer.load.evm_transactions`), internal transfers from traces
(:mod:`tracer.load.evm_traces`), token transfers (:mod:`tracer.load.evm_tokens`). The rows stay
typed arrays until :func:`tracer.load.table.assemble` orders them and makes the table's Python
objects, once. The columns read are in :mod:`tracer.load.evm_schema` and ``docs/ethereum-etl.md``.
"""
from concurrent.futures import Future, ThreadPoolExecutor

from tracer import transfers as T
from tracer.load import evm_schema as S
from tracer.load.evm_schema import TRANSFER_TOPIC
from tracer.load.evm_logs import map_logs
from tracer.load.evm_tokens import map_token_transfers, read_tokens
from tracer.load.evm_traces import map_traces
from tracer.load.evm_transactions import map_transactions, settle
from tracer.load.parsers import BlockTimes, checksum, to_int64
from tracer.load.readers import Export, give_back, require
from tracer.load.table import assemble

# checksum and TRANSFER_TOPIC: where callers found them before the loader was split
__all__ = ["COLUMNS", "TRANSFER_TOPIC", "checksum", "load_ethereum_etl"]

#: the columns of a loaded table, in order (then :data:`tracer.transfers.EXTRA` if asked for)
COLUMNS = T.COLUMNS + [T.TX_INDEX, T.SYMBOL]


def columns_read(files, extra=False):
    """The columns read of each file, in the order they are read: the token transfers (mapped in
    a thread of their own) before the transactions, so that they are mapped while those are read.
    ``logs`` last: beside ``token_transfers`` (which hold the same ``Transfer`` events) only their
    wraps and unwraps of WETH are decoded (:mod:`tracer.load.evm_logs`)."""
    return {"blocks": S.BLOCK_COLUMNS, "tokens": S.TOKEN_COLUMNS + S.TOKEN_OPTIONAL,
            "token_transfers": S.TOKEN_TRANSFER_COLUMNS + S.TOKEN_TRANSFER_OPTIONAL,
            "transactions": S.TRANSACTION_COLUMNS + S.TRANSACTION_OPTIONAL + (S.TRANSACTION_EXTRA if extra else []),
            "receipts": S.RECEIPT_COLUMNS + S.RECEIPT_OPTIONAL, "traces": S.TRACE_COLUMNS + S.TRACE_OPTIONAL,
            "logs": S.LOG_COLUMNS + S.LOG_OPTIONAL}


def read_blocks(files):
    """Block times from the ``blocks`` file (none known without one)."""
    if "blocks" not in files:
        return BlockTimes()
    p = files["blocks"]
    b = files.read("blocks")
    require(b, S.BLOCK_COLUMNS, p)
    return BlockTimes(to_int64(b["number"], p, "number"), to_int64(b["timestamp"], p, "timestamp"))


def load_ethereum_etl(files, chain="ethereum", extra=False, wrapped=()):
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
    wrapped : iterable of str
        Addresses of WETH9-like contracts (wraps and unwraps as ``Deposit`` and ``Withdrawal``
        events, without ``Transfer``) besides those of :data:`tracer.load.evm_schema.WRAPPED_NATIVE`
        (mainnet WETH9): their wraps are read from ``logs``.

    Returns
    -------
    pandas.DataFrame
        Transfers (:data:`COLUMNS`), in :func:`tracer.transfers.sort` order: successful
        transactions with value > 0 (kind ``native``), their gas fee (kind ``fee``, to
        :data:`tracer.transfers.FEE_ADDRESS`, when receipt fields are present), successful nested
        traces that move value (``internal``), and token transfers (``token``; decoded from
        ``logs`` when there is no ``token_transfers`` file), WETH's mints and burns included.

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
    with Export(files, columns_read(files, extra)) as export, ThreadPoolExecutor(1) as pool:
        blocks, tokens, parts, txs = read_blocks(export), read_tokens(export), [], None
        # token transfers are mapped beside the transactions: they look up their transactions' rows
        # as soon as the hashes are read (found), and join them once the transactions are done
        found, mapped = Future(), Future()
        later = pool.submit(map_token_transfers, export, blocks, tokens, mapped.result, found.result) \
            if "token_transfers" in export else None
        try:
            if "transactions" in export:
                parts, txs = map_transactions(export, blocks, extra, index=found, made=mapped)
                give_back()
        except BaseException as e:
            for f in (found, mapped):  # the token transfers stop waiting
                settle(f, error=e)
            raise
        settle(found)  # no transactions file (else already set)
        settle(mapped, txs)
        if "traces" in export:
            parts += map_traces(export, blocks, txs)
        known = later.result() if later is not None else []
        parts += known
        if "logs" in export:
            parts += map_logs(export, blocks, tokens, txs, _wrapped(wrapped), transfers=later is None, known=known)
    parts, txs = [x for x in parts if x.n], None  # the transactions' index is no longer needed
    table = assemble(parts, chain, columns) if parts else T.empty(columns)
    give_back()
    return table


def _wrapped(extra):
    """The lower-case addresses of the WETH9-like contracts whose wraps are read."""
    if isinstance(extra, str):
        extra = [extra]
    return set(S.WRAPPED_NATIVE) | {a.strip().lower() for a in extra}
