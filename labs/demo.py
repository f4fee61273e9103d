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


@click.command("demo")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-output"),
              show_default=True, help="Folder for what the demo writes.")
@click.option("--backend", type=click.Choice(["auto", "anvil", "pyevm"]), default="auto", show_default=True)
def demo(out: Path, backend: str):
    """Run every lab contract through a short case on two lab chains, then print tx hashes and balances."""
    console = Console()
    out.mkdir(parents=True, exist_ok=True)
    _story(console, backend, out)
    console.print(f"written to {out}/")
