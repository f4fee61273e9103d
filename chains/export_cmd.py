"""`tracelab chain export`: rebuild a chain from its replay log and write it in a public schema.

Each kind of chain says how to know its replay log by the first line and how to export it; the
command asks each in turn (:data:`KINDS`), so a new kind of chain is one more entry, not one more
branch.
"""
from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import click
from rich.progress import Progress


def _export_evm(replay: Path, out: Path, backend: str) -> list[str]:
    """ethereum-etl CSV, replayed on an EVM backend."""
    from .evm import EvmChain
    from .evm.export import MissingTracesWarning, export_chain

    with Progress(transient=True) as bar, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissingTracesWarning)
        task = bar.add_task("replaying", total=None)
        # the export reads blocks, receipts and traces, never a past block's state
        with EvmChain.rebuild(replay, backend, history=False,
                              progress=lambda b: bar.update(task, description=f"replaying block {b.number}")) as chain:
            bar.update(task, description="exporting")
            files = export_chain(chain, out, progress=lambda done, total: bar.update(task, completed=done, total=total))
    for w in caught:  # said once, plainly, after the progress bar
        click.echo(f"note: {w.message}", err=True)
    return sorted(p.name for p in files.values())


def _export_utxo(replay: Path, out: Path, backend: str) -> list[str]:
    """bitcoin-etl JSON lines; the ledger is rebuilt in Python (``backend`` is for EVM chains)."""
    from .utxo.export import export_jsonl
    from .utxo.replay import read_replay

    export_jsonl(read_replay(replay), out / "blocks.jsonl", out / "transactions.jsonl")
    return ["blocks.jsonl", "transactions.jsonl"]


class ChainKind(NamedTuple):
    #: what the first line of its replay log is, for the error message
    header: str
    #: the first line, parsed, is this kind's header
    recognises: Callable[[dict], bool]
    #: (replay log, output folder, EVM backend) -> names of the files written
    export: Callable[[Path, Path, str], list[str]]


KINDS = (
    ChainKind("an EVM genesis", lambda first: first.get("kind") == "genesis", _export_evm),
    ChainKind("a UTXO replay header", lambda first: "format" in first, _export_utxo),
)


def _kind(replay: Path) -> ChainKind:
    with replay.open() as fh:
        try:
            first = json.loads(fh.readline() or "{}")
        except ValueError:
            first = None
    for kind in KINDS:
        if isinstance(first, dict) and kind.recognises(first):
            return kind
    raise click.ClickException(f"{replay}: line 1 is neither {' nor '.join(k.header for k in KINDS)}")


@click.command("export")
@click.argument("replay", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the files (created; files of the same names are replaced).")
@click.option("--backend", type=click.Choice(["auto", "anvil", "pyevm"]), default="auto", show_default=True,
              help="EVM backend to replay on; only anvil exports traces (internal transfers).")
def export(replay: Path, out: Path, backend: str):
    """Export a chain: ethereum-etl CSV (EVM) or bitcoin-etl JSON lines (UTXO)."""
    kind = _kind(replay)
    out.mkdir(parents=True, exist_ok=True)
    try:
        names = kind.export(replay, out, backend)
    except ValueError as exc:
        raise click.ClickException(f"{replay}: {exc}") from None
    click.echo(f"{out}: {', '.join(names)}")
