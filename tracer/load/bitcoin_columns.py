"""bitcoin-etl JSON lines read column by column: the layout ``bitcoinetl export_blocks_and_transactions``
writes (integers as JSON numbers, ``block_timestamp`` in UNIX seconds, inputs enriched), which is
what a large export is.

pyarrow reads the file in its own threads against :data:`SCHEMA` (the fields the transfers table
needs; the scripts, sizes and the rest are skipped while parsing), every check of
:mod:`tracer.load.bitcoin_etl` runs on whole columns, and each column of the table is written
once, already in the order asked for. A file this reader does not take as it is, because of
another layout (BigQuery's strings, block rows, inputs left to fill from the file, an output
named by its script) or a value that is wrong, raises :class:`NotColumnar`: the row-by-row reader
then loads it, or names the file, row and column of what is wrong. Both give the same table.
"""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from tracer import transfers as T
from tracer.load.parsers import all_true, dictionary_codes, to_numpy
from tracer.load.readers import give_back
from tracer.load.table import frame, full, int_objects, inverse

_INPUT = pa.struct([("index", pa.int64()), ("spent_transaction_hash", pa.string()),
                    ("spent_output_index", pa.int64()), ("addresses", pa.list_(pa.string())),
                    ("value", pa.int64())])
_OUTPUT = pa.struct([("index", pa.int64()), ("addresses", pa.list_(pa.string())), ("value", pa.int64())])
#: the fields read of each line; ``type`` is there to see the block rows of ``bitcoinetl stream``
SCHEMA = pa.schema([("hash", pa.string()), ("block_number", pa.int64()), ("block_timestamp", pa.int64()),
                    ("is_coinbase", pa.bool_()), ("index", pa.int64()), ("inputs", pa.list_(_INPUT)),
                    ("outputs", pa.list_(_OUTPUT)), ("fee", pa.int64()), ("input_value", pa.int64()),
                    ("output_value", pa.int64()), ("input_count", pa.int64()), ("output_count", pa.int64()),
                    ("type", pa.string())])
FEE_INDEX = 1 << 30  # sorts the fee row after every output
_BLOCK = 1 << 24  # bytes of the file counted at a time


class NotColumnar(Exception):
    """The file needs the row-by-row reader: another layout, or a value to name in an error."""


def load_columns(path, chain, columns, ordered):
    """The transfers table (``columns``) of a bitcoin-etl JSON-lines file, rows transaction by
    transaction in file order (each one's inputs, outputs, then its fee), or in
    :func:`tracer.transfers.sort` order if ``ordered``; raises :class:`NotColumnar`."""
    with ThreadPoolExecutor(1) as pool:  # lines are counted while pyarrow parses them
        lines = pool.submit(_lines, path)
        try:
            t = pajson.read_json(path, parse_options=pajson.ParseOptions(explicit_schema=SCHEMA,
                                                                        unexpected_field_behavior="ignore"))
        except (pa.ArrowException, OSError) as e:
            raise NotColumnar(str(e)) from None
        if t.num_rows != lines.result():  # pyarrow takes two objects on one line, json.loads does not
            raise NotColumnar("not one object a line")
    give_back()  # what pyarrow parsed the text in, before the columns are made
    tx = _Transactions(t)
    ins, outs = tx.inputs(), tx.outputs()
    tx.check_totals(ins, outs)
    tx.t = t = None
    give_back()
    return _table(tx, ins, outs, chain, columns, ordered)



def _lines(path):
    """Lines of the file that end in ``}``: when pyarrow read as many objects, each of them is a
    line of its own (a JSON string holds no raw newline), and the other lines are blank."""
    ends, last = 0, b""
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            ends += block.count(b"}\n") + (last == b"}" and block[:1] == b"\n")
            last = block[-1:]
    return ends + (last == b"}")


def _require(ok, why):
    if not all_true(ok):
        raise NotColumnar(why)


def _no_nulls(*arrays):
    for a in arrays:
        if a.null_count:
            raise NotColumnar("a required field is missing")


def _not_negative(a):
    _require(pc.greater_equal(pc.fill_null(a, 0), 0), "a negative number")


class _Transactions:
    """The transactions of the file, checked: their own fields as numpy arrays."""

    def __init__(self, t):
        self.t = t  # chunked: pyarrow reads blocks of lines
        blocks = pc.fill_null(pc.equal(t["type"], "block"), False)
        if not len(t["hash"]) or not all_true(pc.invert(blocks)):
            raise NotColumnar("no transactions, or block rows")  # the row reader knows what blocks say
        _no_nulls(t["hash"], t["block_number"], t["is_coinbase"], t["outputs"])
        _require(pc.greater(pc.binary_length(pc.utf8_trim_whitespace(t["hash"])), 0), "an empty hash")
        for c in ("block_number", "block_timestamp", "index", "input_value", "output_value", "input_count",
                  "output_count"):
            _not_negative(t[c])
        self.n = len(t["hash"])
        self.coinbase = to_numpy(t["is_coinbase"]).astype(bool)
        # a null list of inputs is [] to bitcoin-etl's reader, a missing one an error: it tells
        _require(pc.or_(pc.is_valid(t["inputs"]), pa.array(self.coinbase)), "inputs missing")
        self.hashes = t["hash"]
        self.ids = dictionary_codes(self.hashes)[1].astype(np.int64)  # equal where the hash is
        self.block = to_numpy(t["block_number"])
        self.ts = to_numpy(pc.fill_null(t["block_timestamp"], -1))
        self.tx_index = to_numpy(pc.fill_null(t["index"], -1))

    def _items(self, column, keep):
        """The flattened items of a list column in the rows ``keep`` (bool array): (their fields,
        the row of each, the position of each in its row)."""
        lists = self.t[column]
        counts = to_numpy(pc.fill_null(pc.list_value_length(lists), 0)).astype(np.int64)
        counts = np.where(keep, counts, 0)
        rows = np.repeat(np.arange(self.n), counts)
        items = pc.list_flatten(lists.filter(pa.array(keep)))
        starts = np.cumsum(counts) - counts
        return items, rows, np.arange(len(rows)) - starts[rows], counts

    def inputs(self):
        """The inputs of the transactions that are not coinbases (bitcoin-etl drops the coinbase's)."""
        items, rows, at, counts = self._items("inputs", ~self.coinbase)
        value, index, spent, vout, addresses = (pc.struct_field(items, c) for c in (
            "value", "index", "spent_transaction_hash", "spent_output_index", "addresses"))
        _no_nulls(value, index, spent, vout)  # a null value: to fill from the spent output
        for a in (value, index, vout):
            _not_negative(a)
        return _Items(rows, at, counts, to_numpy(value), to_numpy(index), _names(addresses), spent, to_numpy(vout))

    def outputs(self):
        items, rows, at, counts = self._items("outputs", np.ones(self.n, dtype=bool))
        value, index = pc.struct_field(items, "value"), pc.struct_field(items, "index")
        _no_nulls(value, index)
        _not_negative(value)
        _not_negative(index)
        index = to_numpy(index)
        # an output twice (the row reader names the first; two coinbases may share a txid)
        key = pa.table({"tx": self.ids[rows], "i": index})
        if key.group_by(["tx", "i"]).aggregate([]).num_rows != len(index):
            raise NotColumnar("an output twice")
        return _Items(rows, at, counts, to_numpy(value), index, _names(pc.struct_field(items, "addresses")))

    def check_totals(self, ins, outs):
        """What :mod:`tracer.load.bitcoin_etl` checks of each transaction's counts and sums; sets
        ``fee`` (int64, 0 for a coinbase)."""
        t, cb = self.t, self.coinbase
        total_in, total_out = _sums(ins, self.n), _sums(outs, self.n)
        counts = {"input_count": ins.counts, "output_count": outs.counts, "output_value": total_out,
                  "input_value": total_in}
        for c, actual in counts.items():
            given = t[c]
            ok = pc.or_(pc.is_null(given), pc.equal(given, pa.array(actual)))
            if c in ("input_count", "input_value"):
                ok = pc.or_(ok, pa.array(cb))  # a coinbase's inputs are not counted
            _require(ok, f"{c} does not match")
        fee = total_in - total_out
        given = t["fee"]
        _require(pc.or_(pc.is_null(given), pc.equal(given, pa.array(np.where(cb, 0, fee)))), "fee does not match")
        _require(pa.array(cb | (fee >= 0)), "inputs less than outputs")
        self.fee = np.where(cb, 0, fee)


def _sums(items, n):
    """Each transaction's sum of its items' values, exact: int64 holds the satoshi of all bitcoin
    many times over (and a sum beyond it is an error, not a wrap)."""
    out = np.zeros(n, dtype=np.int64)
    some = items.counts > 0
    if some.any():
        if int(items.value.max()) >= 2**63 // max(1, int(items.counts.max())):
            raise NotColumnar("sums beyond int64")
        starts = np.cumsum(items.counts) - items.counts
        out[some] = np.add.reduceat(items.value, starts[some])
    return out


def _names(addresses):
    """Each item's address: its ``addresses`` joined by ``,`` (as (distinct names, codes)); raises
    :class:`NotColumnar` where there is none (bitcoin-etl names it by its script) or one is odd."""
    ok = pc.and_(pc.is_valid(addresses), pc.greater(pc.list_value_length(addresses), 0))
    _require(pc.fill_null(ok, False), "an item without addresses")
    flat = pc.list_flatten(addresses)
    _no_nulls(flat)
    _require(pc.and_(pc.greater(pc.binary_length(flat), 0), pc.invert(pc.match_substring(flat, ","))),
             "an odd address")
    words, codes = dictionary_codes(pc.binary_join(addresses, ","))
    return to_numpy(words), codes


class _Items:
    """Inputs or outputs, flattened: the transaction (``rows``) and position (``at``) of each,
    ``counts`` per transaction, values, indexes, address names, and what an input spends."""

    def __init__(self, rows, at, counts, value, index, names, spent=None, vout=None):
        self.rows, self.at, self.counts, self.value, self.index = rows, at, counts, value, index
        self.names, self.spent, self.vout = names, spent, vout


def _table(tx, ins, outs, chain, columns, ordered):
    """The rows of every transaction: inputs (``index`` -1 - input index), outputs, fee."""
    paid = (~tx.coinbase) & (tx.fee > 0)
    size = ins.counts + outs.counts + paid
    start = np.cumsum(size) - size
    fee_rows = np.flatnonzero(paid)
    # where each item goes, in file order
    dest_in = start[ins.rows] + ins.at
    dest_out = start[outs.rows] + ins.counts[outs.rows] + outs.at
    dest_fee = start[fee_rows] + ins.counts[fee_rows] + outs.counts[fee_rows]
    n = int(size.sum())
    parent = np.empty(n, dtype=np.int64)
    parent[dest_in], parent[dest_out], parent[dest_fee] = ins.rows, outs.rows, fee_rows
    index = np.empty(n, dtype=np.int64)
    index[dest_in], index[dest_out], index[dest_fee] = -1 - ins.index, outs.index, FEE_INDEX
    hashes = to_numpy(tx.hashes)  # one str per transaction, shared by its rows
    if ordered:
        rank = np.empty(n, dtype=np.int64)
        rank[dest_in], rank[dest_out], rank[dest_fee] = 0, 2, 3
        within = np.where(rank == 0, -1 - index, index)
        o = T.order(tx.block[parent], lambda: hashes[parent], rank, within, tx.tx_index[parent], tx_id=tx.ids[parent])
        place = inverse(o)
        dest_in, dest_out, dest_fee = place[dest_in], place[dest_out], place[dest_fee]
        parent, index = parent[o], index[o]

    def by_kind(inputs, outputs, fee):
        col = np.empty(n, dtype=object)
        col[dest_in], col[dest_out], col[dest_fee] = inputs, outputs, fee
        return col

    txh = hashes[parent]
    out = {T.CHAIN: full(n, chain), T.TX_HASH: txh, T.BLOCK: tx.block[parent],
           T.TIMESTAMP: int_objects(tx.ts)[parent],
           T.FROM: by_kind(ins.names[0][ins.names[1]], txh[dest_out], txh[dest_fee]),
           T.TO: by_kind(txh[dest_in], outs.names[0][outs.names[1]], T.FEE_ADDRESS),
           T.ASSET: full(n, "BTC"), T.AMOUNT: by_kind(ins.value.astype(object), outs.value.astype(object),
                                                     tx.fee[fee_rows].astype(object)),
           T.KIND: by_kind(T.UTXO, T.UTXO, T.FEE), T.DECIMALS: full(n, 8), T.INDEX: index,
           T.TX_INDEX: tx.tx_index[parent], T.SYMBOL: full(n, "BTC")}
    out[T.SPENT_TX] = by_kind(to_numpy(ins.spent), None, None)
    out[T.SPENT_INDEX] = by_kind(ins.vout.astype(object), None, None)
    ts = out[T.TIMESTAMP]
    ts[tx.ts[parent] < 0] = None
    return frame(out, columns)


