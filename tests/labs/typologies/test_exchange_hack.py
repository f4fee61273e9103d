import random

from hypothesis import given, strategies as st

from labs.typologies.exchange_hack import drain
from labs.units import ETH


@given(st.integers(1, 20_000), st.integers(1, 50), st.integers(0, 2**32))
def test_the_drain_adds_up_to_the_wei_in_parts_that_are_not_exact_shares(eth, n, seed):
    parts = drain(eth * ETH, n, random.Random(seed))
    assert len(parts) == n and sum(parts) == eth * ETH and min(parts) > 0
    if eth >= 3 * n:  # whole ETH, as a thief types them
        assert all(p % ETH == 0 for p in parts)


def test_three_parts_are_not_thirds():
    """The catalog's hack was 83.333333333333333333 ETH twice and ...334 once: a generator's split."""
    parts = drain(300 * ETH, 3, random.Random(7))
    assert len(set(parts)) == 3 and 100 * ETH not in parts
