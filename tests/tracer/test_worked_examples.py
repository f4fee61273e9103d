"""docs/tracer.md's worked examples, read from the document itself: each rule's row of each table is
what a trace of that example gives, so the document cannot drift from the code."""
from pathlib import Path

import pandas as pd
import pytest

from tracer.handmade import account, utxo
from tracer.trace import RULES, trace

DOC = Path(__file__).parents[2] / "docs" / "tracer.md"

# section heading -> (the example's table, its source, the addresses of the table's number columns)
EXAMPLES = {
    "### At a UTXO transaction": (utxo([("t1", [("S", 3, None), ("C", 7, None)], [("x", 2), ("y", 7)])]),
                                  "S", ("x", "y", "fee")),
    "### At a UTXO output, across hops": (utxo([("t1", [("C", 5, None), ("S", 3, None)], [("m", 8)]),
                                                ("t2", [("m", 8, "t1:0")], [("x", 4), ("y", 4)])]),
                                          "S", ("x", "y")),
    "### At an account": (account([("t1", "C", "A", 5), ("t2", "S", "A", 10), ("t3", "E", "A", 4),
                                   ("t4", "A", "B", 12), ("t5", "A", "D", 3)]),
                          "S", ("B", "D", "A")),
}


def doc_table(heading):
    """rule -> the numbers of its row in the first table after ``heading`` (blank cells: 0)."""
    lines = DOC.read_text().splitlines()
    start = lines.index(heading)
    rows = {}
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].strip("*") in RULES:
            rows[cells[0].strip("*")] = cells[1:]
    return rows


def credited(result):
    out = {}
    for a, v in zip(result.endpoints["address"], result.endpoints["amount"], strict=True):
        out[a] = out.get(a, 0) + v
    return out


@pytest.mark.parametrize("heading", list(EXAMPLES))
def test_each_rules_row_is_what_the_trace_gives(heading):
    table, source, columns = EXAMPLES[heading]
    rows = doc_table(heading)
    assert set(rows) == set(RULES), f"{heading}: the document's table misses a rule"
    for rule, cells in rows.items():
        want = {a: int(c) for a, c in zip(columns, cells, strict=False) if c and c != "0"}
        got = credited(trace(table, source, rule=rule))
        assert got == want, f"{heading}, {rule}: the document says {want}, the trace gives {got}"


def by_source(result):
    return {(s, a): v for s, a, v in zip(result.endpoints["source"], result.endpoints["address"],
                                         result.endpoints["amount"], strict=True)}


def test_several_sources_at_once_as_the_document_says():
    t = account([("t1", "v1", "A", 10), ("t2", "v2", "A", 5), ("t3", "A", "B", 12)])
    assert by_source(trace(t, ["v1", "v2"], rule="fifo")) == {("v1", "B"): 10, ("v2", "B"): 2, ("v2", "A"): 3}
    assert by_source(trace(t, ["v1", "v2"], rule="lifo")) == {("v2", "B"): 5, ("v1", "B"): 7, ("v1", "A"): 3}
    assert by_source(trace(t, ["v1", "v2"], rule="haircut")) == {("v1", "B"): 8, ("v2", "B"): 4, ("v1", "A"): 2,
                                                                 ("v2", "A"): 1}
    u = utxo([("a", [("v1", 6, None)], [("p", 6)]), ("b", [("c", 4, None)], [("p", 4)]),
              ("d", [("v2", 5, None)], [("p", 5)]),
              ("t", [("p", 6, "a:0"), ("p", 4, "b:0"), ("p", 5, "d:0")], [("m", 9), ("n", 5)])])
    assert by_source(trace(u, ["v1", "v2"], rule="fifo")) == {("v1", "m"): 6, ("v2", "n"): 4, ("v2", "fee"): 1}
    assert by_source(trace(u, ["v1", "v2"], rule="haircut")) == {("v1", "m"): 4, ("v2", "m"): 3, ("v1", "n"): 2,
                                                                 ("v2", "n"): 2}


def test_a_trace_on_two_chains_never_mixes_them():
    """One key on two EVM chains: what ``m`` received on chain a is not what it spends on chain b,
    and an address source sends on every chain it appears on."""
    a = account([("t1", "s", "m", 10)], chain="a", asset="ETH")
    b = account([("t2", "m", "x", 10), ("t3", "s", "y", 4)], chain="b", asset="ETH", start=1_700_000_600)
    t = pd.concat([a, b], ignore_index=True)
    r = trace(t, "s", rule="fifo")
    ends = {(e.chain, e.address): e.amount for e in r.endpoints.itertuples()}
    assert ends == {("a", "m"): 10, ("b", "y"): 4}
    assert set(zip(r.flows["chain"], r.flows["tx_hash"], strict=True)) == {("a", "t1"), ("b", "t3")}
    back = trace(t, "x", rule="fifo", direction="backward")
    assert {(e.chain, e.address, e.why): e.amount for e in back.endpoints.itertuples()} == {("b", "m", "origin"): 10}
