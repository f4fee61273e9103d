"""`tracelab chain serve`: the lab chains on loopback until Ctrl-C or SIGTERM, for any client."""
from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from .evm.genesis import DEFAULT_MNEMONIC


def _stop_on_sigterm():
    # SIGTERM unwinds like Ctrl-C, so every `with` block closes and no child process survives
    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8545, show_default=True,
              help="Ethereum JSON-RPC port on 127.0.0.1 (0: any free port).")
@click.option("--chain-id", type=int, default=1337, show_default=True)
@click.option("--mnemonic", default=DEFAULT_MNEMONIC, show_default=True,
              help="BIP-39 phrase of the dev accounts (funded, unlocked for eth_sendTransaction).")
@click.option("--accounts", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--replay", "replay_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve the chain rebuilt from this EVM replay log (a scenario's) instead of a fresh one.")
@click.option("--block-time", type=click.IntRange(1), default=12, show_default=True,
              help="Simulated seconds between mined blocks.")
def serve(port: int, chain_id: int, mnemonic: str, accounts: int, replay_path: Path | None, block_time: int):
    """Run an EVM lab chain (anvil) on 127.0.0.1 until Ctrl-C or SIGTERM.

    Every transaction is mined at once, each block `--block-time` simulated seconds after the
    last. Dev accounts are unlocked as on anvil, and the trace API (trace_block,
    trace_transaction, debug_traceTransaction) is served.
    """
    from .evm import BackendUnavailable, EvmChain, find_anvil

    if not find_anvil():
        raise click.ClickException("`chain serve` needs anvil: run `make setup` (or set TRACELAB_ANVIL)")
    _stop_on_sigterm()
    options = {"port": port or None, "dev_accounts": accounts}
    try:
        if replay_path:
            chain = EvmChain.rebuild(replay_path, "anvil", mnemonic=mnemonic, **options)
        else:
            chain = EvmChain.start("anvil", chain_id=chain_id, mnemonic=mnemonic, accounts=accounts, **options)
    except BackendUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:
        raise click.ClickException(f"cannot serve {replay_path}: {exc}") from None
    with chain:
        node = chain.backend
        node.rpc("anvil_setBlockTimestampInterval", block_time)
        node.rpc("evm_setAutomine", True)
        click.echo(f"EVM chain {chain.chain_id} at {node.url}  (block {chain.w3.eth.block_number}, "
                   f"simulated time {chain.timestamp})")
        for i, acct in enumerate(chain.accounts):
            click.echo(f"  account {i}: {acct.address}")
        click.echo("Ctrl-C or SIGTERM stops it.", err=True)
        stop = threading.Event()
        try:
            while node.running and not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        if not node.running:
            raise click.ClickException("the EVM node stopped unexpectedly")
    click.echo("stopped", err=True)
