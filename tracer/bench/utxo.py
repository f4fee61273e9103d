"""The UTXO half of ``tracelab bench tracer``: a seeded synthetic bitcoin-etl export of about a
million transfers, loaded, and traced 6 hops forward by FIFO from a busy address and from 1,000
victims' payments at once, against :func:`tracer.bench.baseline.networkx_utxo_trace`: the export it
writes and what a trace of it must add up to (:mod:`tracer.bench.measure` times them).
"""
import json
from pathlib import Path

from tracer import transfers as T
from tracer.bench.baseline import compare_utxo, networkx_utxo_trace

START_TIME = 1_700_000_000
BLOCK_SECONDS = 600
TX_PER_BLOCK = 500
COIN = 10**8
MAX_SEQUENCE = 4_294_967_295


class _World:
    """Who holds which coins: wallets of addresses, each wallet a list of unspent outputs."""

    def __init__(self, rng, transfers):
        from embit import bech32

        self.rng = rng
        self.program = {}  # address -> its witness program (hex), for the scripts

        def address():
            program = rng.randbytes(20)
            a = bech32.encode("bc", 0, program)
            self.program[a] = program.hex()
            return a

        def wallet(n):
            return {"addrs": [address() for _ in range(n)], "coins": []}

        self.users = [wallet(rng.choice((1, 1, 2, 3))) for _ in range(max(40, transfers // 40))]
        self.exchanges = [{"hot": wallet(2), "deposit": wallet(60)} for _ in range(5)]
        self.fraud = wallet(1)  # one address, paid by victims and paid its own change: reused throughout
        self.mules = [wallet(2) for _ in range(max(5, transfers // 50_000))]
        self.payees = self.users + [e["deposit"] for e in self.exchanges]

    def take(self, w, k):
        """``k`` coins of wallet ``w`` at random (fewer if it holds fewer)."""
        coins, rng, out = w["coins"], self.rng, []
        for _ in range(min(k, len(coins))):
            j = rng.randrange(len(coins))
            coins[j], coins[-1] = coins[-1], coins[j]
            out.append(coins.pop())
        return out


def generate(directory, transfers, rng, progress=None):
    """Write a synthetic bitcoin-etl export (``transactions.json``, JSON lines as
    ``bitcoinetl export_blocks_and_transactions`` then ``enrich_transactions`` write them) whose
    transfers table has about ``transfers`` rows (inputs, outputs and fees).

    The world: ordinary users (``transfers // 40``), most with one address they pay their change
    back to (address reuse), some with two or three; five exchanges, each with a hot wallet that
    pays withdrawals in batches of 5 to 30 outputs and 60 deposit addresses it sweeps into the hot
    wallet 20 to 80 inputs at a time; a fraud address (the trace source) that victims pay and that
    spends 5 to 30 of their payments at once to mules, its change back to itself; mules, who cash
    out at exchanges; users who gather 5 to 15 coins into one. Each block starts with a pool's
    coinbase paying new coins to users and exchanges. Fees are paid by the size of a transaction.

    Returns
    -------
    dict
        ``source`` (the fraud address), ``transactions``, ``blocks``, ``rows`` (of the table the
        export loads into), ``victims`` (payments to the source).

    Examples
    --------
    >>> import random, tempfile, pathlib, tracer.load
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> info = generate(d, 3000, random.Random(1))
    >>> len(tracer.load.load(d)) == info["rows"]
    True
    """
    w = _World(rng, transfers)
    rows = n_tx = victims = 0
    block, pending = 0, 0
    with open(Path(directory) / "transactions.json", "w") as f:
        while rows < transfers:
            block += 1
            ts = START_TIME + block * BLOCK_SECONDS
            bhash = f"{rng.getrandbits(256):064x}"
            lines = []
            for k in range(TX_PER_BLOCK):
                tx = _coinbase(w) if k == 0 else _step(w)
                if tx is None:
                    continue
                ins, outs, kind = tx
                line, n = _write(w, ins, outs, block, bhash, ts, len(lines))
                lines.append(line)
                victims += kind == "victim"
                rows += n
                pending += n
                if rows >= transfers:
                    break
            n_tx += len(lines)
            f.write("".join(lines))
            if progress and (pending >= 20_000 or rows >= transfers):
                progress(pending)
                pending = 0
    return {"source": w.fraud["addrs"][0], "transactions": n_tx, "blocks": block, "rows": rows,
            "victims": victims}


def _coinbase(w):
    rng = w.rng
    outs = []
    for _ in range(rng.randrange(5, 25)):
        payee = rng.choice(w.users) if rng.random() < 0.8 else rng.choice(w.exchanges)["hot"]
        outs.append((payee, rng.choice(payee["addrs"]), rng.randrange(COIN // 10, 2 * COIN)))
    return None, outs, "coinbase"


def _step(w):
    """One transaction of the world (or None when the wallet picked has nothing to spend)."""
    rng = w.rng
    r = rng.random()
    if r < 0.008:  # a victim pays the fraud address
        payer = rng.choice(w.users)
        return _pay(w, payer, w.take(payer, rng.randrange(1, 3)), [(w.fraud, w.fraud["addrs"][0])], "victim")
    if r < 0.014 and len(w.fraud["coins"]) >= 5:  # the fraud address pays mules, change to itself
        ins = w.take(w.fraud, rng.randrange(5, 31))
        return _pay(w, w.fraud, ins, [(m, rng.choice(m["addrs"])) for m in rng.sample(w.mules, min(len(w.mules),
                                                                                             rng.randrange(2, 6)))],
                    "fraud", keep=0.3)
    if r < 0.03:  # a mule cashes out at an exchange, or pays users
        mule = rng.choice(w.mules)
        to = rng.choice(w.payees) if rng.random() < 0.4 else rng.choice(w.exchanges)["deposit"]
        return _pay(w, mule, w.take(mule, rng.randrange(1, 6)), [(to, rng.choice(to["addrs"]))], "mule")
    if r < 0.05:  # an exchange sweeps its deposit addresses into its hot wallet
        ex = rng.choice(w.exchanges)
        if len(ex["deposit"]["coins"]) < 20:
            return None
        ins = w.take(ex["deposit"], rng.randrange(20, 81))
        return _pay(w, ex["deposit"], ins, [(ex["hot"], ex["hot"]["addrs"][0])], "sweep", keep=0)
    if r < 0.13:  # an exchange pays withdrawals in a batch
        ex = rng.choice(w.exchanges)
        payees = [rng.choice(w.users) for _ in range(rng.randrange(5, 31))]
        return _pay(w, ex["hot"], w.take(ex["hot"], rng.randrange(1, 4)), [(u, rng.choice(u["addrs"])) for u in payees],
                    "batch")
    user = rng.choice(w.users)
    if r < 0.17:  # a user gathers coins into one
        return _pay(w, user, w.take(user, rng.randrange(5, 16)), [(user, user["addrs"][0])], "gather", keep=0)
    to = rng.choice(w.users) if rng.random() < 0.6 else rng.choice(w.exchanges)["deposit"]
    return _pay(w, user, w.take(user, rng.randrange(1, 4)), [(to, rng.choice(to["addrs"]))], "pay")


def _pay(w, payer, ins, payees, kind, keep=1.0):
    """Spend the coins ``ins`` to ``payees`` (wallet, address) in random shares, the fee by size,
    and (with probability ``keep``) change back to the payer, to its first address (reused) or
    another of its own. None, the coins given back, if they cannot pay it."""
    rng = w.rng
    if not ins:
        return None
    total = sum(c[2] for c in ins)
    change = rng.random() < keep
    n_out = len(payees) + change
    fee = (11 + 68 * len(ins) + 31 * n_out) * rng.randrange(1, 21)
    spend = total - fee
    if spend < 1000 * n_out:
        payer["coins"] += ins
        return None
    paid = rng.randrange(spend // 3, spend) if change else spend
    cuts = sorted(rng.randrange(1, paid) for _ in range(len(payees) - 1)) if paid > len(payees) else []
    shares = [b - a for a, b in zip([0] + cuts, cuts + [paid], strict=True)]
    if len(shares) != len(payees) or min(shares) <= 0:
        payer["coins"] += ins
        return None
    outs = [(wallet, addr, v) for (wallet, addr), v in zip(payees, shares, strict=True)]
    if change:
        back = payer["addrs"][0] if rng.random() < 0.5 else rng.choice(payer["addrs"])
        outs.append((payer, back, spend - paid))
    return ins, outs, kind


def _write(w, ins, outs, block, bhash, ts, index):
    """The JSON line of one transaction; its outputs become coins of their wallets."""
    rng = w.rng
    h = f"{rng.getrandbits(256):064x}"
    inputs = [] if ins is None else [
        {"index": k, "spent_transaction_hash": c[0], "spent_output_index": c[1], "script_asm": "", "script_hex": "",
         "sequence": MAX_SEQUENCE, "required_signatures": 1, "type": "witness_v0_keyhash", "addresses": [c[3]],
         "value": c[2]} for k, c in enumerate(ins)]
    outputs = []
    for k, (wallet, addr, v) in enumerate(outs):
        program = w.program[addr]
        outputs.append({"index": k, "script_asm": f"0 {program}", "script_hex": f"0014{program}",
                        "required_signatures": 1, "type": "witness_v0_keyhash", "addresses": [addr], "value": v})
        wallet["coins"].append((h, k, v, addr))
    in_value, out_value = sum(i["value"] for i in inputs), sum(o["value"] for o in outputs)
    coinbase = ins is None
    size = 10 + 41 * len(inputs) + 31 * len(outputs) + (0 if coinbase else 2 + 108 * len(inputs))
    tx = {"hash": h, "size": size, "virtual_size": size - (0 if coinbase else 81 * len(inputs)), "version": 2,
          "lock_time": 0, "block_number": block, "block_hash": bhash, "block_timestamp": ts, "is_coinbase": coinbase,
          "index": index, "inputs": inputs, "outputs": outputs, "input_count": len(inputs),
          "output_count": len(outputs), "input_value": in_value, "output_value": out_value,
          "fee": 0 if coinbase else in_value - out_value}
    fee = 0 if coinbase else in_value - out_value
    return json.dumps(tx) + "\n", len(inputs) + len(outputs) + (fee > 0)


def victims(table, address, n=1000):
    """The first ``n`` payments to ``address`` by others, as sources: each the output it was paid."""
    from tracer.sources import Source

    paid = table[(table[T.TO] == address) & (table[T.FROM] == table[T.TX_HASH])]
    own = set(table[(table[T.FROM] == address)][T.TX_HASH])  # its change to itself is not a victim's
    picks = [(h, int(i)) for h, i in zip(paid[T.TX_HASH], paid[T.INDEX], strict=True) if h not in own]
    return [Source(tx=h, vout=i) for h, i in picks[:n]]


def paid(table, sources):
    """(source, ``BTC``) -> the value of each source output: what its trace must add up to."""
    outs = table[table[T.FROM] == table[T.TX_HASH]]
    value = {(h, int(i)): int(v) for h, i, v in zip(outs[T.TX_HASH], outs[T.INDEX], outs[T.AMOUNT], strict=True)}
    return {(s.name, "BTC"): value[(s.tx, s.vout)] for s in sources}


def raw_read(directory):
    """A plain ``pyarrow.json.read_json`` of the JSON lines; the transactions read."""
    import pyarrow.json as pajson

    return pajson.read_json(Path(directory) / "transactions.json").num_rows


baseline = networkx_utxo_trace


def agree(flows, base, source):
    """:func:`~tracer.bench.baseline.compare_utxo` (the source address plays no part in it)."""
    return compare_utxo(flows, base)
