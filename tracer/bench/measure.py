"""One half of ``tracelab bench tracer`` measured: load, the trace, the 1,000-source trace, the
networkx baseline and the raw read, in the order and with the repeats :mod:`tracer.bench` states.

A half is a module of :mod:`tracer.bench` (:mod:`~tracer.bench.evm`, :mod:`~tracer.bench.utxo`)
that names its baseline and how to check it (``baseline``, ``agree``), its victims (``victims``),
what each of them paid (``paid``) and the raw read of its files (``raw_read``).
"""
import importlib

from tracer.bench.baseline import Disagreement
from tracer.bench.clock import in_turn, peak_mb, timed

REPEATS = 3  # runs of each timed step, the best of which is reported
MULTI = 1000  # sources of the many-sources trace


def half_module(half):
    """The module of one half, by its name (``"evm"`` or ``"utxo"``)."""
    return importlib.import_module(f"tracer.bench.{half}")


def check_multi(half, table, sources, result):
    """Raise :class:`Disagreement` unless every source's endpoints add up, per asset, to what it paid."""
    sent = result.sent()
    got = {(s, a): int(v) for s, a, v in zip(sent["source"], sent["asset"], sent["amount"], strict=True)}
    want = half_module(half).paid(table, sources)
    if got != want:
        bad = sorted(set(got.items()) ^ set(want.items()))[:1]
        raise Disagreement(f"the {len(sources)}-source {half} trace does not add up to what each source sent: {bad}")


def measure_multi(half, table, address, hops=6, n=MULTI):
    """A FIFO trace from the first ``n`` victims' payments into ``address`` at once, timed and checked."""
    from tracer.trace import trace_forward

    sources = half_module(half).victims(table, address, n)
    result, seconds, _ = timed(trace_forward, table, sources, rule="fifo", hops=hops)
    check_multi(half, table, sources, result)
    return {"multi_seconds": seconds, "multi_sources": len(sources), "multi_flows": len(result.flows),
            "multi_endpoints": len(result.endpoints), "multi_adjusted": result.adjusted}


def _again(h, table, source, hops, repeats):
    """The trace, the baseline and the 1,000-source trace ``repeats`` times more, in turn."""
    from tracer.trace import trace_forward

    sources = h.victims(table, source, MULTI)
    return in_turn(repeats, lambda: trace_forward(table, source, rule="fifo", hops=hops),
                   lambda: h.baseline(table, source, hops),
                   lambda: trace_forward(table, sources, rule="fifo", hops=hops))


def measure(half, directory, source, hops=6, repeats=REPEATS):
    """Time load + trace (and their peak memory), the 1,000-source trace and the networkx baseline,
    each the best of ``repeats`` runs taken in turn, then the raw read and the load in turn.

    Meant to run in a fresh process: ``peak_mb`` is that process's peak resident memory when load
    and trace are done, ``multi_peak_mb`` after the 1,000-source trace, both before the baseline.
    """
    import tracer.load
    from tracer.trace import trace_forward

    h = half_module(half)
    base_mb = peak_mb()
    table, load_first, load_first_cpu = timed(tracer.load.load, directory)
    result, trace_first, _ = timed(trace_forward, table, source, rule="fifo", hops=hops)
    peak = peak_mb()
    multi = measure_multi(half, table, source, hops)
    multi_peak = peak_mb()
    base, nx_first, _ = timed(h.baseline, table, source, hops)
    agree = h.agree(result.flows, base, source)
    counts = {"rows": len(table), "flows": len(result.flows), "endpoints": len(result.endpoints)}
    del result, base
    trace_s, nx_s, multi_s = _again(h, table, source, hops, repeats - 1)
    del table  # before the raw reads, so that they and the loads start alike
    raw_rows = []
    raw, load = in_turn(repeats, lambda: raw_rows.append(h.raw_read(directory)), lambda: tracer.load.load(directory))
    walls = [w for w, _ in load] + [load_first]
    return {"load_seconds": min(walls), "load_first_seconds": load_first,
            "load_cpu_seconds": min([c for _, c in load] + [load_first_cpu]),
            "trace_seconds": min([w for w, _ in trace_s] + [trace_first]), "trace_first_seconds": trace_first,
            "networkx_seconds": min([w for w, _ in nx_s] + [nx_first]),
            "raw_read_seconds": min(w for w, _ in raw), "raw_read_cpu_seconds": min(c for _, c in raw),
            "raw_rows": raw_rows[0], "peak_mb": peak, "baseline_mb": base_mb, "multi_peak_mb": multi_peak,
            **multi, "multi_seconds": min([w for w, _ in multi_s] + [multi["multi_seconds"]]), **counts, **agree}
