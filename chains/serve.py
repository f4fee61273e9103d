"""`tracelab chain serve`: the lab chains on loopback until Ctrl-C or SIGTERM, for any client."""
from __future__ import annotations

import contextlib
import signal
import threading
from pathlib import Path

import click

from .evm.genesis import DEFAULT_GENESIS_TIME, DEFAULT_MNEMONIC


def _stop_on_sigterm():
    # SIGTERM unwinds like Ctrl-C, so every `with` block closes and no child process survives
    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _start_evm(port, chain_id, mnemonic, accounts, replay_path, block_time):
    from .evm import BackendUnavailable, EvmChain, find_anvil

    if not find_anvil():
        raise click.ClickException("serving the EVM chain needs anvil: run `make setup` (or set TRACELAB_ANVIL), "
                                   "or serve only the UTXO chain with --no-evm --btc-port N")
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
    node = chain.backend
    node.rpc("anvil_setBlockTimestampInterval", block_time)
    node.rpc("evm_setAutomine", True)
    click.echo(f"EVM chain {chain.chain_id} at {node.url}  (block {chain.w3.eth.block_number}, "
               f"simulated time {chain.timestamp})")
    for i, acct in enumerate(chain.accounts):
        click.echo(f"  account {i}: {acct.address}")
    return chain


def _start_btc(port, user, password, mnemonic, replay_path):
    from .utxo.demo import demo_ledger
    from .utxo.replay import ReplayError, read_replay
    from .utxo.rpcserver import serve_rpc

    try:
        ledger = read_replay(replay_path) if replay_path else demo_ledger(mnemonic, DEFAULT_GENESIS_TIME)
    except (ReplayError, ValueError) as exc:
        raise click.ClickException(f"cannot serve {replay_path}: {exc}") from None
    try:
        server = serve_rpc(ledger, port=port, user=user, password=password)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    click.echo(f"UTXO chain (regtest) at {server.url}  (user {user}, block {ledger.height})")
    return server


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8545, show_default=True,
              help="Ethereum JSON-RPC port on 127.0.0.1 (0: any free port).")
@click.option("--evm/--no-evm", default=True, show_default=True, help="Serve the EVM chain.")
@click.option("--chain-id", type=int, default=1337, show_default=True)
@click.option("--mnemonic", default=DEFAULT_MNEMONIC, show_default=True,
              help="BIP-39 phrase of the dev accounts (EVM: funded and unlocked; UTXO: the funded lab wallet).")
@click.option("--accounts", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--replay", "replay_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve the EVM chain rebuilt from this replay log (a scenario's) instead of a fresh one.")
@click.option("--block-time", type=click.IntRange(1), default=12, show_default=True,
              help="Simulated seconds between mined EVM blocks.")
@click.option("--btc-port", type=click.IntRange(0, 65535), default=None,
              help="Also serve the UTXO chain's Bitcoin Core JSON-RPC on this port (0: any free port).")
@click.option("--btc-replay", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve the UTXO chain rebuilt from this replay log instead of a fresh one with history.")
@click.option("--rpc-user", default="tracelab", show_default=True, help="Bitcoin RPC user.")
@click.option("--rpc-password", default="tracelab", show_default=True, help="Bitcoin RPC password.")
def serve(port, evm, chain_id, mnemonic, accounts, replay_path, block_time, btc_port, btc_replay, rpc_user,
          rpc_password):
    """Run the lab chains on 127.0.0.1 until Ctrl-C or SIGTERM.

    The EVM chain (anvil) mines every transaction at once, each block `--block-time` simulated
    seconds after the last; dev accounts are unlocked as on anvil, and the trace API
    (trace_block, trace_transaction) is served. With `--btc-port`, the UTXO chain answers a
    subset of Bitcoin Core's JSON-RPC; a fresh one already has history and a funded lab wallet.
    """
    if not evm and btc_port is None:
        raise click.UsageError("nothing to serve: give --btc-port, or leave the EVM chain on")
    _stop_on_sigterm()
    with contextlib.ExitStack() as stack:
        node = None
        if evm:
            chain = stack.enter_context(_start_evm(port, chain_id, mnemonic, accounts, replay_path, block_time))
            node = chain.backend
        if btc_port is not None:
            server = _start_btc(btc_port, rpc_user, rpc_password, mnemonic, btc_replay)
            stack.callback(server.shutdown)
        click.echo("Ctrl-C or SIGTERM stops it.", err=True)
        stop = threading.Event()
        try:
            while (node is None or node.running) and not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        if node is not None and not node.running:
            raise click.ClickException("the EVM node stopped unexpectedly")
    click.echo("stopped", err=True)
