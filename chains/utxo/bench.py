"""``tracelab bench utxo``: block validation speed against libsecp256k1's raw verification rate.

Setup (not timed): fund a key, fan its coinbases out to many P2WPKH outputs, and sign
``--txs`` one-input, two-output P2WPKH payments, packed into serialized blocks. Timed: a fresh
ledger parses each raw block and validates and applies it (``connect_block``: txids, merkle
root, witness commitment, BIP-143 sighashes, signatures, values, the UTXO set). In the same run, coincurve
verifies ECDSA signatures in a tight loop; the ratio says how close the ledger gets to the
signature-check bound.
"""
import hashlib
import json
import time

import click
import coincurve
from rich.console import Console
from rich.progress import Progress

from chains.utxo.block import Block, assemble, make_coinbase
from chains.utxo.keys import Key
from chains.utxo.ledger import Ledger
from chains.utxo.params import BLOCK_VERSION, block_subsidy
from chains.utxo.tx import build, sign

START = 1_700_000_000
FAN_OUT = 1000


def _key(tag: bytes) -> Key:
    return Key(hashlib.sha256(b"tracelab bench " + tag).digest())


def prepare(n_txs: int, block_txs: int, progress: Progress | None = None):
    """Return (setup blocks, bench blocks) for ``n_txs`` signed P2WPKH payments."""
    payer, payee = _key(b"payer"), _key(b"payee")
    spk, dest = payer.script("p2wpkh"), payee.script("p2wpkh")
    producer = Ledger()
    n_coinbases = -(-n_txs // FAN_OUT)
    clock = iter(range(START, START + 10**9, 600))
    for _ in range(n_coinbases):
        producer.mine_block(next(clock), spk)
    for _ in range(100):
        producer.mine_block(next(clock), _key(b"miner").script("p2wpkh"))
    fanouts = []
    for height in range(1, n_coinbases + 1):
        cb = producer.blocks[height].txs[0]
        value = cb.tx.vout[0].value
        each = (value - 100_000) // FAN_OUT
        tx = sign(build([(cb.txid, 0, 0xFFFFFFFF)], [(spk, each)] * FAN_OUT),
                  [(value, spk)], [payer])
        producer.submit(tx)
        fanouts.append((tx, each))
    producer.mine_block(next(clock), spk)
    setup = list(producer.blocks[1:])
    coins = [(tx.txid, n, each) for tx, each in fanouts for n in range(FAN_OUT)][:n_txs]
    task = progress.add_task("signing", total=n_txs) if progress else None
    txs = []
    for i, (txid, n, value) in enumerate(coins):
        pay = 10_000 + (i % 1000) * 37
        txs.append(sign(build([(txid, n, 0xFFFFFFFD)], [(dest, pay), (spk, value - pay - 300)]),
                        [(value, spk)], [payer]))
        if progress and i % 500 == 0:
            progress.update(task, completed=i)
    if progress:
        progress.update(task, completed=n_txs)
    blocks = []
    prev, height, clock_t = producer.tip.hash, producer.height, producer.tip.header.time
    for start in range(0, len(txs), block_txs):
        chunk = txs[start:start + block_txs]
        height += 1
        clock_t += 600
        cb = make_coinbase(height, dest, block_subsidy(height) + 300 * len(chunk), chunk)
        block = assemble(prev, clock_t, [cb] + chunk, BLOCK_VERSION)
        blocks.append(block.serialize())
        prev = block.hash
    return setup, blocks


def raw_verify_rate(n: int) -> float:
    """ECDSA verifications per second by coincurve (parsed keys, DER signatures)."""
    items = []
    for i in range(min(n, 2000)):
        priv = coincurve.PrivateKey(hashlib.sha256(b"k%d" % i).digest())
        msg = hashlib.sha256(b"m%d" % i).digest()
        items.append((priv.public_key, priv.sign(msg, hasher=None), msg))
    rounds = max(1, n // len(items))
    t0 = time.perf_counter()
    for _ in range(rounds):
        for pub, sig, msg in items:
            if not pub.verify(sig, msg, hasher=None):
                raise AssertionError("verification failed")
    return rounds * len(items) / (time.perf_counter() - t0)


def run(n_txs: int, block_txs: int, quiet: bool) -> dict:
    """Run the benchmark; return the figures."""
    console = Console(stderr=True, quiet=quiet)
    with Progress(console=console, transient=True) as progress:
        setup, blocks = prepare(n_txs, block_txs, progress)
        ledger = Ledger()
        for block in setup:
            ledger.connect_block(block)
        task = progress.add_task("validating", total=len(blocks))
        elapsed = 0.0
        applied = 0
        for raw in blocks:
            t0 = time.perf_counter()
            block = Block.from_raw(raw)
            ledger.connect_block(block)
            elapsed += time.perf_counter() - t0
            applied += len(block.txs) - 1
            progress.advance(task)
    tx_per_s = applied / elapsed
    raw = raw_verify_rate(max(2000, n_txs))
    return {"txs": applied, "blocks": len(blocks), "seconds": round(elapsed, 3),
            "tx_per_s": round(tx_per_s, 1), "raw_verify_per_s": round(raw, 1),
            "ratio": round(tx_per_s / raw, 4)}


@click.command("utxo")
@click.option("--txs", "n_txs", default=20_000, show_default=True,
              help="Signed P2WPKH transactions to validate.")
@click.option("--block-txs", default=1_000, show_default=True, help="Transactions per block.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_utxo(n_txs: int, block_txs: int, as_json: bool) -> None:
    """Validate and apply blocks of signed P2WPKH transactions; compare with raw ECDSA verify."""
    if n_txs < 1 or block_txs < 1:
        raise click.BadParameter("--txs and --block-txs must be positive")
    figures = run(n_txs, block_txs, quiet=as_json)
    if as_json:
        click.echo(json.dumps(figures))
        return
    click.echo(f"validated {figures['txs']} P2WPKH transactions in {figures['blocks']} blocks "
               f"in {figures['seconds']} s")
    click.echo(f"  ledger:            {figures['tx_per_s']:>10.1f} tx/s")
    click.echo(f"  coincurve verify:  {figures['raw_verify_per_s']:>10.1f} sig/s")
    click.echo(f"  ratio:             {figures['ratio']:>10.4f}")
