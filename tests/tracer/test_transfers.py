"""The one sort of the transfers table: its integer-key paths give exactly pandas' order."""
import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from tracer import transfers as T

# hashes that exercise every path: positions that clash, 16-byte prefixes shared, non-ASCII, NUL
HASHES = ["0xaa", "0xab", "0x" + "0" * 20 + "b", "0x" + "0" * 20 + "a", "0x" + "0" * 19, "0xé1", "0x", "0xa\x00",
          "0xa", "0x" + "f" * 64]
rows = st.tuples(st.sampled_from(["btc", "eth"]), st.sampled_from(HASHES), st.integers(0, 3),
                 st.sampled_from(T.KINDS), st.integers(-3, 3), st.integers(-1, 2))


@settings(max_examples=120, deadline=None)
@given(st.lists(rows, max_size=25), st.booleans(), st.booleans())
def test_sort_equals_pandas_sort_values(data, with_tx_index, big_blocks):
    t = pd.DataFrame([(c, h, b * (2**40 if big_blocks else 1), None, "a", "b", "X", 1, k, 0, i, p)
                      for c, h, b, k, i, p in data],
                     columns=T.COLUMNS + [T.TX_INDEX], dtype=object)
    if not with_tx_index:
        t = t.drop(columns=[T.TX_INDEX])
    got, want = T.sort(t), T._sort_frame(t)
    assert got.equals(want)


def test_order_falls_back_when_two_hashes_share_a_position():
    block, rank, within = np.array([7, 7]), np.zeros(2, int), np.zeros(2, int)
    txh = np.array(["0xbb", "0xaa"], dtype=object)
    assert T.order(block, txh, rank, within, np.array([1, 0])).tolist() == [1, 0]  # by position
    assert T.order(block, txh, rank, within, np.array([0, 0])).tolist() == [1, 0]  # one position: by hash
    assert T.order(block, txh[::-1].copy(), rank, within, np.array([0, 0])).tolist() == [0, 1]


def test_sort_keeps_odd_tables_to_pandas():
    # floats and missing blocks, hashes that are not text: compared as pandas compares them
    t = pd.DataFrame({T.CHAIN: ["c"] * 3, T.TX_HASH: ["b", "a", "c"], T.BLOCK: [2.5, 1.0, None],
                      T.KIND: [T.NATIVE] * 3, T.INDEX: [-1] * 3})
    assert T.sort(t)[T.TX_HASH].tolist() == ["a", "b", "c"]
