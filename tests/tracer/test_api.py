"""The notebook API: one import, keyword options, results that carry their own units."""
from pathlib import Path

import pytest

import tracer
import tracer as tr
from tracer.handmade import account, utxo
from tracer.plot.view import view

DATA = Path(__file__).parent / "data"
A = "0x" + "1" * 40


def test_one_import_and_its_short_forms():
    t = tr.load(DATA / "eth")
    assert t.equals(tracer.load.load(DATA / "eth"))  # the module still works as a package
    tags = tr.load_tags(DATA / "tags.yaml")
    r = tr.trace(t, A, stop=tags, hops=3)
    assert r.decimals["ETH"] == 18 and r.symbols["ETH"] == "ETH"
    assert r.labels["0x" + "2" * 40].startswith("Example Exchange deposit")
    assert "fifo forward trace from 0x1111" in repr(r)
    p = tr.paths(t, A, "0x" + "4" * 40)
    assert p["hops"].tolist() == [2]
    with pytest.raises(TypeError):
        tr.trace(t, A, "backward")  # options are keyword-only


def test_result_graph_and_shares():
    t = account([("t1", "v1", "a", 10), ("t2", "v2", "a", 5), ("t3", "a", "b", 12)])
    r = tr.trace(t, [tr.Source(address="v1", label="Ana"), tr.Source(address="v2", label="Bo")])
    g = r.graph()
    assert g.number_of_edges() == len(r.flows) and set(g.nodes) == {"v1", "v2", "a", "b"}
    assert g.nodes["b"]["endpoints"] == {("Ana", "X", "unspent"): 10, ("Bo", "X", "unspent"): 2}
    assert {d["source"] for _, _, d in g.edges(data=True)} == {"Ana", "Bo"}
    s = r.shares()
    assert s[s["address"] == "b"][["source", "amount", "percent"]].values.tolist() == [
        ["Ana", 10, "83.3%"], ["Bo", 2, "16.7%"]]
    assert r.amount(12, "X") == "12 X"


def test_utxo_transaction_nodes_in_the_graph():
    t = utxo([("t1", [("s", 10, None)], [("a", 9)])])
    r = tr.trace(t, "s")
    g = r.graph()
    assert g.nodes["t1"]["kind"] == "transaction" and g.nodes["fee"]["kind"] == "fee"
    assert view(r).txs == {n for n, k in g.nodes(data="kind") if k == "transaction"} == {"t1"}  # one definition
