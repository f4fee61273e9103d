"""`tracelab chain export`: rebuild a chain from its replay log and write it in a public schema."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import click
from rich.progress import Progress


def _kind(replay: Path) -> str:
    with replay.open() as fh:
        first = json.loads(fh.readline() or "{}")
    if first.get("kind") == "genesis":
        return "evm"
    if "format" in first:
        return "utxo"
    raise click.ClickException(f"{replay}: line 1 is neither an EVM genesis nor a UTXO replay header")


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
        if kind == "evm":
            from .evm import EvmChain
            from .evm.export import export_chain

            from .evm.export import MissingTracesWarning

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
            names = sorted(p.name for p in files.values())
        else:
            from .utxo.export import export_jsonl
            from .utxo.replay import read_replay

            export_jsonl(read_replay(replay), out / "blocks.jsonl", out / "transactions.jsonl")
            names = ["blocks.jsonl", "transactions.jsonl"]
    except ValueError as exc:
        raise click.ClickException(f"{replay}: {exc}") from None
    click.echo(f"{out}: {', '.join(names)}")
