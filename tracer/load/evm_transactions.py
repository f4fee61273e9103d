"""ethereum-etl ``transactions`` (with their ``receipts``): each transaction's value and its fee.

Also :class:`Transactions`, the index rows of other files (traces, token transfers) find their
transaction in: by hash, or, for geth traces that carry none, by block and position.
"""
import warnings
from concurrent.futures import InvalidStateError, ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracer import transfers as T
from tracer.errors import LoadError, LoadWarning
from tracer.load.evm_schema import RECEIPT_COLUMNS, TRANSACTION_COLUMNS
from tracer.load.parsers import (address_codes, address_columns, all_true, blank, dictionary_codes, hashes,
                                 shared_ints, status_ok, timestamps, to_int64, to_ints, to_numpy, tx_index)
from tracer.load.readers import require
from tracer.load.table import Coded, Part
from tracer.units import DECIMALS

ASSET = "ETH"
NATIVE = {"asset": ASSET, "decimals": DECIMALS[ASSET], "symbol": ASSET}
_SELECTOR = r"^0x[0-9a-f]{8}$"


class HashIndex:
    """The transactions' hashes, as rows of other files look theirs up (:meth:`positions`); made as
    soon as the transactions file is read, so that the token transfers look theirs up while the
    transactions' other columns are still being made (its keys, :func:`_hash_keys`, are made here,
    in the thread that makes it)."""

    def __init__(self, hashes):
        self.hashes = hashes
        self._keys = _hash_keys(hashes)

    def positions(self, hashes):
        """Row of each of ``hashes`` (a pyarrow string array) in the transactions file, -1 if absent
        (the first of two). Looked up by a 64-bit key of each hash, then checked whole."""
        keys = _hash_keys(hashes)
        if self._keys is None or keys is None:
            return _index_in(hashes, self._whole())
        pos = _index_in(pa.array(keys), pa.array(self._keys))
        found = np.flatnonzero(pos >= 0)
        same = to_numpy(pc.equal(hashes.take(pa.array(found)), self.hashes.take(pa.array(pos[found]))))
        if not same.all():  # two hashes with one key (geth fixtures, or made so on purpose): look up exactly
            wrong = found[~same]
            pos[wrong] = _index_in(hashes.take(pa.array(wrong)), self._whole())
        return pos

    def _whole(self):
        h = self.hashes
        return h.combine_chunks() if isinstance(h, pa.ChunkedArray) else h


class Transactions:
    """The transactions file, as rows of other files find their transaction in it.

    ``extra`` holds the heuristics' columns of each transaction (:data:`tracer.transfers.EVM_EXTRA`)
    when they were asked for.
    """

    def __init__(self, index, txh, block, tx_index, extra=None):
        self.index = index
        self.txh, self.block, self.tx_index, self.extra = txh, block, tx_index, extra or {}

    def positions(self, hashes):
        """:meth:`HashIndex.positions`."""
        return self.index.positions(hashes)

    def at(self, block, tx_index):
        """Row of the transaction at each (block, position), -1 if absent (the first of two wins)."""
        width = int(max(self.tx_index.max(initial=0), tx_index.max(initial=0))) + 1
        if int(max(self.block.max(initial=0), block.max(initial=0))) >= 2**62 // width:
            first = {}
            for i, k in enumerate(zip(self.block.tolist(), self.tx_index.tolist(), strict=True)):
                first.setdefault(k, i)
            wanted = zip(block.tolist(), tx_index.tolist(), strict=True)
            return np.array([first.get(k, -1) for k in wanted], dtype=np.int64)
        mine = np.where(self.tx_index >= 0, self.block * width + self.tx_index, -1)
        o = np.argsort(mine, kind="stable")
        keys = block * width + tx_index
        i = np.minimum(np.searchsorted(mine[o], keys), len(o) - 1)
        hit = (tx_index >= 0) & (mine[o][i] == keys) if len(o) else np.zeros(len(keys), dtype=bool)
        return np.where(hit, o[i] if len(o) else -1, -1)

    def join(self, tx_index, hashes, rows=None):
        """Keywords for :class:`~tracer.load.table.Part` of rows of another file: their position in
        the block (the one the file gives, else their transaction's), their transaction's row, and
        its extra columns (None where the transaction is not in the file). ``rows``: their
        :meth:`positions`, if already looked up."""
        rows = self.positions(hashes) if rows is None else rows
        out = {"tx_index": np.where((tx_index < 0) & (rows >= 0), self.tx_index[rows], tx_index), "tx_row": rows}
        if self.extra:
            lost = np.where(rows < 0, len(self.tx_index), rows)  # the None at the end
            for c, values in self.extra.items():
                out[c] = Coded(np.append(values, None), lost)
        return out


def joined(txs, tx_index, hashes, rows=None):
    """:meth:`Transactions.join`, or the rows' own positions when there is no transactions file."""
    return {"tx_index": tx_index} if txs is None else txs.join(tx_index, hashes, rows)


def hash_objects(txs, hashes, join):
    """The rows' transaction hashes as str objects: where their transaction is in the transactions
    file (``join`` from :func:`joined`), its own hash object, shared by all its rows (then a
    :class:`~tracer.load.table.Coded` column of them)."""
    if txs is None:
        return to_numpy(hashes)
    rows = join["tx_row"]
    if (rows >= 0).all():
        return Coded(txs.txh, rows)
    out = txs.txh[np.maximum(rows, 0)]
    lost = rows < 0
    if lost.any():
        out[lost] = to_numpy(hashes.filter(pa.array(lost)))
    return out


def _index_in(values, value_set):
    return np.array(to_numpy(pc.fill_null(pc.index_in(values, value_set=value_set), -1)), dtype=np.int64)


def _hash_keys(hashes):
    """A 64-bit key per transaction hash ``0x`` + 64 hex digits (from its first 16 digits, as
    bytes), for a fast lookup whose hits are then checked; None if a hash has another length.
    Chunk by chunk: joining a million hashes' chunks first would copy 66 MB."""
    chunks = hashes.chunks if isinstance(hashes, pa.ChunkedArray) else [hashes]
    keys = []
    for arr in chunks:
        n = len(arr)
        if arr.null_count:
            return None
        if not n:
            continue
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + n + 1]
        if not (np.diff(offsets) == 66).all():
            return None
        data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[0] + 66 * n]
        words = np.ascontiguousarray(data.reshape(n, 66)[:, 2:18]).view(np.uint64)
        keys.append(words[:, 0] ^ (words[:, 1] * np.uint64(0x9E3779B97F4A7C15)))  # mixed: both halves count
    return np.concatenate(keys) if keys else None


class Receipts:
    """Receipt fields of each transaction: ``ok`` (did not fail: an unknown status counts as
    success), ``known`` (the status is given), gas ``used`` and ``price`` (int64, -1 = unknown),
    ``created`` (the contract a creation made, "" if none, as (distinct addresses, codes)))."""

    def __init__(self, n, ok=None, known=None, used=None, price=None, created=None):
        self.ok = np.ones(n, dtype=bool) if ok is None else ok
        self.known = np.zeros(n, dtype=bool) if known is None else known
        self.used, self.price, self.created = used, price, created

    @classmethod
    def read(cls, table, path, prefix=""):
        """From a ``receipts`` file (``prefix`` ""), or the ``receipt_*`` columns of a BigQuery
        ``transactions`` table; checked there, so that an error names the file and row it is in."""
        cols, n = table.column_names, table.num_rows
        status = table[prefix + "status"]
        r = cls(n, status_ok(status, path, prefix + "status"), to_numpy(pc.invert(blank(status))))
        for name, column in (("used", "gas_used"), ("price", "effective_gas_price")):
            if prefix + column in cols:
                setattr(r, name, to_int64(table[prefix + column], path, prefix + column, allow_empty=True))
        if prefix + "contract_address" in cols:
            r.created = address_codes(table[prefix + "contract_address"], path, prefix + "contract_address")
        return r

    def take(self, pos):
        """The receipts at positions ``pos`` (-1: the transaction has none)."""
        has = pos >= 0

        def pick(a, missing):
            return None if a is None else np.where(has, a[pos], missing)
        created = None
        if self.created is not None:  # "" for a transaction without a receipt
            words, codes = self.created
            created = np.append(words, ""), np.where(has, codes[pos], len(words))
        return Receipts(len(pos), pick(self.ok, True), has & self.known[pos], pick(self.used, -1),
                        pick(self.price, -1), created)


def _receipts(files, tx_hashes):
    """The receipts of a ``receipts`` file, in the order of the transactions ``tx_hashes``.

    ethereum-etl's CLI writes receipts apart (BigQuery's table has them inline as ``receipt_*``);
    without them a failed transaction would seem to move value and no fee would be paid. A
    transaction without a receipt keeps its status unknown and no fee; when a hash has two receipts
    the first is used.
    """
    path = files["receipts"]
    r = files.read("receipts")
    require(r, RECEIPT_COLUMNS, path)
    theirs = r["transaction_hash"]
    receipts = Receipts.read(r, path)
    if len(tx_hashes) == len(theirs) and all_true(pc.equal(tx_hashes, theirs)):
        return receipts  # the CLI writes both in the same order: row for row
    return receipts.take(_index_in(tx_hashes, theirs.combine_chunks()))


def _warn_unknown_status(path, known, receipts_file):
    """Say when transactions' success is unknown: their value then counts as moved."""
    unknown = int((~known).sum())
    if not unknown:
        return
    if unknown == len(known) and not receipts_file:
        why = "no receipt_status column and no receipts file beside it"
    else:
        why = (f"{unknown} of {len(known)} transactions have no receipt status (no receipt in the receipts "
               "file, or an empty status: receipts before Byzantium carry none)")
    warnings.warn(f"{path}: {why}: a failed transaction cannot be told apart from one that succeeded, so its "
                  "value counts as moved, and its fee is not known (export receipts too: ethereumetl "
                  "export_receipts_and_logs)", LoadWarning, stacklevel=5)


def _fees(used, price):
    """Gas used x price, exact, where it is more than 0: (the rows, their fees as an object array).
    Unknown used or price is -1: no fee."""
    has = (used > 0) & (price > 0)
    if not has.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    if has.all():
        rows = np.arange(len(has))
    else:
        rows = np.flatnonzero(has)
        used, price = used[rows], price[rows]
    if int(used.max()) * int(price.max()) < 2**63:
        return rows, (used * price).astype(object)
    return rows, used.astype(object) * price.astype(object)


def _extra(table, path):
    """The transactions' gas price and input selector (:data:`tracer.transfers.EVM_EXTRA`)."""
    n = table.num_rows
    price = shared_ints(table["gas_price"], path, "gas_price") if "gas_price" in table.column_names \
        else np.full(n, None, dtype=object)
    selector = np.full(n, None, dtype=object)
    if "input" in table.column_names:
        data = table["input"]
        head = pc.utf8_lower(pc.utf8_slice_codeunits(data, 0, 10))
        calls = to_numpy(pc.greater_equal(pc.binary_length(data), 10))
        ok = pc.or_(pc.match_substring_regex(head, _SELECTOR), pa.array(~calls))
        if not all_true(ok):
            i = int(np.argmin(to_numpy(ok)))
            raise LoadError(path, f"not hex calldata: {data[i].as_py()[:20]!r}", row=i + 1, column="input")
        words, codes = dictionary_codes(head)
        selector[calls] = np.array(words.to_pylist(), dtype=object)[codes][calls]
    return {T.GAS_PRICE: price, T.SELECTOR: selector}


def map_transactions(files, blocks, extra=False, index=None, made=None):
    """(parts, :class:`Transactions`) of the ``transactions`` file (and ``receipts``, if given):
    ``files`` a :class:`tracer.load.readers.Export` that read them with :func:`columns`.

    The value and the fee parts are rows of the same columns (:class:`~tracer.load.table.Part`
    ``rows``): each column is made once, for every transaction, and picked once, in order.
    ``index`` and ``made``, :class:`~concurrent.futures.Future` objects, get the :class:`HashIndex`
    and the :class:`Transactions` as soon as each is made (the receipts are not needed for them)."""
    p = files["transactions"]
    df = files.read("transactions")
    require(df, TRANSACTION_COLUMNS, p)
    h = df["hash"]
    # the columns are independent: pyarrow's kernels run without Python's lock, so the columns are
    # made in threads; their results are taken in this order, so that the first error is the same.
    # The receipts go first, in a thread of their own: it waits for their read, then makes the fees
    # while the other threads make the transactions' columns
    with ThreadPoolExecutor(4, thread_name_prefix="tracer-map") as pool:
        paid = pool.submit(_receipts_and_fees, df, files, p)
        found = pool.submit(HashIndex, h)
        if index is not None:
            found.add_done_callback(lambda f: settle(index, None if f.exception() else f.result(), f.exception()))
        times = pool.submit(_blocks_and_times, df, blocks, p)
        later = [pool.submit(to_ints, df["value"], p, "value", nonzero=True), pool.submit(hashes, h, p, "hash"),
                 pool.submit(address_columns, p, (df["from_address"], "from_address"),
                             (df["to_address"], "to_address")), times, pool.submit(tx_index, df, p), found]
        (value, moves), txh, (words, (frm, to)), (block, ts, known), txi, found = [f.result() for f in later]
        txs = Transactions(found, txh, block, txi, _extra(df, p) if extra else None) if len(df) else None
        if made is not None:  # other files' rows join them while the receipts are still being read
            settle(made, txs)
        r, fees = paid.result()
    frm, to = Coded(words, frm), Coded(words, to)
    _warn_unknown_status(p, r.known, "receipts" in files)
    if r.created is not None:  # a contract creation's value goes to the contract it makes
        to = _created(to, r.created)
    del df  # the text columns: all that is left of them is in the arrays now
    more = txs.extra if txs is not None else {}
    n = len(txh)
    txh = Coded(txh)

    def part(kind, rows, receiver, amount):
        return Part(kind, txh, block, (ts, known), frm, receiver, amount, tx_index=txi, tx_row=np.arange(n),
                    rows=rows, **NATIVE, **more)

    parts = [part(T.NATIVE, np.flatnonzero(r.ok & moves), to, Coded(value))]
    if fees is not None:
        rows, fee = fees  # failed transactions still pay gas
        parts.append(part(T.FEE, rows, T.FEE_ADDRESS, Coded(fee, _inverse(rows, n))))
    return parts, txs


def _receipts_and_fees(df, files, path):
    """The :class:`Receipts` of the transactions ``df``, and their fees (:func:`_fees`), or None
    where gas used or its price is not known."""
    r = _receipts_of(df, files, path)
    if r.used is not None and r.price is None and "gas_price" in df.column_names:
        r.price = to_int64(df["gas_price"], path, "gas_price", allow_empty=True)
    return r, (_fees(r.used, r.price) if r.used is not None and r.price is not None else None)


def settle(future, result=None, error=None):
    """Give ``future`` ``result`` (or ``error``, if given), unless it has one already."""
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass


def _blocks_and_times(df, blocks, path):
    """(block numbers, unix seconds, known) of the transactions."""
    block = to_int64(df["block_number"], path, "block_number")
    return (block, *timestamps(df, block, blocks, path))


def _receipts_of(df, files, path):
    """The :class:`Receipts` of the transactions ``df``: inline (BigQuery), from the ``receipts``
    file, or none known."""
    if "receipt_status" in df.column_names:  # BigQuery: receipt fields inline
        return Receipts.read(df, path, "receipt_")
    if "receipts" in files:
        return _receipts(files, df["hash"])
    return Receipts(len(df))


def _created(to, created):
    """The receivers of the transactions (:class:`Coded`), a contract creation's (no ``to_address``)
    the contract it made (``created``: (words, codes), "" where none)."""
    words, codes = created
    empty = np.flatnonzero(to.words == "")
    if not len(empty):  # no transaction without a receiver
        return to
    creates = to.codes == empty[0]
    creates[creates] = ~np.isin(codes[creates], np.flatnonzero(words == ""))
    if not creates.any():
        return to
    return Coded(np.concatenate([to.words, words]), np.where(creates, codes + len(to.words), to.codes))


def _inverse(rows, n):
    """Codes of ``n`` rows into the values of ``rows`` (the i-th of them at rows[i]); 0 elsewhere,
    where no part picks them."""
    codes = np.zeros(n, dtype=np.int64)
    codes[rows] = np.arange(len(rows))
    return codes
