import json
import random

import pandas as pd
import pytest
from click.testing import CliRunner

import tracer.load
from tracer import transfers as T
from tracer.bench import Disagreement, bench_tracer, compare, generate, measure_multi, networkx_trace
from tracer.trace import trace_forward


def test_bench_tracer_json():
    r = CliRunner().invoke(bench_tracer, ["--transfers", "4000", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    for key in ("seconds", "peak_mb", "ratio_vs_networkx", "load_seconds", "trace_seconds", "networkx_seconds",
                "raw_read_seconds", "load_vs_raw", "generate_seconds", "load_cpu_seconds", "raw_read_cpu_seconds",
                "load_cpu_vs_raw", "multi_seconds", "multi_ratio_vs_networkx"):
        assert out[key] > 0, key
    assert out["rows"] == out["transfers"] == 4000
    assert out["seconds"] == pytest.approx(out["load_first_seconds"] + out["trace_first_seconds"], abs=0.002)
    assert out["load_seconds"] <= out["load_first_seconds"]  # the best of the loads
    assert 0 < out["reached_fifo"] <= out["reached_networkx"]


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
    r = measure_multi(t, info["source"], n=40)
    assert r["multi_sources"] == 40 and r["multi_flows"] > 40
