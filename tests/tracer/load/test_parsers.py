"""Column parsers: exact ints of any size, whatever the chunks pyarrow read them in; statuses; addresses."""
from itertools import pairwise

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracer.errors import LoadError
from tracer.load.parsers import address_columns, status_ok, to_ints

# values of every size the parsers treat apart: int64, 128-bit decimals (with high halves few and
# many), uint256
VALUES = st.one_of(st.integers(0, 2**63 - 1), st.integers(2**63, 2**64 + 5), st.integers(0, 10**38 - 1),
                   st.integers(2**80, 2**81), st.integers(0, 2**256 - 1))


@settings(max_examples=60, deadline=None)
@given(st.lists(VALUES, max_size=40), st.lists(st.integers(0, 40), max_size=4))
def test_to_ints_is_int_of_each_string(values, cuts):
    text = [str(v) for v in values]
    bounds = sorted({0, len(text), *(min(c, len(text)) for c in cuts)})
    column = pa.chunked_array([pa.array(text[a:b], type=pa.string()) for a, b in pairwise(bounds)],
                              type=pa.string())
    out, more = to_ints(column, "f.csv", "value", nonzero=True)
    assert out.tolist() == values
    assert all(type(v) is int for v in out)
    assert more.tolist() == [v > 0 for v in values]


def test_status_is_trimmed_only_where_it_needs_to_be():
    assert status_ok(pa.array(["1", "0", ""]), "f", "status").tolist() == [True, False, True]
    assert status_ok(pa.array([" 1", "0 ", ""]), "f", "status").tolist() == [True, False, True]
    with pytest.raises(LoadError, match=r"row 2, column 'status': status must be 0 or 1: ' 2'"):
        status_ok(pa.array(["1", " 2"]), "f", "status")


def test_senders_and_receivers_share_their_words():
    a, b = "0x" + "Ab" * 20, "0x" + "cd" * 20
    words, (frm, to) = address_columns("f", (pa.chunked_array([[a], [b]]), "from_address"),
                                       (pa.array([b, "", a.lower()]), "to_address"))
    assert words[frm].tolist() == [a.lower(), b] and words[to].tolist() == [b, "", a.lower()]
    assert words[frm[1]] is words[to[0]]  # one str for the address in both columns
    with pytest.raises(LoadError, match=r"row 2, column 'to_address': not an EVM address: '0xnothex'"):
        address_columns("f", (pa.array([a]), "from_address"), (pa.array([b, "0xnothex"]), "to_address"))
