import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tracer.heuristics.unionfind import components, groups


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60))))
def test_components_are_networkx_connected_components(case):
    n, edges = case
    u = np.array([a for a, _ in edges], dtype=np.int64)
    v = np.array([b for _, b in edges], dtype=np.int64)
    labels = components(n, u, v)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    for comp in nx.connected_components(g):
        assert {int(labels[x]) for x in comp} == {min(comp)}  # one label, the smallest node


def test_a_long_path_in_the_worst_order_still_joins():
    n = 5000
    u = np.arange(n - 1, 0, -1)
    labels = components(n, u, u - 1)
    assert (labels == 0).all()


def test_groups_leave_singletons_out():
    assert [m.tolist() for _, m in groups(np.array([3, 1, 3, 2]))] == [[0, 2]]
