"""`tracelab trace`: trace from the command line over any ethereum-etl / bitcoin-etl files."""
import json

import click

from tracer.load import load
from tracer.load.tagpack import load_tagpacks
from tracer.trace import ACCOUNT_RULES, trace_forward


@click.command("trace")
@click.option("--data", "data", multiple=True, required=True, type=click.Path(exists=True), help="Export files or folders.")
@click.option("--address", help="Trace what this address sent.")
@click.option("--tx", "tx", help="Trace from a transaction (not implemented yet).")
@click.option("--direction", type=click.Choice(["forward", "backward"]), default="forward", show_default=True)
@click.option("--rule", type=click.Choice(["poison", "haircut", "fifo", "lifo", "tiho", "libr"]), default="fifo", show_default=True)
@click.option("--hops", type=int, default=6, show_default=True)
@click.option("--tags", multiple=True, type=click.Path(exists=True), help="TagPack YAML files; tagged addresses stop the trace.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def trace(data, address, tx, direction, rule, hops, tags, as_json):
    """Print where the value sent by an address ends up, with amounts and paths."""
    if not address or tx:
        raise click.UsageError("only --address is supported so far")
    if direction != "forward" or rule not in ACCOUNT_RULES:
        raise click.UsageError(f"only --direction forward with --rule {'/'.join(ACCOUNT_RULES)} is implemented so far")
    table = load(*data)
    tagt = load_tagpacks(*tags)
    labels = dict(zip(tagt["address"], tagt["label"]))
    address = address.lower() if address.startswith("0x") else address
    _, ends = trace_forward(table, address, rule=rule, hops=hops, stop=set(labels))
    out = [{"address": e.address, "asset": e.asset, "amount": str(e.amount), "hops": int(e.hops),
            "path": list(e.path), "why": e.why, "label": labels.get(e.address)} for e in ends.itertuples()]
    if as_json:
        click.echo(json.dumps({"source": address, "rule": rule, "direction": direction, "endpoints": out}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    tab = Table(title=f"{rule} forward trace from {address}")
    for c in ("address", "label", "asset", "amount", "hops", "why", "path"):
        tab.add_column(c)
    for e in out:
        tab.add_row(e["address"], e["label"] or "", e["asset"], e["amount"], str(e["hops"]), e["why"], " ".join(e["path"]))
    Console(width=240).print(tab)
