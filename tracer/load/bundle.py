"""Load many export files, or folders of them, from several chains at once."""
import re
from pathlib import Path

import pandas as pd

from tracer import transfers as T
from tracer.errors import LoadError
from tracer.load.bitcoin_etl import read as read_bitcoin_etl
from tracer.load.ethereum_etl import COLUMNS, load_ethereum_etl

EVM_TABLES = ("blocks", "transactions", "receipts", "traces", "token_transfers", "logs", "tokens")
SUFFIXES = (".csv", ".json", ".jsonl")


def _is_bitcoin(path):
    """bitcoin-etl transactions nest inputs and outputs (JSON) or carry them as columns (CSV)."""
    with open(path) as f:
        for line in f:
            if line.strip():
                if path.suffix == ".csv":
                    header = [c.strip().strip('"') for c in line.split(",")]
                    return "is_coinbase" in header or "inputs" in header
                return '"inputs"' in line or '"outputs"' in line or '"is_coinbase"' in line
    return False


# ethereum-etl's export_all and bitcoin-etl name partitions transactions_00000000_00099999.csv,
# in folders like transactions/start_block=00000000/end_block=00099999/
_PARTITIONED = re.compile(r"(?P<table>[a-z_]+?)_(?P<start>\d+)_(?P<end>\d+)")
_PARTITION_DIR = re.compile(r"(start_block|end_block|block_date|date|start_date|end_date)=.*")


def _table_and_partition(f):
    """(table, partition) of an export file, or None if it is not one."""
    m = _PARTITIONED.fullmatch(f.stem)
    table, part = (m["table"], (m["start"], m["end"])) if m else (f.stem, ())
    if table not in EVM_TABLES:
        return None
    dirs = tuple(d for d in f.parent.parts if _PARTITION_DIR.fullmatch(d))
    return table, part or dirs


def _chain_of(f):
    """The nearest folder above ``f`` that is neither a partition nor a table's folder."""
    for d in f.parents:
        if not _PARTITION_DIR.fullmatch(d.name) and d.name not in EVM_TABLES:
            return d.name
    return f.parent.name


def discover(path):
    """Group the known export files under ``path`` by chain (the name of their folder) and partition.

    Returns a dict ``{(chain, format, partition): {table: path}}`` with format "ethereum-etl" or
    "bitcoin-etl"; ``partition`` is ``()`` unless files are split by block range.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "eth"
    >>> for rel in ["transactions/start_block=0/end_block=9/transactions_0_9.csv",
    ...             "receipts/start_block=0/end_block=9/receipts_0_9.csv", "blocks.csv", "notes.txt"]:
    ...     (d / rel).parent.mkdir(parents=True, exist_ok=True); _ = (d / rel).write_text("x")
    >>> sorted((k, sorted(v)) for k, v in discover(d).items())
    [(('eth', 'ethereum-etl', ()), ['blocks']), (('eth', 'ethereum-etl', ('0', '9')), ['receipts', 'transactions'])]
    """
    path = Path(path)
    if not path.exists():
        raise LoadError(path, "no such file or folder")
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    found = {}
    for f in files:
        tp = _table_and_partition(f) if f.suffix in SUFFIXES else None
        if tp is None:
            continue
        table, part = tp
        chain = _chain_of(f)
        fmt = "bitcoin-etl" if table == "transactions" and _is_bitcoin(f) else "ethereum-etl"
        entry = found.setdefault((chain, fmt, part), {})
        if table in entry:
            raise LoadError(f, f"second {table} file for chain {chain!r} (first: {entry[table]})")
        entry[table] = f
    return found


def load(*paths, chain=None, extra=False, wrapped=()):
    """Load export files or folders into one transfers table.

    Parameters
    ----------
    *paths : str or Path
        Files or folders; folders are searched recursively for ``blocks``, ``transactions``,
        ``receipts``, ``traces``, ``token_transfers``, ``logs`` and ``tokens`` (``.csv``, ``.json``,
        ``.jsonl``), also split by block range as ethereum-etl's ``export_all`` and bitcoin-etl write
        them (``transactions_00000000_00099999.csv``, ``start_block=.../end_block=...`` folders).
    chain : str, optional
        Chain name; by default the name of the folder holding each file.
    extra : bool
        Add the columns the heuristics read (:data:`tracer.transfers.EXTRA`: script types, lock
        times, versions and sequences of UTXO rows; gas prices and input selectors of EVM rows),
        None where a column does not apply.
    wrapped : iterable of str
        EVM: addresses of WETH9-like contracts, whose wraps and unwraps are read from ``logs``
        (``Deposit``, ``Withdrawal``), besides mainnet WETH9 (:mod:`tracer.load.evm_logs`).

    Examples
    --------
    >>> import tracer.load, pathlib
    >>> data = pathlib.Path(tracer.__file__).parent.parent / "tests" / "tracer" / "data"
    >>> t = tracer.load.load(data / "eth")
    >>> sorted(set(t["kind"]))
    ['fee', 'internal', 'native', 'token']
    """
    parts = []
    for p in paths:
        found = discover(p)
        if not found:
            names = f"{', '.join(EVM_TABLES)} with {', '.join(SUFFIXES)}"
            raise LoadError(p, f"not an export file: its name must be one of {names}" if Path(p).is_file() else
                            f"no export files found in this folder or below (looked for {names}, also split by "
                            "block range: transactions_00000000_00099999.csv)")
        for (name, fmt, _), files in sorted(found.items()):
            name = chain or name
            if fmt == "bitcoin-etl":
                parts.append(read_bitcoin_etl(files["transactions"], chain=name, extra=extra, ordered=True))
            else:
                parts.append(load_ethereum_etl(files, chain=name, extra=extra, wrapped=wrapped))
    parts = [x for x in parts if len(x)]
    if not parts:
        return T.empty(COLUMNS + (T.EXTRA if extra else []))
    # the loaders return each chain's table sorted, and the sort order starts with the chain: tables
    # of distinct chains are put in chain order, not sorted again (a million rows cost seconds)
    parts.sort(key=lambda x: x[T.CHAIN].iat[0])  # a loader's table is one chain
    if len({x[T.CHAIN].iat[0] for x in parts}) < len(parts):  # one chain in several places: rows interleave
        return T.sort(pd.concat(parts, ignore_index=True))
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
