"""Column parsers: text columns (as :mod:`tracer.load.readers` gives them) checked and converted.

Every check runs on a whole column at once (pyarrow compute); only when one fails is the first bad
row looked up, to name it: ``LoadError`` carries the file, the row (1-based, header excluded) and the
column. Amounts become exact Python ints (uint256 included), counts and block numbers int64 numpy
arrays, addresses lower-case strings shared between the rows that hold them.
"""
import unicodedata
from itertools import pairwise

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracer.errors import LoadError
from tracer.load.timestamps import parse_timestamp

_ADDRESS = r"^0x[0-9a-fA-F]{40}$"
_UINT = r"^[0-9]+$"
_INT64_DIGITS = 18  # any run of at most 18 decimal digits fits in int64
_DECIMAL_DIGITS = 38  # and at most 38 in a 128-bit decimal


def strings(values):
    """``values`` as a pyarrow string array: pyarrow arrays (chunked ones stay chunked: joining the
    chunks would copy the column) pass as they are, a list is converted."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    return pa.array([str(v) for v in values], type=pa.string())


def to_numpy(values):
    """A pyarrow array or chunked array (or a numpy array) as a numpy array."""
    if isinstance(values, np.ndarray):
        return values
    if isinstance(values, pa.ChunkedArray):
        return values.to_numpy()
    return values.to_numpy(zero_copy_only=False)


def all_true(mask):
    """True unless the boolean array ``mask`` holds a false (nulls do not count)."""
    return pc.all(mask, min_count=0).as_py() is not False


def fail_first(ok, raw, path, column, message):
    """Raise naming the first row where the boolean array ``ok`` is false, if any."""
    if not all_true(ok):
        i = int(np.argmin(to_numpy(ok)))
        raise LoadError(path, f"{message}: {raw[i].as_py()!r}", row=i + 1, column=column)


def _digits(values, path, column, allow_empty):
    """The text of a column of non-negative integers, whitespace trimmed, and where it is empty
    (a boolean numpy array, or None if no row is); raises naming the first row that is neither."""
    raw = strings(values)
    empty = pc.equal(pc.binary_length(raw), 0)
    ok = pc.ascii_is_decimal(raw)
    if allow_empty:
        ok = pc.or_(ok, empty)
    if all_true(ok):  # the files' own form: plain digits, so nothing to trim
        s = raw
    else:
        s = pc.utf8_trim_whitespace(raw)
        empty = pc.equal(s, "")
        ok = pc.match_substring_regex(s, _UINT)
        if allow_empty:
            ok = pc.or_(ok, empty)
        fail_first(ok, raw, path, column, "not a non-negative integer")
    if not allow_empty or not pc.any(empty).as_py():
        return raw, s, None
    return raw, pc.if_else(empty, "0", s), to_numpy(empty)


def to_ints(values, path, column, allow_empty=False, nonzero=False):
    """Parse decimal strings into exact Python ints (a numpy object array; ``None`` where empty).

    Values of up to 18 digits are parsed as int64, of up to 38 in bulk as 128-bit decimals and made
    Python ints from their two 64-bit halves; longer ones (uint256) one by one. With ``nonzero``,
    also a boolean array: True where the value is more than 0 (found on the typed values, not the
    ints).

    Examples
    --------
    >>> to_ints(["1", "115792089237316195423570985008687907853269984665640564039457584007913129639935"],
    ...         "f", "value")[1] == 2**256 - 1
    True
    >>> to_ints(["0", "7", ""], "f", "value", allow_empty=True, nonzero=True)[1].tolist()
    [False, True, False]
    >>> to_ints(["1", "-5"], "f.csv", "value")
    Traceback (most recent call last):
    ...
    tracer.errors.LoadError: f.csv, row 2, column 'value': not a non-negative integer: '-5'
    """
    _, s, empty = _digits(values, path, column, allow_empty)
    length = to_numpy(pc.binary_length(s))
    longest = int(length.max()) if len(length) else 0
    if longest <= _INT64_DIGITS:
        typed = to_numpy(pc.cast(s, pa.int64()))
        out, more = typed.astype(object), typed > 0
    elif longest <= _DECIMAL_DIGITS:
        out, more = _decimal_ints(s)
    else:
        out, more = np.empty(len(s), dtype=object), np.zeros(len(s), dtype=bool)
        fits = length <= _DECIMAL_DIGITS
        out[fits], more[fits] = _decimal_ints(s.filter(pa.array(fits)))
        out[~fits] = [int(v) for v in s.filter(pa.array(~fits)).to_pylist()]
        more[~fits] = out[~fits] > 0
    if empty is not None:
        out[empty], more[empty] = None, False
    return (out, more) if nonzero else out


def _decimal_ints(s):
    """Digit strings of at most 38 characters as exact Python ints, and where they are more than 0:
    pyarrow parses them as 128-bit decimals (scale 0), whose little-endian halves make each int.

    Chunk by chunk (a chunk's arrays stay in the processor's cache). A value of 64 bits or more is
    its high half shifted, one int per distinct high half when they are few (amounts in wei pass
    2**64 at 18.4 ETH), or-ed with its low half."""
    parts, more, shifted = [], [], np.zeros(0, dtype=object)
    for chunk in (s.chunks if isinstance(s, pa.ChunkedArray) else [s]):
        if not len(chunk):
            continue
        d = pc.cast(chunk, pa.decimal128(_DECIMAL_DIGITS, 0))
        words = np.frombuffer(d.buffers()[1], dtype="<u8")[2 * d.offset:2 * (d.offset + len(d))]
        low, high = words[0::2], words[1::2]
        big = np.flatnonzero(high)
        if not len(big):
            out = low.astype(object)
        else:
            out = np.where(high == 0, low, np.uint64(0)).astype(object)  # a big value's low half: no int alone
            top = high[big]
            most = int(top.max())
            if most < 1 << 16:
                if most >= len(shifted):
                    shifted = np.arange(most + 1, dtype=np.int64).astype(object) << 64
                out[big] = shifted[top] | low[big].astype(object)
            else:
                out[big] = (top.astype(object) << 64) | low[big].astype(object)
        parts.append(out)
        more.append((low | high) != 0)
    if not parts:
        return np.empty(0, dtype=object), np.zeros(0, dtype=bool)
    return np.concatenate(parts), np.concatenate(more)


def to_int64(values, path, column, allow_empty=False, missing=-1):
    """Parse decimal strings into an int64 numpy array (``missing`` where empty).

    For block numbers, positions and indexes: a value beyond 2**63 - 1 is an error, not a wrap.

    Examples
    --------
    >>> to_int64(["7", " 12", ""], "f", "transaction_index", allow_empty=True).tolist()
    [7, 12, -1]
    >>> to_int64(["1", "9223372036854775808"], "f.csv", "block_number")
    Traceback (most recent call last):
    ...
    tracer.errors.LoadError: f.csv, row 2, column 'block_number': larger than 2**63 - 1: '9223372036854775808'
    """
    raw, s, empty = _digits(values, path, column, allow_empty)
    try:
        out = to_numpy(pc.cast(s, pa.int64()))
    except pa.ArrowInvalid:
        fits = [len(v) <= _INT64_DIGITS or int(v) < 2**63 for v in s.to_pylist()]
        fail_first(np.array(fits), raw, path, column, "larger than 2**63 - 1")
        raise
    if empty is not None:
        out = np.where(empty, missing, out)
    return out


def address_codes(values, path, column):
    """Validated lower-case EVM addresses as (distinct addresses, one code per row).

    ``words[codes]`` is the column (:func:`to_addresses`); a lookup by address (a token's decimals)
    is made once per distinct address. Empty stays empty: contract creation, mint, burn.
    """
    words, (codes,) = address_columns(path, (values, column))
    return words, codes


def address_columns(path, *columns):
    """:func:`address_codes` of several ``(values, column)`` of one file at once, with one set of
    words: (the distinct addresses, the codes of each column). A file's senders and receivers are
    mostly the same addresses: each is checked, lower-cased and made a ``str`` once."""
    raws = [strings(v) for v, _ in columns]
    if all(pc.max(pc.binary_length(raw)).as_py() in (0, None) for raw in raws):
        # no address at all (a receipts file's contract_address where nothing was created): one word
        return np.array([""], dtype=object), [np.zeros(len(raw), dtype=np.int32) for raw in raws]
    chunks = [c for raw in raws for c in (raw.chunks if isinstance(raw, pa.ChunkedArray) else [raw])]
    dictionary, codes = dictionary_codes(pa.chunked_array(chunks, type=pa.string()))
    words = pc.utf8_lower(pc.utf8_trim_whitespace(dictionary))
    good = pc.or_(pc.match_substring_regex(words, _ADDRESS), pc.equal(words, ""))
    ends = np.cumsum([0] + [len(raw) for raw in raws])
    each = [codes[a:b] for a, b in pairwise(ends)]
    if not all_true(good):
        good = to_numpy(good)
        for raw, (_, column), c in zip(raws, columns, each, strict=True):
            fail_first(good[c], raw, path, column, "not an EVM address")
    return np.array(words.to_pylist(), dtype=object), each


def dictionary_codes(values):
    """(the distinct values, a pyarrow array; one int code per row into them, a numpy array) of a
    pyarrow array or chunked array (whose chunks pyarrow encodes with one dictionary).

    Examples
    --------
    >>> words, codes = dictionary_codes(pa.chunked_array([["b", "a"], ["b"]]))
    >>> words.to_pylist(), codes.tolist()
    (['b', 'a'], [0, 1, 0])
    """
    enc = pc.dictionary_encode(values)
    if isinstance(enc, pa.ChunkedArray):
        chunks = enc.chunks or [pa.array([], pa.dictionary(pa.int32(), values.type))]
        return chunks[0].dictionary, np.concatenate([c.indices.to_numpy() for c in chunks])
    return enc.dictionary, enc.indices.to_numpy()


def to_addresses(values, path, column):
    """Validate and lower-case EVM addresses (empty stays empty: contract creation, mint).

    Returns a numpy object array in which equal addresses are one ``str`` object (an address
    appears in many rows; sharing keeps a million-row table small).

    Examples
    --------
    >>> to_addresses(["0x" + "Ab" * 20, ""], "f", "to_address").tolist() == ["0x" + "ab" * 20, ""]
    True
    >>> to_addresses(["0x" + "1" * 40, "0xnothex"], "f.csv", "to_address")
    Traceback (most recent call last):
    ...
    tracer.errors.LoadError: f.csv, row 2, column 'to_address': not an EVM address: '0xnothex'
    """
    words, codes = address_codes(values, path, column)
    return words[codes]


def checksum(address):
    """EIP-55 mixed-case display form of a lower-case EVM address.

    Examples
    --------
    >>> checksum("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
    """
    from eth_utils import keccak
    a = address.lower().removeprefix("0x")
    h = keccak(text=a).hex()
    return "0x" + "".join(c.upper() if int(h[i], 16) >= 8 else c for i, c in enumerate(a))


def shared_ints(values, path, column):
    """:func:`to_ints` of a column with few distinct values (gas prices): each parsed once, and equal
    values one Python object."""
    raw = strings(values)
    dictionary, codes = dictionary_codes(raw)
    try:
        words = to_ints(dictionary, path, column, allow_empty=True)
    except LoadError:  # name the row, not the dictionary entry
        to_ints(raw, path, column, allow_empty=True)
        raise
    return words[codes]


def blank(values):
    """True where a text column is empty or only whitespace."""
    return pc.or_(pc.equal(pc.binary_length(values), 0), pc.utf8_is_space(values))


def check_hashes(values, path, column, where=None):
    """Raise if a transaction hash is empty (in rows ``where``, if given): a transfer without its
    transaction hash cannot be ordered, cited or traced."""
    raw = strings(values)
    ok = pc.invert(blank(raw))
    if where is not None:
        ok = pc.or_(ok, pa.array(~where))
    fail_first(ok, raw, path, column, "empty transaction hash")


def hashes(values, path, column, where=None):
    """Transaction hashes as an object array, checked by :func:`check_hashes`."""
    check_hashes(values, path, column, where)
    return to_numpy(strings(values))


def status_ok(values, path, column):
    """True where a status column does not say failed (``0``); empty means unknown: moves value."""
    raw = strings(values)
    words = pa.array(["", "0", "1"])
    if not all_true(pc.is_in(raw, value_set=words)):  # trimmed, and checked again, only if need be
        s = pc.utf8_trim_whitespace(raw)
        fail_first(pc.is_in(s, value_set=words), raw, path, column, f"{column} must be 0 or 1")
        return to_numpy(pc.not_equal(s, "0"))
    return to_numpy(pc.not_equal(raw, "0"))


def tx_index(table, path):
    """The ``transaction_index`` column as int64, -1 where the file has none."""
    if "transaction_index" not in table.column_names:
        return np.full(table.num_rows, -1, dtype=np.int64)
    return to_int64(table["transaction_index"], path, "transaction_index", allow_empty=True)


class BlockTimes:
    """Block number -> unix time, from a ``blocks`` file (the last row of a number wins).

    Examples
    --------
    >>> times, known = BlockTimes([1, 2], [100, 112]).lookup(np.array([2, 3]))
    >>> times.tolist(), known.tolist()
    ([112, -1], [True, False])
    """

    def __init__(self, numbers=(), times=()):
        numbers, times = np.asarray(numbers, dtype=np.int64), np.asarray(times, dtype=np.int64)
        self.numbers, first = np.unique(numbers[::-1], return_index=True)
        self.times = times[::-1][first]

    def lookup(self, block):
        """(times, known) for an int64 array of block numbers; -1 where the block is not known."""
        if not len(self.numbers):
            return np.full(len(block), -1, dtype=np.int64), np.zeros(len(block), dtype=bool)
        pos = np.minimum(np.searchsorted(self.numbers, block), len(self.numbers) - 1)
        known = self.numbers[pos] == block
        return np.where(known, self.times[pos], -1), known


def timestamps(table, block, blocks, path):
    """(unix seconds, known) of each row: its ``block_timestamp`` if given, else its block's."""
    if "block_timestamp" not in table.column_names:
        return blocks.lookup(block)
    raw = strings(table["block_timestamp"])
    given = to_numpy(pc.invert(blank(raw)))
    if given.all() and all_true(pc.ascii_is_decimal(raw)):  # the CLI's unix seconds on every row
        return to_int64(raw, path, "block_timestamp"), given
    if all_true(pc.or_(pc.ascii_is_decimal(raw), pc.invert(pa.array(given)))):  # unix seconds (the CLI)
        seconds = to_int64(pc.if_else(pa.array(given), raw, ""), path, "block_timestamp", allow_empty=True)
    else:  # BigQuery's "2024-01-01 00:00:12 UTC": one text per block, parse each once
        enc = pc.dictionary_encode(raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw)
        words = enc.dictionary.to_pylist()
        parsed = []
        for w in words:
            try:
                parsed.append(parse_timestamp(w) if w.strip() else -1)
            except LoadError:
                parsed.append(None)  # reported below with its row
        bad = [i for i, p in enumerate(parsed) if p is None]
        if bad:
            ok = pc.invert(pc.is_in(enc.indices, value_set=pa.array(bad, type=enc.indices.type)))
            fail_first(ok, raw, path, "block_timestamp", "not a timestamp")
        seconds = np.array(parsed, dtype=np.int64)[enc.indices.to_numpy()]
    ts, known = blocks.lookup(block)
    return np.where(given, seconds, ts), known | given


def symbols(values):
    """Token symbols as written, stripped; an empty one is unknown (None). Control characters
    (a bytes32 symbol decoded badly) become U+FFFD so that a table's lines stay whole."""
    out = []
    for v in strings(values).to_pylist():
        v = "".join("\ufffd" if unicodedata.category(c)[0] == "C" else c for c in v.strip())
        out.append(v or None)
    return np.array(out + [None], dtype=object)[:-1]
