import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.patches import FancyArrowPatch, Rectangle

import tracer as tr
from tracer import plot as P
from tracer import transfers as T
from tracer.load.bitcoin_etl import load_bitcoin_etl
from tracer.load.tagpack import load_tagpacks
from tracer.trace import trace_forward

S, A, B, C, X = ("0x" + d * 40 for d in "51234")
ETH = 10**18


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def transfers(rows):
    """rows: (tx, block, from, to, amount); one ETH transfer each, an hour apart."""
    return pd.DataFrame([("eth", tx, b, 1_700_000_000 + 3600 * b, f, t, "ETH", amt, T.NATIVE, 18, -1)
                         for tx, b, f, t, amt in rows], columns=T.COLUMNS)


@pytest.fixture
def case(tmp_path):
    t = transfers([("0xt1", 1, S, A, 10 * ETH), ("0xt2", 2, A, B, 4 * ETH), ("0xt3", 3, A, C, 6 * ETH),
                   ("0xt4", 4, C, X, 5 * ETH)])
    flows, ends = trace_forward(t, S, stop={X})
    pack = tmp_path / "pack.yaml"
    pack.write_text(f"title: t\ncreator: me\nsource: https://example.org\ncurrency: ETH\ntags:\n"
                    f"  - address: '{X}'\n    label: Kestrel deposit\n    category: exchange\n")
    return flows, ends, load_tagpacks(pack)


def texts(ax):
    return " ".join(t.get_text() for t in ax.texts) + " " + " ".join(
        t.get_text() for t in ax.get_legend().get_texts())


def test_flow_graph_edges_widths_labels_and_legend(case, tmp_path):
    flows, ends, tags = case
    ax = P.flow_graph(flows, ends, tags=tags, decimals={"ETH": 18})
    edges = {p.get_gid(): p.get_linewidth() for p in ax.patches if isinstance(p, FancyArrowPatch)}
    assert set(edges) == {f"edge:{S}->{A}", f"edge:{A}->{B}", f"edge:{A}->{C}", f"edge:{C}->{X}"}
    # widths follow the tainted amounts: 10 > 6 > 5 > 4
    order = [f"edge:{S}->{A}", f"edge:{A}->{C}", f"edge:{C}->{X}", f"edge:{A}->{B}"]
    assert [edges[k] for k in order] == sorted(edges.values(), reverse=True)
    assert len(set(edges.values())) == 4
    words = texts(ax)
    assert "Kestrel deposit" in words and "5 ETH attributed service" in words
    assert "source: 0x5555…5555" in words and "0x1111…1111" in words
    assert {"exchange", "untagged", "source"} <= {t.get_text() for t in ax.get_legend().get_texts()}
    src = next(c for c in ax.collections if c.get_gid() == f"node:{S}")
    assert tuple(src.get_edgecolor()[0][:3]) == matplotlib.colors.to_rgb(P.SOURCE_COLOUR)
    assert ax.get_xticklabels()[0].get_text() == "source"
    png = tmp_path / "flow.png"
    P.save(ax, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_bytes_repeat(case, tmp_path):
    flows, ends, tags = case
    for name in ("a", "b"):
        P.save(P.sankey(flows, ends, tags=tags), tmp_path / f"{name}.png")
        plt.close("all")
    a, b = (tmp_path / "a.png").read_bytes(), (tmp_path / "b.png").read_bytes()
    assert a == b and b"Software" not in a


def test_time_layout_places_nodes_at_first_arrival(case):
    flows, ends, tags = case
    ax = P.flow_graph(flows, ends, tags=tags, layout="time")
    x = {c.get_gid(): c.get_offsets()[0][0] for c in ax.collections if str(c.get_gid()).startswith("node:")}
    t = {a: matplotlib.dates.date2num(pd.Timestamp(1_700_000_000 + 3600 * b, unit="s", tz="UTC"))
         for a, b in ((A, 1), (B, 2), (C, 3), (X, 4))}
    assert all(x[f"node:{a}"] == pytest.approx(v) for a, v in t.items())
    assert "UTC" in ax.get_xlabel()
    with pytest.raises(ValueError, match="layout"):
        P.flow_graph(flows, layout="spring")


def test_utxo_transactions_are_points_and_fees_sit_by_their_payer(tmp_path):
    def tx(h, block, spent, src, outs, vout=0):
        return {"hash": h, "block_number": block, "block_timestamp": 1_700_000_000 + 600 * block,
                "is_coinbase": False, "fee": 100,
                "inputs": [{"index": 0, "spent_transaction_hash": spent, "spent_output_index": vout,
                            "addresses": [src], "value": sum(v for _, v in outs) + 100}],
                "outputs": [{"index": i, "addresses": [a], "value": v} for i, (a, v) in enumerate(outs)]}

    p = tmp_path / "transactions.json"
    p.write_text("\n".join(json.dumps(t) for t in [
        tx("t1", 1, "t0", "bcrt1qsrc", [("bcrt1qpeel1", 1_000), ("bcrt1qchg1", 8_900)]),
        tx("t2", 2, "t1", "bcrt1qchg1", [("bcrt1qpeel2", 800), ("bcrt1qchg2", 8_000)], vout=1),
    ]) + "\n")
    flows, ends = trace_forward(load_bitcoin_etl(p), "bcrt1qsrc")
    ax = P.flow_graph(flows, ends, decimals={"BTC": 8})
    assert sorted(c.get_gid() for c in ax.collections if str(c.get_gid()).startswith("tx:")) == ["tx:t1", "tx:t2"]
    fees = {c.get_gid(): c.get_offsets()[0][0] for c in ax.collections if str(c.get_gid()).startswith("node:fee@")}
    assert fees == {"node:fee@t1": 1.0, "node:fee@t2": 2.0}  # half a column after their transaction
    assert "0.00008 BTC unspent" in texts(ax)  # chg2: 8,000 sat


def test_many_nodes_are_merged(tmp_path):
    to = ["0x" + f"{i:040x}" for i in range(30)]
    t = transfers([("0xt0", 1, S, A, 500 * ETH)] + [(f"0xs{i:02d}", 2 + i, A, to[i], (i + 1) * ETH) for i in range(30)])
    flows, ends = trace_forward(t, S)
    ax = P.flow_graph(flows, ends, max_nodes=8)
    nodes = [c.get_gid() for c in ax.collections if str(c.get_gid()).startswith("node:")]
    assert len(nodes) == 9  # source, 7 largest, one group of the rest
    assert "node:others@2.0" in nodes and "+24 others" in texts(ax)
    kept = {n for n in nodes if n.startswith("node:0x")} - {f"node:{S}", f"node:{A}"}
    assert kept == {f"node:{to[i]}" for i in range(24, 30)}  # the six receiving most


def test_timeline_one_marker_per_transfer_sized_by_amount(case, tmp_path):
    flows, _, tags = case
    ax = P.timeline(flows, tags=tags, decimals={"ETH": 18})
    dots = next(c for c in ax.collections if c.get_gid() == "flows")
    assert len(dots.get_offsets()) == 4
    sizes = list(dots.get_sizes())
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 4  # drawn largest first
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    # in order reached; a tagged address is labelled as in the tables: label (category)
    assert lanes == ["0x1111…1111", "0x2222…2222", "0x3333…3333", "Kestrel deposit (exchange)"]
    assert "10 ETH" in texts(ax) and ax.get_xlabel() == "time (UTC)"
    ax2 = P.timeline(flows, lane="hop")
    assert [t.get_text() for t in ax2.get_yticklabels()] == ["hop 1", "hop 2", "hop 3"]
    P.save(ax, tmp_path / "timeline.png")


def test_sankey_bands_proportional_and_grouped(case, tmp_path):
    flows, ends, tags = case
    ax = P.sankey(flows, ends, tags=tags, decimals={"ETH": 18})
    sinks = {p.get_gid(): p.get_height() for p in ax.patches if str(p.get_gid()).startswith("sink:")}
    assert set(sinks) == {"sink:Kestrel deposit (exchange)", "sink:untagged, unspent"}
    # Kestrel got 5, the two unspent addresses 4 + 1 (A kept 10 - 4 - 6, C kept 1)
    assert sinks["sink:Kestrel deposit (exchange)"] == pytest.approx(sinks["sink:untagged, unspent"])
    hops = {p.get_gid(): p.get_height() for p in ax.patches if str(p.get_gid()).startswith("hop:")}
    assert hops["hop:1"] == pytest.approx(1.0) and hops["hop:3"] == pytest.approx(0.5)
    words = texts(ax)
    assert "Kestrel deposit (exchange) — 5 ETH (50.0%)" in words and "10 ETH" in words
    assert {"exchange", "untagged"} == {t.get_text() for t in ax.get_legend().get_texts()}
    P.save(ax, tmp_path / "sankey.png")


def test_sankey_top_groups_rest_as_other():
    t = transfers([(f"0xs{i:02d}", 1 + i, S, "0x" + f"{i:02d}" * 20, (i + 1) * ETH) for i in range(12)])
    flows, ends = trace_forward(t, S)
    tags = pd.DataFrame([("0x" + f"{i:02d}" * 20, f"Service {i}", "exchange", None, None, None, "p")
                         for i in range(12)], columns=["address", "label", "category", "source", "confidence",
                                                       "currency", "pack"])
    ax = P.sankey(flows, ends, tags=tags, top=4)
    sinks = [p.get_gid() for p in ax.patches if str(p.get_gid()).startswith("sink:")]
    assert set(sinks) == {"sink:Service 11 (exchange)", "sink:Service 10 (exchange)", "sink:Service 9 (exchange)",
                          "sink:other (9 groups)"}


def test_sankey_needs_one_asset(case):
    flows, ends, _ = case
    two = pd.concat([ends, ends.assign(asset="0xtoken")], ignore_index=True)
    with pytest.raises(ValueError, match="several assets"):
        P.sankey(flows, two)
    assert P.sankey(flows, two, asset="ETH") is not None


def test_empty_trace_is_a_clear_error(case):
    t = transfers([("0xt1", 1, A, S, ETH)])  # the source only received
    flows, ends = trace_forward(t, S)
    assert flows.empty
    for draw in (lambda: P.flow_graph(flows, ends), lambda: P.timeline(flows), lambda: P.sankey(flows, ends)):
        with pytest.raises(ValueError, match="empty"):
            draw()
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['tainted'\]"):
        P.flow_graph(case[0].drop(columns="tainted"))


def test_extra_columns_are_tolerated(case):
    flows, ends, tags = case
    ax = P.flow_graph(flows.assign(direction="forward"), ends.assign(direction="forward"), tags=tags)
    assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == 4
    assert any(isinstance(p, Rectangle) for p in P.sankey(flows.assign(direction="forward"), ends).patches)


def _inside(artist, fig):
    fig.canvas.draw()
    box, page = artist.get_window_extent(), fig.bbox
    return box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1


def test_a_result_carries_its_units_and_long_titles_stay_on_the_figure(case):
    tags = case[2]
    t = transfers([("0xt1", 1, S, A, 10 * ETH), ("0xt2", 2, A, B, 4 * ETH)])
    r = tr.trace(t, S, stop=tags)
    ax = P.flow_graph(r, title="a very long title " * 20)  # no decimals=: the result says 18
    assert "4 ETH" in texts(ax) and _inside(ax.title, ax.figure)


def test_sankey_labels_keep_clear_of_the_axis_labels():
    """Many thin endpoint groups below one wide one: their labels, pushed apart downwards, ran
    over the axis labels."""
    rows = [("0xbig", 1, S, X, 500 * ETH)] + [(f"0xs{i:02d}", 2 + i, S, "0x" + f"{i:02d}" * 20, ETH) for i in range(7)]
    tags = pd.DataFrame([("0x" + f"{i:02d}" * 20, f"Service {i}", "exchange") for i in range(7)],
                        columns=["address", "label", "category"])
    ax = P.sankey(tr.trace(transfers(rows), S), tags=tags)
    ax.figure.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    ticks = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    legend = ax.get_legend().get_window_extent()
    assert min(b.y0 for b in boxes) > legend.y1 and min(b.y0 for b in ticks) > max(b.y1 for b in boxes)


def test_save_all_one_sankey_per_asset(tmp_path):
    t = pd.concat([transfers([("0xt1", 1, S, A, 10 * ETH)]),
                   pd.DataFrame([("eth", "0xt2", 2, 1_700_007_200, S, B, "0x" + "7" * 40, 5, T.TOKEN, 6, 0)],
                                columns=T.COLUMNS)], ignore_index=True)
    names = [n for n, _ in P.save_all(tr.trace(t, S), str(tmp_path / "c-"))]
    assert names == ["c-flow.png", "c-timeline.png", "c-sankey-0x7777777777777777777777777777777777777777.png",
                     "c-sankey-ETH.png"]


def test_edge_labels_keep_clear_of_each_other_and_of_the_nodes():
    """A round trip (A pays B, B pays C, C pays A back) beside a payment that skips a hop (A pays C):
    drawn straight, the skipping edge's label sat on B and the edge back ran through the others."""
    t = transfers([("0xt1", 1, S, A, 10 * ETH), ("0xt2", 2, A, B, 4 * ETH), ("0xt3", 3, B, C, 4 * ETH),
                   ("0xt4", 4, A, C, 6 * ETH), ("0xt5", 5, C, A, 5 * ETH), ("0xt6", 6, A, X, 5 * ETH)])
    ax = P.flow_graph(tr.trace(t, S))
    ax.figure.canvas.draw()
    amounts = [t for t in ax.texts if t.get_text().endswith(" ETH") and "\n" not in t.get_text()]
    assert len(amounts) == 6
    boxes = [t.get_window_extent() for t in amounts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    nodes = [ax.transData.transform(c.get_offsets()[0]) for c in ax.collections
             if (c.get_gid() or "").startswith("node:")]
    assert len(nodes) == 5
    assert not any(b.contains(x, y) for b in boxes for x, y in nodes)


def test_a_timeline_of_several_assets_gives_each_its_own_scale():
    """Markers are sized within their asset: the legend gives each asset's largest flow (it gave
    one asset's, as if a token's units compared with ETH's)."""
    from tracer.handmade import account

    r = tr.trace(account([("t1", "s", "a", 10), ("t2", "s", "b", 300, "Y"), ("t3", "s", "c", 150, "Y")]), "s")
    legend = P.timeline(r).get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert "10 X" in labels and "300 Y" in labels and "75 Y" not in labels
    assert "largest of each asset" in legend.get_title().get_text()
    one = P.timeline(tr.trace(account([("t1", "s", "a", 8), ("t2", "s", "b", 4)]), "s")).get_legend()
    assert {"8 X", "2 X"} <= {t.get_text() for t in one.get_texts()}


def test_a_sankey_of_a_converted_asset_starts_where_the_conversion_made_it():
    """``c`` takes 4 X and pays 10 Y within t3 (hop 2); no source sent Y. The Y Sankey said "from
    0 sources" and drew 10 Y as moving since hop 1."""
    from tracer.handmade import account

    t = account([("t1", "s", "u", 4), {"tx_hash": "t3", "from": "u", "to": "c", "amount": 4},
                 {"tx_hash": "t3", "from": "c", "to": "v", "amount": 10, "asset": "Y", "kind": "token", "index": 0},
                 ("t4", "v", "w", 6, "Y")])
    ax = P.sankey(tr.trace(t, "s"), asset="Y")
    assert "10 Y converted from what the sources sent" in ax.get_title()
    assert [x.get_text() for x in ax.get_xticklabels()] == ["", "hop 2", "hop 3", "endpoints"]
    assert "0 Y" not in {x.get_text() for x in ax.texts}
    assert not [p for p in ax.patches if str(p.get_gid()).startswith(("source:", "hop:1"))]


def test_long_node_labels_in_one_column_keep_clear_of_each_other():
    """Six addresses of one hop, each with a long tag label and a line saying it received more
    than the traced part: at a fixed height per row, the wrapped labels ran into each other."""
    from tracer.handmade import account

    outs = [f"m{i}" for i in range(6)]
    rows = [(f"x{i}", f"other{i}", m, 90) for i, m in enumerate(outs)]
    rows += [(f"t{i}", "s", m, 10 + i) for i, m in enumerate(outs)]
    label = ("Money mule number {} of the Northern ring, deposit account at Kestrel Exchange, opened with a "
             "forged passport")
    tags = pd.DataFrame([(m, label.format(i), "exchange") for i, m in enumerate(outs)],
                        columns=["address", "label", "category"])
    ax = P.flow_graph(tr.trace(account(rows), "s"), tags=tags)
    ax.figure.canvas.draw()
    labels = [t for t in ax.texts if "traced" in t.get_text()]
    assert len(labels) == 6 and all(t.get_text().count("\n") >= 8 for t in labels)
    boxes = [t.get_window_extent() for t in labels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    plt.close(ax.figure)


def test_timeline_labels_of_equal_flows_at_one_time_do_not_cover_each_other():
    from tracer.handmade import account

    fan = [{"tx_hash": "t1", "from": "s", "to": f"mule{i}", "amount": 5} for i in range(5)]
    ax = P.timeline(tr.trace(account(fan), "s"), lane="hop")
    ax.figure.canvas.draw()
    labels = [t for t in ax.texts if "→" in t.get_text()]
    boxes = [t.get_window_extent() for t in labels]
    assert labels and labels[0].get_text().startswith("5 X → mule")
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    plt.close(ax.figure)


def test_the_total_in_a_title_is_exact_to_the_last_unit():
    """A figure's title states what was sent, as an exhibit would; its labels round for reading."""
    sent = 59_200_912_345_678_901_234
    r = tr.trace(transfers([("0xt1", 1, S, A, sent), ("0xt2", 2, A, B, sent)]), S)
    ax = P.flow_graph(r)
    assert "sent 59.200912345678901234 ETH" in ax.get_title().replace("\n", " ")
    assert "59.2009 ETH" in texts(ax)
    assert "59.200912345678901234 ETH from" in P.sankey(r).get_title().replace("\n", " ")
