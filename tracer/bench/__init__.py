"""``tracelab bench tracer``: a million transfers of each model, loaded and traced 6 hops forward by
FIFO, against a plain networkx breadth-first trace of the same table measured in the same run.

Two halves, each on its own seeded synthetic export (written to a temporary folder) and measured
in a fresh child process, so that neither the data generator's memory nor the other half's counts:

- **EVM** (:mod:`tracer.bench.evm`): an ethereum-etl CLI export (exchanges with huge degree,
  tokens beyond 64 bits, failed transactions), traced from a busy address; the baseline
  :func:`~tracer.bench.baseline.networkx_trace` goes address to address in time order;
- **UTXO** (:mod:`tracer.bench.utxo`): a bitcoin-etl export (address reuse, exchange sweeps of 20
  to 80 inputs and batches of 5 to 30 outputs, a fraud address spending 5 to 30 payments at
  once), traced from that address; the baseline :func:`~tracer.bench.baseline.networkx_utxo_trace`
  goes transaction to transaction, output by output.

Each half measures:

- ``raw_read_seconds``: a plain pyarrow read of the same files (``pyarrow.csv.read_csv`` of each
  CSV; ``pyarrow.json.read_json`` of the bitcoin-etl JSON lines), the floor for any loader;
- ``load_seconds``: :func:`tracer.load.load` of the folder (all checks, exact integers), the best
  of :data:`REPEATS` runs taken in turn with the raw read, after the traces, so that a busy
  machine slows both alike; ``load_first_seconds`` is the first load, the one traced;
- ``trace_seconds``: :func:`tracer.trace.trace_forward` from the busy address, ``rule="fifo"``,
  ``hops=6``; ``networkx_seconds``: the baseline on the same table, source and hops (graph
  building included in both: the tracer orders the table itself, the baseline builds its graph);
  ``multi_seconds``: the same trace from 1,000 sources at once (``multi_sources``: the first
  victims' payments into the busy address, an EVM transaction or a UTXO output each, each its own
  colour), every source's endpoints checked to add up to its payment. These three are the best of
  :data:`REPEATS` runs taken in turn; ``trace_first_seconds`` is the first trace;
- ``peak_mb``, the peak resident memory of the child process after load and trace;
  ``multi_peak_mb`` after the 1,000-source trace too;
- the trace is checked against its baseline (:func:`~tracer.bench.baseline.compare`,
  :func:`~tracer.bench.baseline.compare_utxo`), which must reach everything the trace reaches:
  ``reached_fifo`` and ``reached_networkx`` count them (addresses for EVM, transactions for UTXO).

The report (``--json``) holds the EVM figures under these names and the UTXO ones prefixed
``utxo_`` (``utxo_trace_seconds``, ``utxo_ratio_vs_networkx``, ``utxo_peak_mb``, ...), and the
ratios: ``ratio_vs_networkx`` = ``trace_seconds / networkx_seconds``, ``multi_ratio_vs_networkx``
= ``multi_seconds / networkx_seconds``, ``load_vs_raw`` = ``load_seconds / raw_read_seconds``, and
``load_cpu_vs_raw`` the same for the CPU time of all the process's threads (the raw reads, and the
loaders' reads and column kernels, run in several threads: on a busy machine the wall-clock
ratio says less); ``seconds`` is the first load plus the first trace.
"""
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import click

from tracer.bench.baseline import Disagreement, compare, compare_utxo, networkx_trace, networkx_utxo_trace
from tracer.bench.measure import MULTI, REPEATS, measure, measure_multi

SEED = 20260301
HALVES = ("evm", "utxo")
PREFIX = {"evm": "", "utxo": "utxo_"}  # of each half's keys in the report
#: the line above each half's table, from its keys in the report (without the half's prefix)
HEADLINE = {"evm": "ethereum-etl: {rows} transfers ({transactions} transactions, {token_transfers} token transfers, "
                   "{blocks} blocks), source {source}",
            "utxo": "bitcoin-etl: {rows} transfers ({transactions} transactions, {blocks} blocks), source {source}"}

__all__ = ["HALVES", "MULTI", "REPEATS", "SEED", "Disagreement", "bench_tracer", "compare", "compare_utxo",
           "measure", "measure_multi", "networkx_trace", "networkx_utxo_trace", "run"]


def _in_child(f, *args):
    """``f(*args)`` in a fresh process (a child that dies says so, rather than hang)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(f, *args).result()


def _ratios(m, prefix=""):
    """The report of one half: its figures (floats rounded) and ratios, keys prefixed."""
    r = {k: round(v, 3) if isinstance(v, float) else v for k, v in m.items()}
    r.update(seconds=round(m["load_first_seconds"] + m["trace_first_seconds"], 3),
             ratio_vs_networkx=round(m["trace_seconds"] / m["networkx_seconds"], 3),
             multi_ratio_vs_networkx=round(m["multi_seconds"] / m["networkx_seconds"], 3),
             load_vs_raw=round(m["load_seconds"] / m["raw_read_seconds"], 3))
    if "raw_read_cpu_seconds" in m:
        r["load_cpu_vs_raw"] = round(m["load_cpu_seconds"] / m["raw_read_cpu_seconds"], 3)
    return {prefix + k: v for k, v in r.items()}


def run(transfers=1_000_000, seed=SEED, hops=6, progress=None, halves=HALVES, repeats=REPEATS):
    """Generate each half's export (``halves``: ``"evm"``, ``"utxo"``), measure it in a child process
    (each step the best of ``repeats`` runs), return the report."""
    from tracer.bench.measure import half_module

    r = {"transfers": transfers, "hops": hops, "seed": seed}
    for half in halves:
        prefix = PREFIX[half]
        with tempfile.TemporaryDirectory(prefix=f"tracelab-bench-{half}-") as d:
            start = time.perf_counter()
            info = half_module(half).generate(Path(d), transfers, random.Random(seed + HALVES.index(half)), progress)
            info["generate_seconds"] = round(time.perf_counter() - start, 3)
            r.update({prefix + key: v for key, v in info.items()})
            r.update(_ratios(_in_child(measure, half, d, info["source"], hops, repeats), prefix))
    return r


def _table(r, prefix, hops):
    if prefix:
        g = {k.removeprefix(prefix): v for k, v in r.items() if k.startswith(prefix)}
    else:
        g = {k: v for k, v in r.items() if not k.startswith("utxo_")}
    raw = "raw pyarrow read of the CSVs" if not prefix else "raw pyarrow read of the JSON lines"
    load = f"{g['load_seconds']:.2f} s  ({g['load_vs_raw']:.1f}x raw"
    load += f"; CPU {g['load_cpu_vs_raw']:.1f}x raw's)" if "load_cpu_vs_raw" in g else ")"
    reached = "addresses" if not prefix else "transactions"
    return [("generate export (not timed below)", f"{g['generate_seconds']:.2f} s"),
            (f"{raw} (best of {REPEATS})", f"{g['raw_read_seconds']:.2f} s"),
            (f"tracer.load (best of {REPEATS})", load),
            (f"FIFO trace, {hops} hops", f"{g['trace_seconds']:.2f} s  ({g['flows']} flows)"),
            (f"FIFO trace, {g['multi_sources']} sources at once",
             f"{g['multi_seconds']:.2f} s  ({g['multi_flows']} flows, {g['multi_ratio_vs_networkx']:.2f}x networkx)"),
            ("networkx BFS trace (baseline)", f"{g['networkx_seconds']:.2f} s"),
            ("load + trace", f"{g['seconds']:.2f} s"),
            ("peak memory (load + trace)", f"{g['peak_mb']} MB"),
            ("trace / networkx", f"{g['ratio_vs_networkx']:.2f}"),
            (f"{reached} reached (FIFO / networkx)", f"{g['reached_fifo']} / {g['reached_networkx']}")]


@click.command("tracer")
@click.option("--transfers", default=1_000_000, show_default=True,
              help="Rows of the transfers table to generate, in each half.")
@click.option("--seed", default=SEED, show_default=True, help="Seed of the synthetic exports.")
@click.option("--hops", default=6, show_default=True, help="Hops of the forward traces.")
@click.option("--only", type=click.Choice(HALVES), help="Measure one half only: the ethereum-etl or the bitcoin-etl "
              "export.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_tracer(transfers: int, seed: int, hops: int, only: str | None, as_json: bool):
    """Load N ethereum-etl and N bitcoin-etl transfers, trace 6 hops by FIFO; ratios against networkx BFS traces."""
    if transfers < 2:
        raise click.BadParameter("at least 2", param_hint="--transfers")
    halves = (only,) if only else HALVES
    with click.progressbar(length=transfers * len(halves), label="generating the exports", file=sys.stderr) as bar:
        r = run(transfers, seed, hops, progress=bar.update, halves=halves)
    if as_json:
        click.echo(json.dumps(r, sort_keys=True))
        return
    for half in halves:
        prefix = PREFIX[half]
        click.echo(HEADLINE[half].format(**{k.removeprefix(prefix): v for k, v in r.items() if k.startswith(prefix)}))
        rows = _table(r, prefix, hops)
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            click.echo(f"  {name:<{width}}  {value}")
