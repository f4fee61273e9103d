"""`tracelab demo`: the main job, end to end on a fresh machine."""
from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

ETH = 10**18


@click.command("demo")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-output"),
              show_default=True, help="Folder for the replay log and the summary.")
@click.option("--backend", type=click.Choice(["auto", "anvil", "pyevm"]), default="auto", show_default=True)
def demo(out: Path, backend: str):
    """Start a lab chain, run a short scripted story through it, print tx hashes and balances."""
    from chains.evm import EvmChain

    console = Console()
    out.mkdir(parents=True, exist_ok=True)
    with EvmChain.start(backend, chain_id=1337, accounts=6) as chain:
        victim, platform, mule1, mule2, launderer, exchange = chain.accounts
        console.print(f"[bold]lab chain[/] {chain.backend.name}, chain id {chain.chain_id}"
                      + (f", {chain.backend.url}" if chain.backend.url else ""))
        story = []
        h = chain.send(victim, platform.address, value=25 * ETH)
        chain.mine()
        story.append(("victim pays the fraud platform", h))
        for mule in (mule1, mule2):
            story.append(("platform fans out to a mule", chain.send(platform, mule.address, value=12 * ETH)))
        chain.mine()
        for mule in (mule1, mule2):
            story.append(("mule forwards to the launderer", chain.send(mule, launderer.address, value=11 * ETH)))
        chain.mine()
        story.append(("launderer cashes out at the exchange", chain.send(launderer, exchange.address, value=20 * ETH)))
        chain.mine()

        table = Table(title="transactions")
        for col in ("step", "tx hash", "block"):
            table.add_column(col, overflow="fold")
        for step, h in story:
            table.add_row(step, "0x" + h.hex(), str(chain.w3.eth.get_transaction_receipt(h)["blockNumber"]))
        console.print(table)
        balances = Table(title="final balances (wei)")
        balances.add_column("account")
        balances.add_column("address", overflow="fold")
        balances.add_column("balance", justify="right")
        names = ("victim", "platform", "mule 1", "mule 2", "launderer", "exchange")
        for name, acct in zip(names, chain.accounts):
            balances.add_row(name, acct.address, str(chain.w3.eth.get_balance(acct.address)))
        console.print(balances)
        chain.write_replay(out / "evm-replay.jsonl")
        summary = {"backend": chain.backend.name, "chain_id": chain.chain_id,
                   "transactions": [{"step": s, "hash": "0x" + h.hex()} for s, h in story]}
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    console.print(f"replay log and summary written to {out}/")
