"""`tracelab cluster` and `tracelab heuristics`: heuristics over any ethereum-etl / bitcoin-etl files."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tracer.data_option import data_paths
from tracer.errors import LoadError
from tracer.terminal import show_address

TAGS = click.option("--tags", multiple=True, type=click.Path(exists=True),
                    help="GraphSense TagPack YAML (a file, or a folder of them) naming known services (exchanges, "
                         "mixer pools, bridges, swap services). Default: a bundle's own tags/*.yaml.")
JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
COINJOINS = click.option("--coinjoin-rule", type=click.Choice(["either", "blocksci", "equal_outputs", "none"]),
                         default="either", show_default=True,
                         help="Which CoinJoins multi-input clustering leaves out (none: keep them).")


def _load(data, tags):
    """The transfers (with the optional columns heuristics read, where the loaders can give them)
    and the tags (given, or the bundle's own)."""
    from tracer.heuristics import load
    from tracer.load.tagpack import load_tagpacks

    tags = tags or default_tags(data)
    try:
        return load(*data), load_tagpacks(*tags) if tags else None
    except LoadError as e:
        raise click.ClickException(str(e)) from None


def default_tags(data):
    """The bundles' own ``tags/`` folders among ``data``, each said on stderr (no ``--tags`` given)."""
    from tracer.load.tagpack import bundle_tags

    tags = bundle_tags(*data)
    for p in tags:
        click.echo(f"tags: {p} (the bundle's own; --tags to give others)", err=True)
    return tags


def prices_option(ctx, param, values) -> dict | None:
    """The ``--price SYMBOL=PRICE`` values as exact fractions (None when none is given); a bad one
    is the option's error. Public: ``tracelab trace --follow swap`` reads its ``--price`` with it."""
    from tracer.units import parse_prices

    try:
        return parse_prices(values) or None
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


PRICE = click.option("--price", "prices", multiple=True, callback=prices_option, metavar="SYMBOL=PRICE",
                     help="Price of one whole unit, for swap and structuring "
                          "(e.g. --price BTC=60000 --price ETH=3000).")


def _rows_json(evidence):
    return [{k: (list(v) if k == "txs" else v) for k, v in r.items()} for r in evidence.to_dict("records")]


@click.command("cluster")
@data_paths
@TAGS
@click.option("--with", "extra", multiple=True, metavar="HEURISTIC",
              help="Also join the addresses that HEURISTIC's rows say have one owner (e.g. change.legacy, "
                   "peel_chain, mixer.gas_funding); repeat for several. Multi-input and deposit addresses always.")
@COINJOINS
@JSON
def cluster(data, tags, extra, coinjoin_rule, as_json):
    """Clusters of addresses with one owner: multi-input (common-input ownership, CoinJoins left out
    and listed) and EVM deposit addresses (when the tags name exchanges), each join with its evidence."""
    from tracer.heuristics import cluster as make_clusters
    from tracer.heuristics import evidence as E
    from tracer.heuristics import run, select

    table, tagt = _load(data, tags)
    rule = None if coinjoin_rule == "none" else coinjoin_rule
    try:
        names = select(["deposit_address", *extra])
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--with") from None
    more = run(table, only=names, tags=tagt, coinjoin_rule=rule or "either")
    for name, why in more.skipped.items():
        if name in extra:
            click.echo(f"{name} skipped: {why}", err=True)
    found = make_clusters(table, evidence=more.evidence, coinjoin_rule=rule)
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(width=240)
    tab = Table(title=f"{found.members['cluster'].nunique() if len(found.members) else 0} clusters "
                      f"of two or more addresses")
    for c in ("id", "chain", "addresses", "joined by"):
        tab.add_column(c, no_wrap=c != "joined by")
    by = found.evidence.assign(cluster=found.evidence_clusters)
    for k, part in found.members.groupby("cluster", sort=True):
        how = by[by["cluster"] == k][E.HEURISTIC].value_counts()
        shown = [show_address(a) for a in part["address"][:6]]
        shown += [f"... {len(part) - 6} more"] if len(part) > 6 else []
        tab.add_row(str(k), ", ".join(sorted(set(part["chain"]))), "\n".join(shown),
                    ", ".join(f"{n} x {h}" for h, n in how.items()))
    console.print(tab)
    if len(found.coinjoins):
        click.echo(f"{len(found.coinjoins)} CoinJoin(s) left out of multi-input clustering:")
        for r in found.coinjoins.itertuples():
            click.echo(f"  {r.a}  ({r.confidence}) {r.reason}")


@click.command("heuristics")
@data_paths
@TAGS
@click.option("--only", multiple=True, metavar="NAME",
              help="Run only this heuristic or family (multi_input, coinjoin, change, change.optimal_change, "
                   "peel_chain, deposit_address, mixer, mixer.timing, bridge, swap, structuring, ...); repeat.")
@PRICE
@click.option("--threshold-usd", default=10_000, show_default=True, type=click.IntRange(1),
              help="Reporting threshold for structuring, in the currency of --price.")
@COINJOINS
@JSON
def heuristics(data, tags, only, prices, threshold_usd, coinjoin_rule, as_json):
    """Every evidence row of every heuristic (or of --only): what it links, its confidence, the
    reason in words and the transactions it rests on, and how often the heuristic was right on the
    lab's cases (a confidence level is the heuristic's own rule; the measured precision is what it
    is worth). A heuristic that cannot run on this data (a missing column, no tags, no prices) is
    listed with the reason."""
    from tracer.heuristics import run
    from tracer.heuristics.measured import cite

    from tracer.heuristics import select

    try:
        names = select(list(only) or None)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--only") from None
    table, tagt = _load(data, tags)
    with click.progressbar(names, label="heuristics", file=sys.stderr, item_show_func=lambda n: n) as bar:
        result = run(table, only=names, tags=tagt, prices=prices, threshold_usd=threshold_usd,
                     coinjoin_rule="either" if coinjoin_rule == "none" else coinjoin_rule,
                     progress=lambda name: bar.update(1, name))
    from tracer.heuristics.evidence import LOAD_HINT

    # the files were loaded with every optional column: a column still missing is not in them
    skipped = {name: why.replace(LOAD_HINT, "the files given do not carry it") for name, why in result.skipped.items()}
    if as_json:
        click.echo(json.dumps({"evidence": _rows_json(result.evidence), "skipped": skipped,
                               "measured": {name: cite(name) for name in result.ran}}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(width=240)
    ev = result.evidence
    for name in result.ran:
        part = ev[ev["heuristic"] == name]
        if part.empty:
            click.echo(f"{name}: nothing found")
            continue
        tab = Table(title=f"{name}: {len(part)} row(s)", caption=cite(name) or "not measured on the lab's cases")
        for c in ("link", "confidence", "a", "b", "reason"):
            tab.add_column(c, no_wrap=c in ("a", "b"), overflow="fold" if c == "reason" else "ellipsis")
        for r in part.itertuples():
            cross = r.b_chain not in (None, r.chain)
            tab.add_row(r.link, r.confidence, show_address(r.a) + (f" ({r.chain})" if cross else ""),
                        "" if r.b is None else show_address(r.b) + (f" ({r.b_chain})" if cross else ""), r.reason)
        console.print(tab)
    for name, why in skipped.items():
        click.echo(f"{name}: skipped: {why}", err=True)
    sys.stdout.flush()


def parse_follow(ctx, param, value):
    """``--follow change,bridge`` as a tuple of names of :data:`tracer.heuristics.follow.FOLLOW`."""
    from tracer.heuristics.follow import FOLLOW

    if value is None:
        return None
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [n for n in names if n not in FOLLOW]
    if unknown or not names:
        raise click.BadParameter(f"{value!r}: expected a comma-separated list of {', '.join(FOLLOW)}")
    return names



def follow_trace(data, sources, follow, tags, prices, options, as_json, report_to=None):
    """``tracelab trace --follow``: a forward trace that goes on where heuristics say the value went
    (:func:`tracer.heuristics.follow.trace`); every leg names its heuristic, confidence and reason."""
    from tracer.heuristics.follow import trace

    table, tagt = _load(data, tags)
    try:
        r = trace(table, sources, follow, tags=tagt, prices=prices, **options)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    if report_to:
        write_report(r, table, data, tagt, report_to)
    if as_json:
        click.echo(json.dumps(follow_json(r), indent=2))
        return
    from rich.table import Table

    from tracer.terminal import print_table

    legs = Table(title=f"{len(r.legs)} leg(s): the trace, then where {', '.join(follow)} carried it on")
    for c in ("leg", "from leg", "heuristic", "confidence", "start", "exact", "reason"):
        legs.add_column(c, no_wrap=c != "reason")
    for g in r.legs.itertuples():
        why = g.reason if g.note is None else f"{g.reason} ({g.note})"
        why += f"; {g.measured}" if g.measured else ""
        legs.add_row(str(g.leg), "" if g.parent is None else str(g.parent), g.heuristic or "", g.confidence or "",
                     show_address(g.start), "yes" if g.exact else "no", why)
    print_table(legs)
    ends = Table(title="where the value stops",
                 caption="amounts in exact whole units (--json gives base units); leg: the leg that reached it; "
                         "transfers: how many brought the value there")
    for c in ("leg", "endpoint", "label", "entry", "why", "amount", "transfers", "source"):
        ends.add_column(c, justify="right" if c in ("amount", "transfers") else "left", no_wrap=True)
    for e in r.stops().itertuples():
        ends.add_row(str(e.leg), show_address(e.address), e.label or "", show_address(e.entry) or "", e.why,
                     r.results[int(e.leg)].amount(int(e.amount), e.asset), str(e.transfers), e.source)
    print_table(ends)
    from tracer.report import onward_note

    note = onward_note(r)
    if note:
        click.echo(note)


def write_report(result, table, data, tags, path):
    """``tracelab trace --report PATH``: :func:`tracer.report.report` of a trace, plain or followed;
    where it went is said on stderr (stdout may be one JSON object)."""
    from tracer.report import report

    try:
        Path(path).write_text(report(result, table, data, tags), encoding="utf-8")
    except OSError as e:
        raise click.ClickException(f"--report {path}: {e.strerror or e}") from None
    click.echo(f"report: {path}", err=True)


def follow_json(r):
    """The ``--follow --json`` object: ``legs``, ``hops`` (every flow, its ``reason`` naming the
    heuristic and confidence that carried its leg on) and ``endpoints`` (where the value stops);
    amounts are integer strings in base units."""
    legs = [{k: (None if v is None or v != v else v) for k, v in g.items()} for g in r.legs.to_dict("records")]
    hops = [{"leg": int(f["leg"]), "source": f["source"], "hop": int(f["hop"]), "chain": f["chain"],
             "tx": f["tx_hash"], "from": f["from"], "to": f["to"], "asset": f["asset"], "amount": str(f["amount"]),
             "reason": f["reason"]} for f in r.flows.to_dict("records")]
    ends = [{"leg": int(e.leg), "source": e.source, "chain": e.chain, "address": e.address, "asset": e.asset,
             "symbol": e.symbol, "amount": str(e.amount), "hops": int(e.hops), "path": list(e.path), "why": e.why,
             "label": e.label, "entry": e.entry} for e in r.final().itertuples()]
    return {"legs": legs, "hops": hops, "endpoints": ends}
