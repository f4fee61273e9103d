"""The figures' layout, tested without drawing (and without matplotlib), and what they say."""
import subprocess
import sys

import pytest

from tracer.handmade import account, utxo
from tracer.plot import layout as L, view as V
from tracer.trace import trace


def test_layout_and_the_api_import_without_matplotlib():
    code = ("import sys, tracer, tracer.plot.layout, tracer.plot.style; import tracer as tr; tr.plot.format_amount(1)\n"
            "assert 'matplotlib' not in sys.modules, sorted(m for m in sys.modules if 'matplotlib' in m)[:3]")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_node_says_when_it_received_more_than_the_traced_part():
    t = account([("t0", "c", "a", 90), ("t1", "s", "a", 10), ("t2", "a", "b", 95)])
    r = trace(t, "s")
    v = V.view(r)
    g = L.flow_layout(v)
    assert L.node_text(v, g, "a") == "a\nreceived 100 X in 2 transfers; 10 X traced\n5 X unspent"
    assert L.node_text(v, g, "b").splitlines() == ["b", "received 95 X in 1 transfer; 5 X traced", "5 X unspent"]


def test_fee_nodes_sit_below_their_payer_and_are_not_placed_among_addresses():
    t = utxo([("t1", [("s", 10, None)], [("a", 4), ("b", 5)])])  # fee 1
    v = V.view(trace(t, "s"))
    g = L.flow_layout(v)
    fee = L.fee_node("t1")
    assert fee in g.nodes and g.hop[fee] == 1.0 and g.y[fee] == pytest.approx(g.y["t1"] - 0.45)
    assert L.node_text(v, g, fee) == "fee 0.00000001 BTC"


def test_too_many_nodes_are_grouped_per_column():
    rows = [("t0", "s", "a", 500)] + [(f"s{i:02d}", "a", f"x{i:02d}", i + 1) for i in range(30)]
    g = L.flow_layout(V.view(trace(account(rows), "s")), max_nodes=8)
    assert len(g.groups[("others", 2.0)]) == 24 and {n for n in g.nodes if str(n).startswith("x")} == {
        f"x{i:02d}" for i in range(24, 30)}


def test_sankey_sources_are_the_traces_names():
    t = account([("t1", "v1", "a", 10), ("t2", "v2", "a", 5), ("t3", "a", "b", 12)])
    r = trace(t, ["v1", "v2"])
    g = L.sankey_groups(V.view(r, need_endpoints=True))
    assert g.sources == {"v1": 10, "v2": 5} and g.total == 15
    assert g.group == {"untagged, unspent": {2: 12, 1: 3}}


def test_layout_errors():
    with pytest.raises(ValueError, match="layout"):
        L.flow_layout(V.view(trace(account([("t1", "s", "a", 1)]), "s")), layout="spring")
    with pytest.raises(ValueError, match="lane"):
        L.timeline_rows(V.view(trace(account([("t1", "s", "a", 1)]), "s")), lane="day")


def test_hidden_fees_are_counted_per_transfer_not_per_payer():
    # one address pays gas in three transactions: one fee node, three fees
    fee = {"to": "fee", "kind": "fee"}
    rows = [("t0", "s", "a", 10_000)]
    for i in range(3):
        rows += [(f"t{i + 1}", "a", f"b{i}", 3_000), {"tx_hash": f"t{i + 1}", "from": "a", "amount": 1, **fee}]
    g = L.flow_layout(V.view(trace(account(rows), "s")))
    assert g.hidden_fees == {"X": (3, 3)}
