"""`tracelab trace`: trace from the command line over any ethereum-etl / bitcoin-etl files."""
import json
import os
from datetime import datetime, timezone

import click

from tracer.errors import LoadError
from tracer.trace import DIRECTIONS, RULES, Source
from tracer.transfers import ASSET, DECIMALS, whole_units


def _when(value):
    """Unix seconds or an ISO date/time (UTC unless it says otherwise)."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither unix seconds nor an ISO date like 2026-01-31T12:00") from None
    return int((dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp())


@click.command("trace")
@click.option("--data", "data", multiple=True, required=True, type=click.Path(exists=True),
              help="Export files or folders (ethereum-etl, bitcoin-etl, a scenario bundle); repeat for several.")
@click.option("--address", help="Start from this address.")
@click.option("--tx", "tx", help="Start from this transaction, or one output of it as HASH:VOUT.")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="forward", show_default=True)
@click.option("--rule", type=click.Choice(RULES), default="fifo", show_default=True)
@click.option("--hops", type=click.IntRange(1), default=6, show_default=True)
@click.option("--min-amount", type=click.IntRange(0), default=0, show_default=True,
              help="Do not follow pieces smaller than this (base units).")
@click.option("--max-degree", type=click.IntRange(1), help="Stop at addresses with more counterparties (exchange-sized).")
@click.option("--start", help="Ignore transfers before this time (unix seconds or ISO date, UTC).")
@click.option("--end", help="Ignore transfers after this time.")
@click.option("--tags", multiple=True, type=click.Path(exists=True),
              help="GraphSense TagPack YAML files; tagged addresses are labelled and stop the trace.")
@click.option("--to", "to", help="Instead of tracing, find time-respecting paths from --address to this address.")
@click.option("--plot", "plot_to", type=click.Path(dir_okay=False),
              help="Also draw the trace: PATH-flow.png, PATH-timeline.png and PATH-sankey.png (PATH without .png).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def trace(data, address, tx, direction, rule, hops, min_amount, max_degree, start, end, tags, to, plot_to, as_json):
    """Print where value went (forward) or came from (backward), with amounts under RULE and paths.

    An endpoint is where traced value stops: not spent further, the hop limit, an attributed
    service, an exchange-sized address, below --min-amount, or (backward) its origin in the data.
    Fees are endpoints of their own at the address "fee". Amounts are exact, in base units.
    """
    from tracer.load import load
    from tracer.load.tagpack import address_labels, load_tagpacks
    from tracer.trace import trace as run

    try:
        source = Source.parse(address=address, tx=tx)
    except ValueError as e:
        raise click.UsageError(f"{e} (--address or --tx)") from None
    if to and source.address is None:
        raise click.UsageError("--to finds paths between two addresses: give --address too")
    try:
        table = load(*data)
        tagt = load_tagpacks(*tags)
    except LoadError as e:
        raise click.ClickException(str(e)) from None
    labels = address_labels(tagt)
    if to:
        return _paths(table, source.address, to.lower() if to.startswith("0x") else to, hops, _when(start), _when(end), labels, as_json)
    try:
        flows, ends = run(table, source, direction=direction, rule=rule, hops=hops, min_amount=min_amount,
                          stop=set(labels), max_degree=max_degree, start=_when(start), end=_when(end))
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    decimals = _decimals(table)
    if plot_to and not flows.empty:
        _plots(flows, ends, tagt, decimals, plot_to)
    out = [{"address": e.address, "asset": e.asset, "amount": str(e.amount), "hops": int(e.hops),
            "path": list(e.path), "why": e.why, "label": labels.get(e.address)} for e in ends.itertuples()]
    start_at = source.address or (f"{source.tx}:{source.vout}" if source.vout is not None else source.tx)
    if as_json:
        click.echo(json.dumps({"source": start_at, "rule": rule, "direction": direction, "endpoints": out}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    tab = Table(title=f"{rule} {direction} trace from {start_at}",
                caption="amounts in whole units, exact (--json gives base units)")
    for c in ("address", "label", "asset", "amount", "hops", "why", "path"):
        tab.add_column(c, justify="right" if c in ("amount", "hops") else "left")
    for e in out:
        amount = int(e["amount"])
        shown = whole_units(amount, decimals[e["asset"]]) if e["asset"] in decimals else f"{amount:,} base units"
        tab.add_row(_show(e["address"]), e["label"] or "", _show(e["asset"]), shown, str(e["hops"]), e["why"],
                    " ".join(e["path"]))
    Console(width=240).print(tab)


def _decimals(table) -> dict:
    """asset -> its decimals, where the data says."""
    import pandas as pd

    pairs = table[[ASSET, DECIMALS]].drop_duplicates()  # a few assets, however many rows
    return {a: int(d) for a, d in zip(pairs[ASSET], pairs[DECIMALS]) if pd.notna(d)}


def _plots(flows, ends, tags, decimals, base):
    import matplotlib

    matplotlib.use("Agg")
    from tracer import plot

    folder = os.path.dirname(base.removesuffix(".png"))
    for name, _ in plot.save_all(flows, ends, base.removesuffix(".png") + "-", tags=tags, decimals=decimals):
        click.echo(f"wrote {os.path.join(folder, name)}", err=True)


def _show(address):
    """EVM addresses in their EIP-55 checksum form for people (data and JSON stay lower-case).

    >>> _show("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"), _show("bcrt1qxyz")
    ('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'bcrt1qxyz')
    """
    import re

    from tracer.load.ethereum_etl import checksum

    return checksum(address) if re.fullmatch(r"0x[0-9a-f]{40}", address) else address


def _paths(table, a, b, hops, start, end, labels, as_json):
    from tracer.paths import find_paths

    found = find_paths(table, a, b, hops=hops, start=start, end=end)
    rows = [{"hops": int(p.hops), "addresses": list(p.addresses), "txs": list(p.txs), "arrival": int(p.arrival)}
            for p in found.itertuples()]
    if as_json:
        click.echo(json.dumps({"from": a, "to": b, "paths": rows}, indent=2))
        return
    if not rows:
        click.echo(f"no time-respecting path from {a} to {b} within {hops} hops")
        return
    for p in rows:
        names = [f"{_show(x)} [{labels[x]}]" if x in labels else _show(x) for x in p["addresses"]]
        click.echo(f"{p['hops']} hops: " + " -> ".join(names))
        click.echo("   txs: " + " ".join(p["txs"]))
