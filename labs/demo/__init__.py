"""`tracelab demo`: the main job, end to end on a fresh machine."""
from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from tracer.terminal import print_table

from ..units import decimals_of, fmt


def _tour(console: Console, backend: str, out: Path) -> dict:
    from .contract_tour import run_tour

    with console.status("running the contract story on two lab chains"):
        result = run_tour(backend)
    table = Table(title=f"the contract story ({result.backend}): chain A 1337, chain B 8453")
    for col in ("chain", "step", "tx hash"):
        table.add_column(col, no_wrap=True)
    for chain, step, h in result.steps:
        table.add_row(chain, step, h)
    print_table(table, console.file)
    balances = Table(title="final balances")
    for col in ("chain", "who", "address", "balance"):
        balances.add_column(col, no_wrap=True, justify="right" if col == "balance" else "left")
    for chain, who, addr, amount, unit in result.balances:
        shown = fmt(amount, 18, "ETH") if unit == "wei" else \
            fmt(amount, 6, "LUSD") if unit.startswith("LUSD") else fmt(amount, 18, "bETH")
        balances.add_row(chain, who, addr, shown)
    print_table(balances, console.file)
    summary = {"backend": result.backend,
               "steps": [{"chain": c, "step": s, "tx": h} for c, s, h in result.steps],
               "balances": [{"chain": c, "who": w, "address": a, "amount": str(n), "unit": u}
                            for c, w, a, n, u in result.balances]}
    (out / "contract-story.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _case(console: Console, backend: str, out: Path, catalog: str) -> tuple[Path, Path]:
    """Generate a catalog case into ``out/case`` (the key beside it) and verify it."""
    from ..spec import catalog as cat
    from ..bundle import write_bundle
    from ..bundle.verify import verify_bundle
    from ..scenario import run_case
    from ..spec import load_spec

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
        table.add_column(col, no_wrap=True)
    for step in truth["steps"]:
        table.add_row(str(step["step"]), step["typology"], str(len(step["transactions"])))
    print_table(table, console.file)
    for co in truth["cashouts"]:
        venue = co.get("exchange") or co.get("desk")
        console.print(f"cash-out: {fmt(int(co['amount']), decimals_of(co['asset']), co['asset'])} "
                      f"to {co['address']} at {venue} ({co['jurisdiction']}), tx {co['tx']}", soft_wrap=True)
    console.print(f"bundle {bundle} verified: manifest, replay logs and exports agree", soft_wrap=True)
    return bundle, key


def _victim_sources(table, victims):
    """Each victim's reported payment as a trace source, labelled with the victim's name: the
    output paying the platform's address (UTXO), or the transaction's own value (EVM)."""
    from tracer.sources import Source

    sources = []
    for v in sorted(victims, key=lambda v: (v["time"], v["tx"])):
        label = f"{v['name']} ({v['country']})"
        to = v["to"].lower() if v["to"].startswith("0x") else v["to"]
        tx = v["tx"].lower() if v["tx"].startswith("0x") else v["tx"]
        outs = table[(table["tx_hash"] == tx) & (table["from"] == tx) & (table["to"] == to)]
        if len(outs):
            sources += [Source(tx=tx, vout=int(i), label=label) for i in outs["index"]]
        else:
            sources.append(Source(tx=tx, label=label))
    return sources


def _trace(console: Console, bundle: Path, key: Path, out: Path, hops: int = 25) -> Path:
    """Trace every reported payment of the case together (bundle data only) and write a report
    that says, endpoint by endpoint, which victim's money is where: who gets what back."""
    import tracer as tr
    from tracer.heuristics.citations import section
    from tracer.report import data_line, transactions, who_gets_what

    truth = json.loads((key / "key.json").read_text())
    with console.status("tracing the victims' payments together"):
        table = tr.load(bundle / "exports")
        tags = tr.load_tags(bundle)
        sources = _victim_sources(table, truth["victims"])
        result = tr.trace(table, sources, rule="fifo", hops=hops, stop=tags)
    paid = {}
    for s in sources:
        rows = table[table["tx_hash"] == s.tx]
        # an output, or an EVM transaction's own value: its fee is the payer's, not the payment
        rows = rows[(rows["from"] == s.tx) & (rows["index"] == s.vout)] if s.vout is not None else \
            rows[rows["kind"] != "fee"]
        for a, v in zip(rows["asset"], rows["amount"], strict=True):
            paid[(s.name, a)] = paid.get((s.name, a), 0) + int(v)
    sent = {(r.source, r.asset): int(r.amount) for r in result.sent().itertuples()}
    wrong = [k for k, v in paid.items() if sent.get(k) != v]
    if wrong:
        raise click.ClickException(f"the trace of {wrong[0][0]} does not reconcile with what was paid")
    lines = [f"# Trace report: case {truth['case']} (seed {truth['seed']})", "",
             f"{data_line([bundle])} Rule: FIFO, "
             f"forward, at most {hops} hops, stopping at attributed services (`tags/services.yaml`). The "
             f"{len(sources)} reported payments are traced together, each its own colour, so no unit is counted "
             "for two victims; each victim's endpoints add up to exactly what that victim paid. Amounts are exact, "
             "in whole units; every row names its transactions.", "",
             "Pools: each UTXO output is a coin of its own; a transaction lays its inputs' units onto its outputs "
             "in order, fee last, and the order is kept from hop to hop (Anderson et al., \"Bitcoin Redux\"); an "
             "address passes on what it received in time order.", ""]
    lines += who_gets_what(result, who="victim")
    lines += _per_victim(result, paid)
    lines += section(result, table, tags)
    lines += _figures(result, out)
    lines += transactions(result, who="victim")
    report = out / "report.md"
    report.write_text("\n".join(lines) + "\n")
    ends = result.shares()
    services = sorted({r.label for r in ends.itertuples() if r.why == "attributed service" and r.label})
    console.print(f"traced {len(sources)} reported payments together: the funds reach {ends['address'].nunique()} "
                  f"endpoint(s), {len(services)} of them attributed services ({', '.join(services) or 'none'}); "
                  f"report: {report}", soft_wrap=True)
    return report


def _per_victim(result, paid) -> list[str]:
    from tracer.report import md

    # each row adds up to what the victim paid: value a contract converted (a swap, a wrap) ends here
    # as "converted" and goes on in the new asset, in the table above
    named = ["attributed service", "unspent", "fee", "converted"]
    lines = ["## Per victim", "", "| victim | paid | at attributed services | unspent | fees | converted | "
             "stopped otherwise |", "| --- | --- | --- | --- | --- | --- | --- |"]
    ends = result.endpoints
    for s in dict.fromkeys(s.name for s in result.sources):
        mine = ends[ends["source"] == s]
        for asset in sorted({a for (n, a) in paid if n == s}):
            here = mine[mine["asset"] == asset]

            def part(mask, here=here, asset=asset):
                return result.amount(sum(int(x) for x in here[mask]["amount"]), asset)
            lines.append(f"| {md(s)} | {result.amount(paid[(s, asset)], asset)} | "
                         + " | ".join(part(here["why"] == why) for why in named)
                         + f" | {part(~here['why'].isin(named))} |")
    return lines + [""]


def _figures(result, out: Path) -> list[str]:
    """The multi-source trace drawn as PNGs beside the report; its markdown lines."""
    from tracer import plot

    if result.flows.empty:
        return []
    lines = ["## Figures", "",
             "All the victims' payments in one trace. Amounts on the figures are rounded for reading; the tables "
             "give them exactly.", ""]
    for name, caption in plot.save_all(result, str(out / "trace-")):
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
    _tour(console, backend, out)
    bundle, key = _case(console, backend, out, catalog)
    _trace(console, bundle, key, out)
    console.print(f"written to {out}/", soft_wrap=True)
