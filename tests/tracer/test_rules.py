import pytest
from hypothesis import given, strategies as st

from tracer import rules

CASES = [  # inputs, outputs (fee last), expected per rule: hand-computed
    ([(3, 3), (7, 0)], [10], {"poison": [10], "haircut": [3], "fifo": [3], "lifo": [3], "tiho": [3]}),
    # change + fee: 5 stolen, 5 clean in; pay 6, change 3, fee 1
    ([(5, 5), (5, 0)], [6, 3, 1], {"poison": [6, 3, 1], "haircut": [3, 2, 0], "fifo": [5, 0, 0],
                                   "lifo": [1, 3, 1], "tiho": [5, 0, 0]}),
    # dust output and two tainted sources
    ([(2, 2), (4, 0), (4, 4)], [1, 8, 1], {"poison": [1, 8, 1], "haircut": [1, 5, 0], "fifo": [1, 4, 1],
                                          "lifo": [1, 4, 1], "tiho": [0, 6, 0]}),
]


@pytest.mark.parametrize(("inputs", "outputs", "expected"), CASES)
def test_golden(inputs, outputs, expected):
    for name, want in expected.items():
        assert rules.RULES[name](inputs, outputs) == want, name


def test_unbalanced_pool_rejected():
    with pytest.raises(ValueError, match="balance"):
        rules.fifo([(3, 3)], [2])


def test_libr_partial_spends():
    # 8 tainted in, 2 clean in, spend 5 (clean first: 3 tainted), spend 4 -> all tainted; 1 left
    assert rules.libr([(8, 8), (2, 0), (-5, 0), (-4, 0)]) == ([3, 4], 1)


@st.composite
def pools(draw):
    ins = draw(st.lists(st.integers(0, 10**20), min_size=1, max_size=6))
    ins = [(v, draw(st.integers(0, v))) for v in ins]
    total = sum(v for v, _ in ins)
    cuts = sorted(draw(st.lists(st.integers(0, total), max_size=5)))
    outs = [b - a for a, b in zip([0] + cuts, cuts + [total], strict=True)]
    return ins, outs


@given(pools())
def test_taint_conserved(pool):
    ins, outs = pool
    taint = sum(t for _, t in ins)
    for name, f in rules.RULES.items():
        got = f(ins, outs)
        assert all(0 <= g <= o for g, o in zip(got, outs, strict=True))
        if name == "poison":
            assert sum(got) >= taint  # poison over-taints by design, never under
        else:
            assert sum(got) == taint, name


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 1000), st.integers(0, 1000)), max_size=20))
def test_libr_conserved(events):
    hist, bal, taint_in = [], 0, 0
    for dep, a, t in events:
        if dep:
            hist.append((a, min(t, a)))
            bal += a
            taint_in += min(t, a)
        elif bal:
            w = min(a, bal)
            hist.append((-w, 0))
            bal -= w
    outs, left = rules.libr(hist)
    assert sum(outs) + left == taint_in and left <= bal
