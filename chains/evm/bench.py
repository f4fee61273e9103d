"""`tracelab bench chain`: how fast the lab puts plain transfers on its EVM chains.

Three figures, measured in one run on fresh chains with the same genesis:
- the lab's own path (:meth:`EvmChain.send_batch`: local signing, explicit nonces, batched
  JSON-RPC, a block at every gas target) on anvil;
- the limit: the same transactions, signed beforehand, sent as raw batched JSON-RPC to anvil and
  mined with the same block boundaries;
- the pure-Python backend (py-evm) on the lab path.
"""
from __future__ import annotations

import json
import time

import click
import requests

from .genesis import DEFAULT_BALANCE, funded_genesis

N_SENDERS = 50
_DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"


def _transfers(accounts, n: int) -> list[dict]:
    # round-robin senders so no single account's nonce sequence dominates the pool
    return [{"sender": accounts[i % len(accounts)], "to": accounts[(i + 1) % len(accounts)].address, "value": 1 + i}
            for i in range(n)]


def lab_path(backend: str, n: int) -> tuple[float, int]:
    from .chain import EvmChain

    with EvmChain.start(backend, accounts=N_SENDERS) as chain:
        transfers = _transfers(chain.accounts, n)
        start = time.perf_counter()
        chain.send_batch(transfers)
        chain.mine()
        chain.sync()  # on anvil the last blocks may still be mining on the worker thread
        elapsed = time.perf_counter() - start
        assert chain.w3.eth.get_transaction_count(chain.accounts[0].address) == len(range(0, n, N_SENDERS))
        return elapsed, chain.w3.eth.block_number


def raw_rpc(n: int) -> tuple[float, int]:
    """Pre-signed transactions through plain batched JSON-RPC: what the node itself can take.

    Batches of 500: anvil admits the tail of such a batch out of order, which a baseline may
    ignore and the lab may not (it sends 50 a batch, see ``anvil.SEND_BATCH``).
    """
    from .backends.anvil import AnvilBackend
    from .chain import MAX_FEE_PER_GAS, MAX_PRIORITY_FEE_PER_GAS
    from .txsign import Signer

    genesis, accounts = funded_genesis(_DEFAULT_MNEMONIC, N_SENDERS, balance=DEFAULT_BALANCE)
    signers = [Signer(a.key, a.address) for a in accounts]
    raws, gas_target = [], genesis.gas_limit // 2
    for i, t in enumerate(_transfers(accounts, n)):
        raws.append("0x" + signers[i % N_SENDERS].sign(
            chain_id=genesis.chain_id, nonce=i // N_SENDERS, to=t["to"], value=t["value"], data=b"", gas=21_000,
            max_fee_per_gas=MAX_FEE_PER_GAS, max_priority_fee_per_gas=MAX_PRIORITY_FEE_PER_GAS).raw.hex())
    per_block = gas_target // 21_000
    with AnvilBackend(genesis) as node:
        session, url = requests.Session(), node.url
        ts = genesis.timestamp
        start = time.perf_counter()
        for b in range(0, n, per_block):
            block = raws[b:b + per_block]
            for c in range(0, len(block), 500):
                body = [{"jsonrpc": "2.0", "id": k, "method": "eth_sendRawTransaction", "params": [r]}
                        for k, r in enumerate(block[c:c + 500])]
                session.post(url, json=body, timeout=300).raise_for_status()
            ts += 12
            session.post(url, timeout=300, json=[
                {"jsonrpc": "2.0", "id": 1, "method": "evm_setNextBlockTimestamp", "params": [hex(ts)]},
                {"jsonrpc": "2.0", "id": 2, "method": "evm_mine", "params": []}])
        elapsed = time.perf_counter() - start
        blocks = int(node.rpc("eth_blockNumber"), 16)
    return elapsed, blocks


def run(transfers: int = 20_000, pyevm_transfers: int = 2_000) -> dict:
    lab_s, lab_blocks = lab_path("anvil", transfers)
    raw_s, raw_blocks = raw_rpc(transfers)
    py_s, _ = lab_path("pyevm", pyevm_transfers)
    lab, raw, py = transfers / lab_s, transfers / raw_s, pyevm_transfers / py_s
    return {
        "transfers": transfers,
        "blocks": lab_blocks,
        "lab_tx_per_s": round(lab, 1),
        "raw_tx_per_s": round(raw, 1),
        "pure_python_transfers": pyevm_transfers,
        "pure_python_tx_per_s": round(py, 1),
        "ratio_lab_to_raw": round(lab / raw, 3),
        "ratio_pure_python_to_raw": round(py / raw, 3),
        "raw_blocks": raw_blocks,
    }


@click.command("chain")
@click.option("--transfers", default=20_000, show_default=True, help="Plain transfers on anvil.")
@click.option("--pyevm-transfers", default=2_000, show_default=True,
              help="Plain transfers on the pure-Python backend (slower; a rate needs fewer).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_chain(transfers: int, pyevm_transfers: int, as_json: bool):
    """Transfers per second: the lab's path and raw JSON-RPC on anvil, and the pure-Python backend."""
    from .backends import find_anvil

    if not find_anvil():
        raise click.ClickException("anvil is not installed (run `make setup`): the chain benchmark measures anvil")
    if not as_json:
        click.echo(f"sending {transfers} transfers on anvil (lab path, then raw JSON-RPC) "
                   f"and {pyevm_transfers} on py-evm ...", err=True)
    result = run(transfers, pyevm_transfers)
    if as_json:
        click.echo(json.dumps(result, sort_keys=True))
        return
    click.echo(f"lab path on anvil    {result['lab_tx_per_s']:>10,.0f} tx/s  ({result['blocks']} blocks)")
    click.echo(f"raw JSON-RPC, anvil  {result['raw_tx_per_s']:>10,.0f} tx/s  (the limit)")
    click.echo(f"pure Python (py-evm) {result['pure_python_tx_per_s']:>10,.0f} tx/s")
    click.echo(f"lab / raw            {result['ratio_lab_to_raw']:>10.3f}")
    click.echo(f"py-evm / raw         {result['ratio_pure_python_to_raw']:>10.3f}")
