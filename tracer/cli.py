"""`tracelab trace`: trace from the command line over any ethereum-etl / bitcoin-etl files."""
import json
import os
from datetime import datetime, UTC

import click

from tracer.data_option import data_paths
from tracer.errors import LoadError, SourceError
from tracer.sources import Source, read_sources
from tracer.trace import DIRECTIONS, RULES


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
    return int((dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp())


def _sources(addresses, txs, sources_file):
    out = []
    for option, values, kind in (("--address", addresses, "address"), ("--tx", txs, "tx")):
        for v in values:
            try:
                out.append(Source.parse(**{kind: v}))
            except SourceError as e:
                raise click.UsageError(f"{option} {v.strip()}: {str(e).removeprefix(v.strip() + ': ')}") from None
    if sources_file:
        try:
            out += read_sources(sources_file)
        except (LoadError, SourceError) as e:
            raise click.UsageError(str(e)) from None
    if not out:
        raise click.UsageError("give where to start: --address, --tx or --sources (each may be repeated)")
    return out


def _follow_names(ctx, param, value):
    from tracer.heuristics.cli import parse_follow

    return parse_follow(ctx, param, value)


def _prices(ctx, param, values):
    from tracer.heuristics.cli import prices_option

    return prices_option(ctx, param, values)


@click.command("trace")
@data_paths
@click.option("--address", "addresses", multiple=True, help="Start from this address; repeat for several.")
@click.option("--tx", "txs", multiple=True,
              help="Start from this transaction, or one output of it as HASH:VOUT; repeat for several.")
@click.option("--sources", "sources_file", type=click.Path(exists=True, dir_okay=False),
              help="A CSV of sources: an 'address' or a 'tx' column (HASH or HASH:VOUT) and an optional 'label'.")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="forward", show_default=True)
@click.option("--rule", type=click.Choice(RULES), default="fifo", show_default=True)
@click.option("--hops", type=click.IntRange(1), default=6, show_default=True)
@click.option("--min-amount", type=click.IntRange(0), default=0, show_default=True,
              help="Do not follow pieces smaller than this (base units).")
@click.option("--max-degree", type=click.IntRange(1),
              help="Stop at addresses with more counterparties (exchange-sized).")
@click.option("--start", help="Ignore transfers before this time (unix seconds or ISO date, UTC).")
@click.option("--end", help="Ignore transfers after this time.")
@click.option("--tags", multiple=True, type=click.Path(exists=True),
              help="GraphSense TagPack YAML files (or folders of them); tagged addresses are labelled and stop the "
                   "trace. Default: a bundle's own tags/*.yaml.")
@click.option("--to", "to", help="Instead of tracing, find time-respecting paths from --address to this address.")
@click.option("--plot", "plot_to", type=click.Path(dir_okay=False),
              help="Also draw the trace: PATH-flow.png, PATH-timeline.png and PATH-sankey.png (one Sankey per "
                   "asset, PATH-sankey-ASSET.png, when value ends in several); PATH without .png.")
@click.option("--follow", callback=_follow_names, metavar="change,bridge,swap,cluster",
              help="Go on where heuristics say the value went (forward): through detected change, across a matched "
                   "bridge or swap, through a cluster as one pool; each leg names its heuristic and confidence.")
@click.option("--price", "prices", multiple=True, callback=_prices, metavar="SYMBOL=PRICE",
              help="With --follow swap: the price of one whole unit (e.g. --price BTC=60000 --price ETH=3000).")
@click.option("--report", "report_to", type=click.Path(dir_okay=False),
              help="Also write the trace as a markdown report: where the value stopped and whose it is, what the "
                   "trace rests on (each heuristic with its measured error rates, or none) and the transactions.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def trace(data, addresses, txs, sources_file, direction, rule, hops, min_amount, max_degree, start, end, tags, to,
          plot_to, follow, prices, report_to, as_json):
    """Print where value went (forward) or came from (backward), with amounts under RULE and paths.

    Several sources (--address and --tx repeated, or --sources FILE) are traced together, each its
    own colour: the table groups by endpoint and shows each source's share of it, which is what
    restitution needs. An endpoint is where traced value stops: not spent further, the hop limit,
    an attributed service (with the entry address the value reached it through: where the
    production order goes), an exchange-sized address, below --min-amount, another source, or
    (backward) its origin in the data. Fees are endpoints of their own at the address "fee".
    """
    from tracer.heuristics.cli import default_tags
    from tracer.load import load
    from tracer.load.tagpack import address_labels, load_tagpacks
    from tracer.trace import trace as run

    sources = _sources(addresses, txs, sources_file)
    _check_folder("--plot", plot_to)
    _check_folder("--report", report_to)
    if follow:
        from tracer.heuristics.cli import follow_trace

        if to or direction != "forward" or plot_to:
            raise click.UsageError("--follow is a forward trace: not with --to, --direction backward or --plot")
        options = {"rule": rule, "hops": hops, "min_amount": min_amount, "max_degree": max_degree,
                   "start": _when(start), "end": _when(end)}
        return follow_trace(data, sources, follow, tags, prices, options, as_json, report_to)
    if prices:
        raise click.UsageError("--price is for --follow swap")
    if to and (len(sources) != 1 or sources[0].address is None):
        raise click.UsageError("--to finds paths between two addresses: give exactly one --address")
    if to and report_to:
        raise click.UsageError("--report writes a trace: not with --to")
    tags = tags or default_tags(data)
    try:
        table = load(*data)
        tagt = load_tagpacks(*tags)
    except LoadError as e:
        raise click.ClickException(str(e)) from None
    if to:
        return _paths(table, sources[0].address, to, hops, _when(start), _when(end), address_labels(tagt), as_json)
    try:
        result = run(table, sources, direction=direction, rule=rule, hops=hops, min_amount=min_amount,
                     stop=tagt if tags else (), max_degree=max_degree, start=_when(start), end=_when(end))
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    if plot_to and not result.flows.empty:
        _plots(result, plot_to)
    if report_to:
        from tracer.heuristics.cli import write_report

        write_report(result, table, data, tagt if tags else None, report_to)
    if as_json:
        click.echo(json.dumps(to_json(result), indent=2))
        return
    _table(result)


def to_json(result):
    """The ``--json`` object of a trace result: endpoint amounts as integer strings in base units."""
    ends = [{"source": e.source, "chain": e.chain, "address": e.address, "asset": e.asset, "symbol": e.symbol,
             "amount": str(e.amount), "hops": int(e.hops), "path": list(e.path), "why": e.why, "label": e.label,
             "entry": e.entry} for e in result.endpoints.itertuples()]
    return {"sources": [{"source": s.name, "given": s.given, "label": s.label} for s in result.sources],
            "rule": result.rule, "direction": result.direction, "hops": result.hops,
            "decimals": result.decimals, "symbols": result.symbols, "adjusted": result.adjusted, "endpoints": ends}


def _table(result):
    from rich.table import Table

    from tracer.terminal import print_table, show_address

    names = ", ".join(s.name for s in result.sources[:4]) + (f" and {len(result.sources) - 4} more"
                                                             if len(result.sources) > 4 else "")
    many = len(result.sources) > 1  # of one source, each endpoint is all its own: no share columns
    tab = Table(title=f"{result.rule} {result.direction} trace from {names}",
                caption="amounts in exact whole units (--json gives base units)"
                        + ("; each source's share of the endpoint" if many else ""))
    for c in ("endpoint", "label", "entry", "why", "total") + (("source", "amount", "share") if many else ()) + (
            "via tx",):
        tab.add_column(c, justify="right" if c in ("total", "amount", "share") else "left", no_wrap=True)
    shares = result.shares(final=False)
    last_tx = {}
    for e in result.endpoints.itertuples():
        key = (e.chain, e.address, e.asset, e.why, e.entry, e.source)
        last_tx.setdefault(key, []).append(e.path[-1] if len(e.path) else "")
    previous = None
    for r in shares.itertuples():
        key = (r.chain, r.address, r.asset, r.why, r.entry)
        first = key != previous
        if first and previous is not None:
            tab.add_section()
        previous = key
        via = "\n".join(dict.fromkeys(last_tx.get((*key, r.source), [])))
        mine = (r.source, result.amount(r.amount, r.asset), r.percent) if many else ()
        tab.add_row(show_address(r.address) if first else "", (r.label or "") if first else "",
                    (show_address(r.entry) or "") if first else "", r.why if first else "",
                    result.amount(r.total, r.asset) if first else "", *mine, via)
    print_table(tab)
    from tracer.report import onward_note

    note = onward_note(result)
    if note:
        click.echo(note)


def _check_folder(option, path):
    """Refuse a file in a folder that does not exist before the load and trace, not after them."""
    folder = os.path.dirname(path or "") or "."
    if path and not os.path.isdir(folder):
        raise click.ClickException(f"{option} {path}: there is no folder {folder}")


def _plots(result, base):
    import matplotlib

    matplotlib.use("Agg")
    from tracer import plot

    folder = os.path.dirname(base.removesuffix(".png"))
    try:
        for name, _ in plot.save_all(result, base.removesuffix(".png") + "-"):
            click.echo(f"wrote {os.path.join(folder, name)}", err=True)
    except OSError as e:
        raise click.ClickException(f"--plot {base}: {e.strerror or e}") from None


def _paths(table, a, b, hops, start, end, labels, as_json):
    from tracer.paths import find_paths
    from tracer.sources import clean_address
    from tracer.terminal import show_address

    try:
        b = clean_address(b)
    except SourceError as e:
        raise click.UsageError(f"--to {e}") from None
    try:
        found = find_paths(table, a, b, hops=hops, start=start, end=end)
    except SourceError as e:
        raise click.ClickException(str(e)) from None
    rows = [{"hops": int(p.hops), "addresses": list(p.addresses), "txs": list(p.txs), "arrival": int(p.arrival)}
            for p in found.itertuples()]
    if as_json:
        click.echo(json.dumps({"from": a, "to": b, "paths": rows}, indent=2))
        return
    if not rows:
        click.echo(f"no time-respecting path from {a} to {b} within {hops} hops")
        return
    for p in rows:
        names = [f"{show_address(x)} [{labels[x]}]" if x in labels else show_address(x) for x in p["addresses"]]
        click.echo(f"{p['hops']} hops: " + " -> ".join(names))
        click.echo("   txs: " + " ".join(p["txs"]))
