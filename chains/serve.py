"""`tracelab chain serve`: the lab chains on loopback until Ctrl-C or SIGTERM, for any client."""
from __future__ import annotations

import contextlib
import json
import signal
import threading
from pathlib import Path

import click

from .evm.genesis import DEFAULT_GENESIS_TIME, DEFAULT_MNEMONIC

#: where ``serve`` answers by default: the first EVM chain's port (the others take the next ones)
#: and the UTXO chain's, as Ethereum and Bitcoin Core (regtest) nodes do
EVM_PORT, BTC_PORT = 8545, 18443
#: the Bitcoin RPC login ``serve`` accepts by default
RPC_USER = RPC_PASSWORD = "tracelab"


def _stop_on_sigterm():
    # SIGTERM unwinds like Ctrl-C, so every `with` block closes and no child process survives
    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def replay_kind(path: Path) -> str:
    """"evm" or "utxo": which chain a replay log rebuilds, from its first line (the EVM reader
    says what is wrong with a log that is neither)."""
    from .utxo.replay import FORMAT

    try:
        with Path(path).open() as fh:
            first = json.loads(fh.readline() or "null")
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None
    except ValueError:
        return "evm"
    return "utxo" if isinstance(first, dict) and first.get("format") == FORMAT else "evm"


def bundle_replays(folder: Path) -> list[Path]:
    """The replay logs of a case bundle, ``chains/<chain>/replay.jsonl``, in the order of the chains' names."""
    logs = sorted(Path(folder).glob("chains/*/replay.jsonl"))
    if not logs:
        raise click.ClickException(f"{folder}: no chains/<chain>/replay.jsonl in it (is it a case bundle?)")
    return logs


def _start_evm(port, chain_id, mnemonic, accounts, replay_path, block_time, name=""):
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
    click.echo(f"{name + ': ' if name else ''}EVM chain {chain.chain_id} at {node.url}  "
               f"(block {chain.w3.eth.block_number}, simulated time {chain.timestamp})")
    for i, acct in enumerate(chain.accounts):
        click.echo(f"  account {i}: {acct.address}")
    return chain


def _start_btc(port, user, password, mnemonic, replay_path, name=""):
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
    click.echo(f"{name + ': ' if name else ''}UTXO chain (regtest) at {server.url}  (user {user}, "
               f"block {ledger.height})")
    return server


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=EVM_PORT, show_default=True,
              help="Ethereum JSON-RPC port on 127.0.0.1 (0: any free port); several EVM chains take the next ports.")
@click.option("--evm/--no-evm", default=True, show_default=True, help="Serve a fresh EVM chain (without --replay).")
@click.option("--chain-id", type=int, default=1337, show_default=True)
@click.option("--mnemonic", default=DEFAULT_MNEMONIC, show_default=True,
              help="BIP-39 phrase of the dev accounts (EVM: funded and unlocked; UTXO: the funded lab wallet).")
@click.option("--accounts", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--bundle", "bundle", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Serve every chain of this case bundle, rebuilt from its replay logs.")
@click.option("--replay", "replay_paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve the chain this replay log rebuilds, EVM or UTXO (which, the log says); repeatable.")
@click.option("--block-time", type=click.IntRange(1), default=12, show_default=True,
              help="Simulated seconds between mined EVM blocks.")
@click.option("--btc-port", type=click.IntRange(0, 65535), default=None,
              help=f"Serve the UTXO chain's Bitcoin Core JSON-RPC on this port (0: any free port; default {BTC_PORT} "
                   "when a UTXO replay log is served).")
@click.option("--btc-replay", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve the UTXO chain rebuilt from this replay log (as --replay does).")
@click.option("--rpc-user", default=RPC_USER, show_default=True, help="Bitcoin RPC user.")
@click.option("--rpc-password", default=RPC_PASSWORD, show_default=True, help="Bitcoin RPC password.")
def serve(port, evm, chain_id, mnemonic, accounts, bundle, replay_paths, block_time, btc_port, btc_replay, rpc_user,
          rpc_password):
    """Run the lab chains on 127.0.0.1 until Ctrl-C or SIGTERM.

    With --bundle or --replay, the chains of those replay logs (each on the chain the log says:
    EVM on anvil, UTXO on the lab ledger); else a fresh EVM chain and, with --btc-port, a fresh
    UTXO chain. The EVM chain (anvil) mines every transaction at once, each block
    `--block-time` simulated seconds after the last; dev accounts are unlocked as on anvil, and
    the trace API (trace_block, trace_transaction) is served. The UTXO chain answers a subset of
    Bitcoin Core's JSON-RPC; a fresh one already has history and a funded lab wallet.
    """
    logs = [*(bundle_replays(bundle) if bundle else []), *replay_paths, *([btc_replay] if btc_replay else [])]
    of_kind: dict[str, list[Path]] = {"evm": [], "utxo": []}  # what replay_kind says a log rebuilds
    for log in logs:
        of_kind[replay_kind(log)].append(log)
    evm_logs, utxo_logs = of_kind["evm"], of_kind["utxo"]
    if len(utxo_logs) > 1:
        raise click.UsageError(f"one UTXO chain at a time: {', '.join(map(str, utxo_logs))} are all UTXO logs")
    if not logs and not evm and btc_port is None:
        raise click.UsageError("nothing to serve: give --bundle, --replay or --btc-port, or leave the EVM chain on")
    _stop_on_sigterm()
    with contextlib.ExitStack() as stack:
        nodes = []
        if logs:
            for i, log in enumerate(evm_logs):
                chain = stack.enter_context(_start_evm(port + i if port else 0, chain_id, mnemonic, accounts, log,
                                                       block_time, name=_chain_name(log)))
                nodes.append(chain.backend)
        elif evm:
            chain = stack.enter_context(_start_evm(port, chain_id, mnemonic, accounts, None, block_time))
            nodes.append(chain.backend)
        if utxo_logs or (not logs and btc_port is not None):
            log = utxo_logs[0] if utxo_logs else None
            server = _start_btc(BTC_PORT if btc_port is None else btc_port, rpc_user, rpc_password, mnemonic, log,
                                name=_chain_name(log) if log else "")
            stack.callback(server.shutdown)
        click.echo("Ctrl-C or SIGTERM stops it.", err=True)
        stop = threading.Event()
        try:
            while all(node.running for node in nodes) and not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        if not all(node.running for node in nodes):
            raise click.ClickException("an EVM node stopped unexpectedly")
    click.echo("stopped", err=True)


def _chain_name(log: Path) -> str:
    """A bundle's chain is named by its folder (``chains/<chain>/replay.jsonl``); any other log by its file."""
    return log.parent.name if log.name == "replay.jsonl" else log.stem
