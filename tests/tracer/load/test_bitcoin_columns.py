"""The column reader of bitcoin-etl JSON lines gives the row reader's table, or leaves the file to it."""
import json
import pathlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracer import transfers as T
from tracer.bench import utxo as bench_utxo
from tracer.errors import LoadError
from tracer.load import bitcoin_etl as B
from tracer.load.bitcoin_columns import NotColumnar, load_columns

DATA = pathlib.Path(__file__).parent.parent / "data" / "bitcoin_etl"
COLUMNS = B._COLUMNS + [T.SYMBOL]


def same(a, b):
    """Equal tables, value for value and type for type (an int is not a numpy int, None not NaN)."""
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        x, y = a[c].tolist(), b[c].tolist()
        assert x == y, c
        assert [type(v) for v in x] == [type(v) for v in y], c


def both_ways(path):
    """The column reader's table, in file order and sorted, checked against the row reader's."""
    rows = B._read_rows(path, "bitcoin", False)
    table = load_columns(path, "bitcoin", COLUMNS, ordered=False)
    same(table, rows)
    same(load_columns(path, "bitcoin", COLUMNS, ordered=True), T.sort(rows))
    return table


def lines(name="mainnet/transactions.json"):
    return [json.loads(x) for x in (DATA / name).read_text().splitlines()]


def write(tmp_path, rows):
    p = tmp_path / "transactions.json"
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return p


def test_bitcoin_etls_own_lines_are_read_by_columns():
    assert len(both_ways(DATA / "mainnet" / "transactions.json")) == 5


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), transfers=st.integers(2, 3000))
def test_any_synthetic_export(tmp_path_factory, seed, transfers):
    d = tmp_path_factory.mktemp("btc")
    bench_utxo.generate(d, transfers, random.Random(seed))
    both_ways(d / "transactions.json")


@pytest.mark.parametrize("name", ["bigquery", "shapes", "unenriched"])
def test_other_layouts_are_left_to_the_row_reader(name):
    with pytest.raises(NotColumnar):  # strings for numbers, outputs named by script, inputs to fill
        load_columns(DATA / name / "transactions.json", "bitcoin", COLUMNS, ordered=False)


def _changed(**changes):
    rows = lines()
    for key, value in changes.items():
        row, *path, last = key.split("__")
        target = rows[int(row)]
        for p in path:
            target = target[int(p)] if p.isdigit() else target[p]
        target[last] = value
    return rows


HAZARDS = [  # what pyarrow would take but the row reader refuses or reads otherwise: (rows, words in its error)
    (lambda: [lines()[0], json.dumps(lines()[1]) + json.dumps(lines()[2])], "not JSON"),
    (lambda: _changed(**{"2__outputs__1__index": 0}), "appears twice"),
    (lambda: _changed(**{"2__inputs": None, "2__input_count": None, "2__input_value": None}), "inputs 0 < outputs"),
    (lambda: _changed(**{"2__outputs__0__value": 2**63}), "but the row lists 9223372040854775808"),
    (lambda: _changed(**{"2__block_timestamp": -1}), "negative"),
    (lambda: _changed(**{"2__hash": " "}), "not a transaction hash"),
    (lambda: _changed(**{"2__outputs__0__addresses": ["a,b"]}), "not a list of addresses"),
    (lambda: _changed(**{"0__fee": 5}), "a coinbase pays no fee"),
]


@pytest.mark.parametrize(("rows", "words"), HAZARDS, ids=[w for _, w in HAZARDS])
def test_what_the_row_reader_refuses_is_left_to_it(tmp_path, rows, words):
    p = write(tmp_path, rows())
    with pytest.raises(NotColumnar):
        load_columns(p, "bitcoin", COLUMNS, ordered=False)
    with pytest.raises(LoadError, match=words):
        B.load_bitcoin_etl(p)


def test_blank_lines_and_no_last_newline(tmp_path):
    p = tmp_path / "transactions.json"
    p.write_text("\n".join(json.dumps(r) for r in lines()[:2]) + "\n\n  \n" + json.dumps(lines()[2]))
    same(load_columns(p, "bitcoin", COLUMNS, ordered=False),
         load_columns(DATA / "mainnet" / "transactions.json", "bitcoin", COLUMNS, ordered=False))
