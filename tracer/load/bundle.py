"""Load many export files, or folders of them, from several chains at once."""
from pathlib import Path

import pandas as pd

from tracer import transfers as T
from tracer.errors import LoadError
from tracer.load.bitcoin_etl import load_bitcoin_etl
from tracer.load.ethereum_etl import load_ethereum_etl

EVM_TABLES = ("blocks", "transactions", "receipts", "traces", "token_transfers", "logs", "tokens")
SUFFIXES = (".csv", ".json", ".jsonl")


def _is_bitcoin(path):
    with open(path) as f:
        for line in f:
            if line.strip():
                return '"inputs"' in line or '"outputs"' in line or '"is_coinbase"' in line
    return False


def discover(path):
    """Group the known export files under ``path`` by chain (the name of their folder).

    Returns a dict ``{chain: {"format": "ethereum-etl"|"bitcoin-etl", "files": {table: path}}}``.
    """
    path = Path(path)
    if not path.exists():
        raise LoadError(path, "no such file or folder")
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    found = {}
    for f in files:
        if f.suffix not in SUFFIXES or f.stem not in EVM_TABLES:
            continue
        chain = f.parent.name
        fmt = "bitcoin-etl" if f.suffix != ".csv" and f.stem == "transactions" and _is_bitcoin(f) else "ethereum-etl"
        entry = found.setdefault((chain, fmt), {})
        if f.stem in entry:
            raise LoadError(f, f"second {f.stem} file for chain {chain!r} (first: {entry[f.stem]})")
        entry[f.stem] = f
    return found


def load(*paths, chain=None):
    """Load export files or folders into one transfers table.

    Parameters
    ----------
    *paths : str or Path
        Files or folders; folders are searched recursively for ``blocks``, ``transactions``,
        ``receipts``, ``traces``, ``token_transfers``, ``logs`` and ``tokens`` (``.csv``, ``.json``, ``.jsonl``).
    chain : str, optional
        Chain name; by default the name of the folder holding each file.

    Examples
    --------
    >>> import tracer.load, pathlib
    >>> data = pathlib.Path(tracer.__file__).parent.parent / "tests" / "tracer" / "data"
    >>> t = tracer.load.load(data / "eth")
    >>> sorted(set(t["kind"]))
    ['fee', 'internal', 'native', 'token']
    """
    parts, sorted_parts = [], []
    for p in paths:
        for (name, fmt), files in sorted(discover(p).items()):
            name = chain or name
            if fmt == "bitcoin-etl":
                parts.append(load_bitcoin_etl(files["transactions"], chain=name))
            else:
                parts.append(load_ethereum_etl(files, chain=name))
                sorted_parts.append(parts[-1])
    parts = [x for x in parts if len(x)]
    if len(parts) == 1 and any(parts[0] is x for x in sorted_parts):
        return parts[0]  # load_ethereum_etl returns it sorted; sorting a million rows again costs seconds
    return T.sort(pd.concat(parts, ignore_index=True)) if parts else T.empty()
