"""`tracelab demo`: the main job, end to end on a fresh machine."""
from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .units import fmt


def _story(console: Console, backend: str, out: Path) -> dict:
    from .story import run_story

    with console.status("running the contract story on two lab chains"):
        result = run_story(backend)
    table = Table(title=f"the contract story ({result.backend}): chain A 1337, chain B 8453")
    for col in ("chain", "step", "tx hash"):
        table.add_column(col, overflow="fold")
    for chain, step, h in result.steps:
        table.add_row(chain, step, h)
    console.print(table)
    balances = Table(title="final balances")
    for col in ("chain", "who", "address", "balance"):
        balances.add_column(col, overflow="fold", justify="right" if col == "balance" else "left")
    for chain, who, addr, amount, unit in result.balances:
        shown = fmt(amount, 18, "ETH") if unit == "wei" else \
            fmt(amount, 6, "LUSD") if unit.startswith("LUSD") else fmt(amount, 18, "bETH")
        balances.add_row(chain, who, addr, shown)
    console.print(balances)
    summary = {"backend": result.backend,
               "steps": [{"chain": c, "step": s, "tx": h} for c, s, h in result.steps],
               "balances": [{"chain": c, "who": w, "address": a, "amount": str(n), "unit": u}
                            for c, w, a, n, u in result.balances]}
    (out / "contract-story.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _case(console: Console, backend: str, out: Path, catalog: str) -> tuple[Path, Path]:
    """Generate a catalog case into ``out/case`` (the key beside it) and verify it."""
    from . import catalog as cat
    from .bundle import write_bundle
    from .verify import verify_bundle
    from .scenario import run_case
    from .spec import load_spec

    spec = load_spec(cat.path(catalog))
    with console.status(f"generating the catalog case {catalog} (seed {spec.seed})") as status:
        with run_case(spec, backend=backend, progress=lambda m: status.update(f"{catalog}: {m}")) as case:
            # the demo's own folder: replacing its previous output is what a re-run means
            bundle, key = write_bundle(case, out / "case", out / "case.key", force=True)
        status.update(f"{catalog}: verifying the bundle against its replay logs")
        problems = verify_bundle(bundle, backend=backend)
    if problems:
        raise click.ClickException("the demo case does not verify: " + "; ".join(problems))
    truth = json.loads((key / "key.json").read_text())
    table = Table(title=f"case {catalog}: what the instructor's key says (trainees get {bundle}/ only)")
    for col in ("step", "typology", "transactions"):
        table.add_column(col)
    for step in truth["steps"]:
        table.add_row(str(step["step"]), step["typology"], str(len(step["transactions"])))
    console.print(table)
    for co in truth["cashouts"]:
        venue = co.get("exchange") or co.get("desk")
        console.print(f"cash-out: {fmt(int(co['amount']), 6 if co['asset'] != 'ETH' else 18, co['asset'])} "
                      f"to {co['address']} at {venue} ({co['jurisdiction']}), tx {co['tx']}")
    console.print(f"bundle {bundle} verified: manifest, replay logs and exports agree")
    return bundle, key


_DECIMALS = {"BTC": 8, "ETH": 18}


def _trace(console: Console, bundle: Path, key: Path, out: Path, hops: int = 10) -> Path:
    """Trace the case from the reported payments with the tracer (bundle data only) and write a report."""
    import hashlib

    from tracer.load import load
    from tracer.load.tagpack import address_labels, load_tagpacks
    from tracer.trace import trace_forward

    truth = json.loads((key / "key.json").read_text())
    with console.status("tracing the case from the reported payments"):
        table = load(bundle / "exports")
        tags = load_tagpacks(*sorted((bundle / "tags").glob("*.yaml")))
    labels = address_labels(tags)
    data_hash = hashlib.sha256((bundle / "MANIFEST.sha256").read_bytes()).hexdigest()
    sources = sorted({v["to"].lower() if v["to"].startswith("0x") else v["to"] for v in truth["victims"]})
    received = {}
    for v in truth["victims"]:
        src = v["to"].lower() if v["to"].startswith("0x") else v["to"]
        received[src] = received.get(src, 0) + int(v["amount"])
    lines = [f"# Trace report: case {truth['case']} (seed {truth['seed']})", "",
             f"Data: the bundle `{bundle.name}/`, whose MANIFEST.sha256 hashes to `{data_hash}`. Rule: FIFO at "
             f"every address, forward, at most {hops} hops, stopping at attributed services "
             "(`tags/services.yaml`). Amounts are exact, in whole units; every row names its transactions.", "",
             "Pools: a UTXO transaction maps its inputs, in order, onto its outputs, fee last (Anderson et al., "
             "\"Bitcoin Redux\"); an address passes on what it received in time order. Each source's endpoints "
             "add up to exactly what it sent.", ""]
    intro = len(lines)
    reached = set()
    traced = []
    for src in sources:
        flows, ends = trace_forward(table, src, rule="fifo", hops=hops, stop=set(labels))
        traced.append((flows, ends))
        sent = sum(int(a) for a in table.loc[table["from"] == src, "amount"])
        if sum(int(a) for a in ends["amount"]) != sent:
            raise click.ClickException(f"the trace from {src} does not reconcile with what it sent")
        asset = "BTC" if not src.startswith("0x") else "ETH"
        lines += [f"## From `{src}`", "",
                  f"Received from the victims: {fmt(received[src], _DECIMALS[asset], asset)}; sent on: "
                  f"{fmt(sent, _DECIMALS[asset], asset)}.", "",
                  "| endpoint | label | amount | hops | why | transactions |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for e in ends.sort_values(["amount", "address"], ascending=[False, True]).itertuples():
            amount = fmt(int(e.amount), _DECIMALS[e.asset], e.asset) if e.asset in _DECIMALS else f"{e.amount} {e.asset}"
            path = ", ".join(f"`{h}`" for h in dict.fromkeys(e.path))
            lines.append(f"| `{e.address}` | {labels.get(e.address) or ''} | {amount} | {e.hops} | {e.why} | {path} |")
            reached.add(e.address)
        lines.append("")
    lines[intro:intro] = _figures(traced, tags, table, out)
    report = out / "report.md"
    report.write_text("\n".join(lines) + "\n")
    services = {labels[a] for a in reached if a in labels}
    console.print(f"traced {len(sources)} reported deposit address(es): the funds reach "
                  f"{len(reached)} endpoint(s), {len(services)} of them attributed services "
                  f"({', '.join(sorted(services)) or 'none'}); report: {report}")
    return report


def _figures(traced, tags, table, out: Path) -> list[str]:
    """Draw the traces from all the sources together as PNGs beside the report; its markdown lines."""
    import pandas as pd

    from tracer import plot

    flows = pd.concat([f for f, _ in traced], ignore_index=True)
    ends = pd.concat([e for _, e in traced], ignore_index=True)
    if flows.empty:
        return []
    decimals = {**dict(zip(table["asset"], (int(d) for d in table["decimals"]))), **_DECIMALS}
    lines = ["## Figures", "",
             "The traces from all the sources together. Amounts on the figures are rounded for reading; the tables "
             "below give them exactly.", ""]
    for name, caption in plot.save_all(flows, ends, str(out / "trace-"), tags=tags, decimals=decimals):
        lines += [f"![{caption}]({name})", "", f"*{caption}.*", ""]
    return lines


@click.command("demo")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-output"),
              show_default=True, help="Folder for what the demo writes.")
@click.option("--backend", type=click.Choice(["auto", "anvil", "pyevm"]), default="auto", show_default=True)
@click.option("--catalog", default="investment-fraud", show_default=True, help="The catalog case to generate.")
def demo(out: Path, backend: str, catalog: str):
    """The main job: the contract story on two lab chains; a catalog case generated, verified, traced, reported."""
    console = Console()
    out.mkdir(parents=True, exist_ok=True)
    _story(console, backend, out)
    bundle, key = _case(console, backend, out, catalog)
    _trace(console, bundle, key, out)
    console.print(f"written to {out}/")
