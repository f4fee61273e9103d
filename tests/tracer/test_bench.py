import json
import random

import pandas as pd
import pytest
from click.testing import CliRunner

import tracer.load
from tracer import transfers as T
from tracer.bench import (Disagreement, bench_tracer, compare, compare_utxo, measure_multi, networkx_trace,
                          networkx_utxo_trace)
from tracer.bench import utxo as utxo_half
from tracer.bench.evm import generate
from tracer.trace import trace_forward


FIGURES = ("seconds", "peak_mb", "multi_peak_mb", "ratio_vs_networkx", "load_seconds", "trace_seconds",
           "networkx_seconds", "raw_read_seconds", "load_vs_raw", "generate_seconds", "load_cpu_seconds",
           "raw_read_cpu_seconds", "load_cpu_vs_raw", "multi_seconds", "multi_ratio_vs_networkx")


def _half_is_whole(out, prefix):
    for key in FIGURES:
        assert out[prefix + key] > 0, prefix + key
    assert out[prefix + "seconds"] == pytest.approx(out[prefix + "load_first_seconds"]
                                                    + out[prefix + "trace_first_seconds"], abs=0.002)
    assert out[prefix + "load_seconds"] <= out[prefix + "load_first_seconds"]  # the best of the loads
    assert 0 < out[prefix + "reached_fifo"] <= out[prefix + "reached_networkx"]
    assert out[prefix + "multi_sources"] > 1 and out[prefix + "flows"] > 0


def test_bench_tracer_json_has_both_halves():
    r = CliRunner().invoke(bench_tracer, ["--transfers", "5000", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["rows"] == out["transfers"] == 5000
    _half_is_whole(out, "")
    assert out["utxo_rows"] >= 5000 and out["utxo_raw_rows"] == out["utxo_transactions"]
    _half_is_whole(out, "utxo_")


def test_bench_tracer_one_half_and_its_table():
    r = CliRunner().invoke(bench_tracer, ["--transfers", "5000", "--only", "utxo"])
    assert r.exit_code == 0, r.output
    assert "bitcoin-etl: " in r.stdout and "ethereum-etl" not in r.stdout
    assert "trace / networkx" in r.stdout and "transactions reached (FIFO / networkx)" in r.stdout


def test_utxo_generate_is_deterministic_and_loads(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    info = utxo_half.generate(a, 3000, random.Random(3))
    assert info == utxo_half.generate(b, 3000, random.Random(3))
    assert (a / "transactions.json").read_bytes() == (b / "transactions.json").read_bytes()
    t = tracer.load.load(a)
    assert len(t) == info["rows"] >= 3000
    assert utxo_half.raw_read(a) == info["transactions"]


def test_utxo_fifo_trace_stays_within_its_baseline_and_many_victims_reconcile(tmp_path):
    info = utxo_half.generate(tmp_path, 20_000, random.Random(8))
    t = tracer.load.load(tmp_path)
    flows, _ = trace_forward(t, info["source"], rule="fifo", hops=6)
    counts = compare_utxo(flows, networkx_utxo_trace(t, info["source"], 6))
    assert counts["reached_fifo"] > 5 and counts["reached_networkx"] >= counts["reached_fifo"]
    r = measure_multi("utxo", t, info["source"], n=20)
    assert r["multi_sources"] == 20 and r["multi_flows"] > 20


def test_compare_utxo_catches_a_trace_through_a_transaction_the_baseline_missed():
    from tracer.handmade import utxo

    t = utxo([("t1", [("s", 10, None)], [("a", 9)]), ("t2", [("a", 9, "t1:0")], [("b", 8)])])
    base = networkx_utxo_trace(t, "s", hops=1)
    flows = pd.DataFrame({"tx_hash": ["t1", "t2"], "from": ["t1", "t2"], "to": ["a", "b"], "hop": [1, 2],
                          "tainted": [9, 8]})
    with pytest.raises(Disagreement, match="FIFO went through t2"):
        compare_utxo(flows, base)


def test_generate_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    assert generate(a, 800, random.Random(3)) == generate(b, 800, random.Random(3))
    for f in a.iterdir():
        assert f.read_bytes() == (b / f.name).read_bytes(), f.name


def test_fifo_trace_stays_within_the_networkx_baseline(tmp_path):
    info = generate(tmp_path, 5000, random.Random(8))
    t = tracer.load.load(tmp_path)
    flows, _ = trace_forward(t, info["source"], rule="fifo", hops=6)
    base = networkx_trace(t, info["source"], 6)
    counts = compare(flows, base, info["source"])
    assert counts["reached_fifo"] > 10 and counts["reached_networkx"] >= counts["reached_fifo"]


def _table(rows):
    return pd.DataFrame([("c", tx, b, b, f, to, "X", a, "native", 0, -1) for tx, b, f, to, a in rows],
                        columns=T.COLUMNS)


def test_networkx_trace_follows_time_order_and_hop_limit():
    t = _table([("t0", 1, "a", "b", 5),   # before a is reached: not followed
                ("t1", 2, "s", "a", 10),
                ("t2", 3, "a", "b", 4),
                ("t3", 4, "b", "c", 3),
                ("t4", 5, "c", "d", 2)])
    r = networkx_trace(t, "s", hops=2)
    assert r["hops"] == {"s": 0, "a": 1, "b": 2}
    assert r["received"] == {"a": 10, "b": 4}  # b sits at the hop limit: passes nothing on


def test_compare_catches_a_fifo_trace_beyond_the_baseline():
    t = _table([("t1", 1, "s", "a", 10), ("t2", 2, "a", "b", 4)])
    base = networkx_trace(t, "s", hops=1)
    flows = pd.DataFrame({"to": ["a", "b"], "hop": [1, 2], "tainted": [10, 4]})
    with pytest.raises(Disagreement, match="FIFO reached b"):
        compare(flows, base, "s")


def test_many_victims_at_once_each_reconciles(tmp_path):
    info = generate(tmp_path, 20_000, random.Random(5))
    t = tracer.load.load(tmp_path)
    r = measure_multi("evm", t, info["source"], n=40)
    assert r["multi_sources"] == 40 and r["multi_flows"] > 40
