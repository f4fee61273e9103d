"""Read export files (CSV or JSON lines) as pyarrow tables of text, nothing converted yet.

Every column comes back as strings, the empty string for missing, so that a uint256 reaches the
parsers (:mod:`tracer.load.parsers`) intact and one set of checks serves both layouts. JSON values
are brought to the text ethereum-etl's CSV exporter writes (lists joined by ``,``, ``True``/``False``).
A 0-byte file is a table without rows: ethereum-etl writes one for a block range that has none
(its CSV writer puts the header before the first row, so no row, no header).
"""
import csv
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from tracer.errors import LoadError


def _json_cell(v):
    # ethereum-etl's CSV exporter writes lists joined by "," and booleans as True/False; JSON
    # lines keep the native types: bring both to the same strings
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return ",".join(_json_cell(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, sort_keys=True)
    return str(v)


def _read_json_lines(path, columns):
    def bad_constant(name):
        raise ValueError(f"{name} is not a number")

    rows, keys = [], set()
    with open(path, encoding="utf-8") as f:
        n = 0
        for line in f:
            if not line.strip():
                continue
            n += 1
            try:
                # numbers stay text: uint256 must not pass through float, 1.5 must not become 1
                item = json.loads(line, parse_int=str, parse_float=str, parse_constant=bad_constant)
            except ValueError as e:
                raise LoadError(path, f"not JSON: {getattr(e, 'msg', e)}", row=n) from None
            if not isinstance(item, dict):
                raise LoadError(path, f"not a JSON object: {line.strip()[:60]!r}", row=n)
            keys.update(item)
            rows.append(item)
    if not rows:
        return _no_rows(columns)
    names = [c for c in columns if c in keys] if columns is not None else sorted(keys)
    return pa.table({c: pa.array([_json_cell(r.get(c)) for r in rows], type=pa.string()) for c in names})


def _first_bad_csv_row(path, width):
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rows = csv.reader(f)
        next(rows, None)
        n = 0
        for fields in rows:
            if not fields:
                continue
            n += 1
            if len(fields) != width:
                return n, len(fields)
    return None, None


def _no_rows(columns):
    return pa.table({c: pa.array([], type=pa.string()) for c in columns or ()})


def _read_csv(path, columns):
    if path.stat().st_size == 0:
        return _no_rows(columns)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), None)
    except UnicodeDecodeError as e:
        raise LoadError(path, f"not UTF-8 text: {e.reason}") from None
    if not header:
        raise LoadError(path, "empty file: no header row")
    wanted = [c for c in columns if c in header] if columns is not None else header
    try:
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header}, include_columns=wanted,
            strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as e:
        row, got = _first_bad_csv_row(path, len(header))
        if row is not None:
            raise LoadError(path, f"{got} fields, the header has {len(header)}", row=row) from None
        raise LoadError(path, f"unreadable: {e}") from None


def read_arrow(path, columns=None):
    """Read a CSV or JSON-lines export as a pyarrow table of strings (empty string = missing).

    Parameters
    ----------
    path : str or Path
        ``.json``/``.jsonl`` is read as JSON lines (one object a line), anything else as CSV.
    columns : list of str, optional
        Read only these columns (those the file has); by default all. A file without rows (0
        bytes, or JSON lines with no object) has all of them, empty.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "traces.json")
    >>> _ = open(p, "w").write('{"value": %d, "trace_address": [0, 1], "to_address": null}\\n' % (2**256 - 1))
    >>> read_arrow(p).to_pylist()[0]["value"] == str(2**256 - 1)
    True
    >>> read_arrow(p, ["trace_address", "to_address"]).to_pylist()
    [{'trace_address': '0,1', 'to_address': ''}]
    """
    path = Path(path)
    try:
        if path.suffix in (".json", ".jsonl"):
            return _read_json_lines(path, columns)
        return _read_csv(path, columns)
    except LoadError:
        raise
    except (OSError, ValueError, pa.ArrowException) as e:
        raise LoadError(path, f"unreadable: {e}") from None


def give_back():
    """pyarrow's allocator keeps the memory of the tables it freed for its next ones: give it back
    to the system, where Python's objects can use it (a load's peak memory is the bench's)."""
    pa.default_memory_pool().release_unused()


def require(table, columns, path):
    """Raise :class:`LoadError` unless the pyarrow ``table`` has every column in ``columns``."""
    for c in columns:
        if c not in table.column_names:
            raise LoadError(path, "missing column", column=c)


class Export:
    """The files of one export (table name -> path), each read in the background as soon as the
    export is opened, in the order given: pyarrow parses a file in its own threads without Python's
    lock, so reading the next file overlaps with mapping the one before.

    ``export[name]`` is the path (for errors), :meth:`read` the table, which the export then drops.
    Use it as a context manager: leaving it waits for (or cancels) reads still under way.
    """

    def __init__(self, files, columns):
        self.paths = {name: Path(path) for name, path in files.items()}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracer-read")
        self._reads = {name: self._pool.submit(read_arrow, self.paths[name], wanted)
                       for name, wanted in columns.items() if name in self.paths}

    def __contains__(self, name):
        return name in self.paths

    def __getitem__(self, name):
        return self.paths[name]

    def read(self, name):
        """The table ``name`` (its read's :class:`~tracer.errors.LoadError`, if it failed)."""
        return self._reads.pop(name).result()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._reads.clear()
