"""`tracelab bench scenario`: how long a big case takes to generate, against the chains' raw rates."""
from __future__ import annotations

import json
import time

import click

BENCH_SPEC = """
name = "bench"
summary = "A large investment-fraud case for the benchmark."
seed = 11
start = 2026-03-02T08:00:00Z
[chains.ethereum]
kind = "evm"
chain_id = 1
block_time = {block_time}
[chains.bitcoin]
kind = "utxo"
[world]
users = {users}
[background]
transactions = {background}
days = {days}
[[story]]
typology = "investment_fraud_collection"
victims = 20
[[story]]
typology = "fan_out"
mules = 5
[[story]]
typology = "fan_in"
[[story]]
typology = "mixer"
[[story]]
typology = "cash_out"
[[story]]
typology = "ransomware_payment"
chain = "bitcoin"
amount_usd = 90000
[[story]]
typology = "peel_chain"
chain = "bitcoin"
hops = 10
[[story]]
typology = "cash_out"
chain = "bitcoin"
"""


def run(transactions: int = 20_000, *, backend: str = "anvil", block_time: int = 600, days: int = 7) -> dict:
    from chains.evm.bench import raw_rpc
    from ..scenario import run_case
    from ..spec import load_spec

    spec = load_spec("bench.toml", text=BENCH_SPEC.format(
        block_time=block_time, users=max(20, transactions // 60), background=transactions, days=days))
    start = time.perf_counter()
    with run_case(spec, backend=backend) as case:
        seconds = time.perf_counter() - start
        counts = {}
        for name, lane in case.world.lanes.items():
            if lane.kind == "evm":
                w3 = lane.chain.w3
                counts[name] = sum(w3.eth.get_block_transaction_count(n) for n in range(1, w3.eth.block_number + 1))
            else:  # without coinbases
                counts[name] = sum(len(b.txs) - 1 for b in lane.ledger.blocks[1:])
    total = sum(counts.values())
    raw_n = min(transactions, 5_000)
    raw_s, _ = raw_rpc(raw_n)
    raw = raw_n / raw_s
    return {"seconds": round(seconds, 2), "transactions": total, "tx_per_s": round(total / seconds, 1),
            "per_chain": counts, "raw_evm_tx_per_s": round(raw, 1),
            "ratio_to_raw_evm": round(total / seconds / raw, 3), "backend": backend, "block_time": block_time}


@click.command("scenario")
@click.option("--transactions", default=20_000, show_default=True, help="Background transactions of the case.")
@click.option("--block-time", default=600, show_default=True, help="Simulated seconds a lab block gathers.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_scenario(transactions: int, block_time: int, as_json: bool):
    """Generate a large case on anvil; report seconds and tx/s against raw JSON-RPC to anvil."""
    from chains.evm import find_anvil

    if not find_anvil():
        raise click.ClickException("anvil is not installed (run `make setup`)")
    if not as_json:
        click.echo(f"generating a case with {transactions} background transactions ...", err=True)
    r = run(transactions, block_time=block_time)
    if as_json:
        click.echo(json.dumps(r, sort_keys=True))
        return
    click.echo(f"case generated in {r['seconds']} s: {r['transactions']} transactions, {r['tx_per_s']} tx/s")
    click.echo(f"raw JSON-RPC to anvil: {r['raw_evm_tx_per_s']} tx/s; ratio {r['ratio_to_raw_evm']}")
