"""Column parsers: exact ints of any size, whatever the chunks pyarrow read them in."""
from itertools import pairwise

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from tracer.load.parsers import to_ints

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
