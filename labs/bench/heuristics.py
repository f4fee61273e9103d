"""`tracelab bench heuristics`: multi-input clustering against networkx, and every heuristic on a lab case.

One run measures:

- ``clustering``: :func:`tracer.heuristics.bench.measure` on ``--transfers`` synthetic UTXO
  transfers (multi-input clustering from the table, CoinJoins left out, against networkx building
  the same co-spend graph and finding its ``connected_components``; both must agree);
- ``case``: the bench scenario's case (:data:`labs.bench.scenario.BENCH_SPEC`, as ``tracelab bench
  scenario`` makes it) with a second EVM chain and the proceeds crossing to it through the lab
  bridge before the cash-out (:func:`spec`), so that the bridge heuristic has bridge transfers to
  match and tags that name the bridge, as the bundle's tag pack does for every case with a bridge;
  written as a bundle, loaded from its exports with its tags, and every heuristic timed on it
  (:func:`tracer.heuristics.bench.time_each`), with how many rows each found.

It lives in ``labs`` because it generates a case; the tracer knows nothing of how cases are made.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import click

#: what the heuristics' case adds to the bench scenario's: a second EVM chain ...
SIDECHAIN = """[chains.sidechain]
kind = "evm"
chain_id = 8453
block_time = {block_time}
"""
#: ... and, in place of the cash-out on ethereum, the bridge to it and the cash-out there
BRIDGED_CASH_OUT = """[[story]]
typology = "bridge_hop"
chain = "ethereum"
to_chain = "sidechain"
[[story]]
typology = "cash_out"
chain = "sidechain"
"""


def spec(background):
    """The TOML of the heuristics' bench case (see the module's docstring).

    >>> text = spec(600)
    >>> "[chains.sidechain]" in text and 'typology = "bridge_hop"' in text
    True
    """
    from .scenario import BENCH_SPEC

    text = BENCH_SPEC.format(block_time=600, users=max(20, background // 60), background=background, days=7)
    plain = '[[story]]\ntypology = "cash_out"\n[[story]]'  # the ethereum cash-out (the chain's default)
    if text.count(plain) != 1:
        raise ValueError("the bench scenario's story changed: its ethereum cash-out is not where expected")
    text = text.replace(plain, BRIDGED_CASH_OUT + "[[story]]")
    return text.replace("[world]", SIDECHAIN.format(block_time=600) + "[world]")


def case(background, folder, backend="auto", progress=None):
    """Generate the bench case into ``folder`` (bundle and key); returns (seconds, bundle path)."""
    from ..evaluate.cases import generate

    return generate(spec(background), folder, backend, progress), folder / "case"


def run(transfers=1_000_000, background=20_000, backend="auto", progress=None):
    """The report of one run (see the module's docstring)."""
    from tracer.heuristics import load
    from tracer.heuristics.bench import generate, measure, time_each
    from tracer.load.tagpack import load_tagpacks

    from ..evaluate import prices

    if progress:
        progress(f"generating {transfers:,} UTXO transfers")
    table = generate(transfers)
    if progress:
        progress("multi-input clustering and networkx on the same co-spend graph")
    report = {"clustering": measure(table)}
    del table
    if background is None:
        return report
    with tempfile.TemporaryDirectory(prefix="tracelab-bench-heuristics-") as d:
        if progress:
            progress(f"generating the bench case ({background:,} background transactions)")
        gen_s, bundle = case(background, Path(d), backend, progress)
        start = time.perf_counter()
        t = load(bundle / "exports")
        load_s = time.perf_counter() - start
        tags = load_tagpacks(bundle)
        timings = time_each(t, tags=tags, prices=prices(), progress=progress and (lambda n: progress(f"  {n}")))
    report["case"] = {"background": background, "generate_seconds": round(gen_s, 2), "transfers": len(t),
                      "load_seconds": round(load_s, 3), "heuristics": timings,
                      "seconds": round(sum(h["seconds"] for h in timings), 3)}
    return report


@click.command("heuristics")
@click.option("--transfers", default=1_000_000, show_default=True, type=click.IntRange(10),
              help="Synthetic UTXO transfers for the clustering benchmark.")
@click.option("--transactions", default=20_000, show_default=True, type=click.IntRange(0),
              help="Background transactions of the lab case (0: no case, clustering only).")
@click.option("--backend", type=click.Choice(["auto", "anvil", "pyevm"]), default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_heuristics(transfers, transactions, backend, as_json):
    """Multi-input clustering of N UTXO transfers against networkx connected_components, and every
    heuristic on a generated lab case."""
    def say(msg):
        click.echo(msg, err=True)

    r = run(transfers, transactions or None, backend, progress=say)
    if as_json:
        click.echo(json.dumps(r, sort_keys=True))
        return
    c = r["clustering"]
    click.echo(f"multi-input clustering of {c['rows']:,} UTXO transfers ({c['transactions']:,} transactions, "
               f"{c['addresses']:,} spending addresses, {c['coinjoins_left_out']:,} CoinJoins left out): "
               f"{c['seconds']:.2f} s")
    click.echo(f"networkx on the same co-spend graph ({c['joins']:,} joins): {c['networkx_seconds']:.2f} s "
               f"(graph {c['networkx_graph_seconds']:.2f} s, "
               f"connected_components {c['networkx_components_seconds']:.2f} s)")
    click.echo(f"ratio {c['ratio_vs_networkx']:.2f} (target 0.3 or less); {c['clusters']:,} clusters, the same in both")
    if "case" in r:
        k = r["case"]
        click.echo(f"lab case: {k['transfers']:,} transfers ({k['background']:,} background transactions, generated "
                   f"in {k['generate_seconds']:.0f} s, loaded in {k['load_seconds']:.2f} s); every heuristic "
                   f"{k['seconds']:.2f} s:")
        for h in k["heuristics"]:
            what = f"skipped: {h['skipped']}" if "skipped" in h else f"{h['rows']} row(s)"
            click.echo(f"  {h['heuristic']:<40} {h['seconds']:>7.3f} s  {what}")
    sys.stdout.flush()
