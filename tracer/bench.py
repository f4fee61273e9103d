"""`tracelab bench tracer`: load a million ethereum-etl transfers and trace 6 hops forward by FIFO.

One run measures, on the same synthetic export (written to a temporary folder):

- ``raw_read_seconds``: plain ``pyarrow.csv.read_csv`` of every file, default options: the floor
  for any loader of these files (the generator has just written the files, so both read them
  from the page cache);
- ``load_seconds``: :func:`tracer.load.load` of the folder (all checks, exact integers). Both are
  the best of :data:`REPEATS` runs, taken in turn (raw, load, raw, load, ...) after the trace, so
  that a busy machine slows both alike; ``load_first_seconds`` is the first load, the one traced;
- ``trace_seconds``: :func:`tracer.trace.trace_forward` from a busy address, ``rule="fifo"``,
  ``hops=6``;
- ``networkx_seconds``: :func:`networkx_trace` on the same table, the same source and hops;
- ``multi_seconds``: :func:`tracer.trace.trace_forward` from 1,000 sources at once (``multi_sources``:
  the first victims' payments into the busy address, each an EVM transaction and its own colour),
  ``rule="fifo"``, ``hops=6``; every source's endpoints are checked to add up to its payment.
  These three are the best of :data:`REPEATS` runs too, the trace and the baseline taken in turn;
  ``trace_first_seconds`` is the first trace;
- ``seconds`` = first load + first trace, and ``peak_mb``, the peak resident memory of the process that did
  them (a fresh child process, so the data generator's memory does not count); ``multi_peak_mb``
  after the 1,000-source trace too.

``ratio_vs_networkx`` is ``trace_seconds / networkx_seconds``: the tracer's FIFO trace against a
plain networkx breadth-first trace of the same table (graph building included in both: the
tracer orders the table itself, the baseline builds its graph); ``multi_ratio_vs_networkx`` is
``multi_seconds / networkx_seconds``. ``load_vs_raw`` is ``load_seconds / raw_read_seconds``;
``load_cpu_vs_raw`` the same for the CPU time of all the process's threads (``*_cpu_seconds``),
which a busy machine disturbs less: pyarrow reads in several threads, so on an idle machine the
wall-clock ratio is the larger one.
"""
from __future__ import annotations

import json
import math
import random
import resource
import sys
import tempfile
import time
from bisect import bisect_right
from pathlib import Path

import click

from tracer import transfers as T

SEED = 20260301
REPEATS = 3  # runs of the raw read and of the load, the best of which is reported
START_TIME = 1_700_000_000
BLOCK_SECONDS = 12
TX_PER_BLOCK = 150

# ethereum-etl CLI layout (docs/schema.md): the columns written, in its order
TRANSACTIONS = ("hash", "nonce", "block_hash", "block_number", "transaction_index", "from_address", "to_address",
                "value", "gas", "gas_price", "input", "block_timestamp", "max_fee_per_gas",
                "max_priority_fee_per_gas", "transaction_type")
RECEIPTS = ("transaction_hash", "transaction_index", "block_hash", "block_number", "cumulative_gas_used",
            "gas_used", "contract_address", "root", "status", "effective_gas_price")
BLOCKS = ("number", "hash", "parent_hash", "miner", "gas_limit", "gas_used", "timestamp", "transaction_count",
          "base_fee_per_gas")
TOKEN_TRANSFERS = ("token_address", "from_address", "to_address", "value", "transaction_hash", "log_index",
                   "block_number")
TOKENS = ("address", "symbol", "name", "decimals", "total_supply", "block_number")
TRANSFER_CALL = "0xa9059cbb"  # transfer(address,uint256)


def _address(rng):
    return f"0x{rng.getrandbits(160):040x}"


def _hash(rng):
    return f"0x{rng.getrandbits(256):064x}"


def generate(directory, transfers, rng, progress=None):
    """Write a synthetic ethereum-etl export whose transfers table has exactly ``transfers`` rows.

    The world: ordinary users (``transfers // 20``), five exchange hot wallets that take deposits
    from and pay withdrawals to anyone (degrees in the hundreds of thousands), three tokens (one
    with 6 decimals, two with 18, so amounts beyond int64 are common), and a busy fraud
    collection address (the trace source) that takes victims' payments all along and sends to
    mules, users and exchanges. 2% of transactions fail (they pay gas and move nothing). Every
    transaction pays a fee, so each is one or two rows of the table: its value or token
    transfer, and its fee.

    Parameters
    ----------
    directory : Path
        Folder to write ``transactions.csv``, ``receipts.csv``, ``blocks.csv``,
        ``token_transfers.csv`` and ``tokens.csv`` into.
    transfers : int
        Rows of the transfers table the export loads into (at least 2).
    rng : random.Random
    progress : callable, optional
        Called with the number of table rows written since the last call.

    Returns
    -------
    dict
        ``source`` (the traced address), ``transactions``, ``token_transfers`` and ``blocks``.

    Examples
    --------
    >>> import random, tempfile, pathlib, tracer.load
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> info = generate(d, 500, random.Random(1))
    >>> len(tracer.load.load(d))
    500
    """
    directory = Path(directory)
    n_users = max(50, transfers // 20)
    users = [_address(rng) for _ in range(n_users)]
    exchanges = [_address(rng) for _ in range(5)]
    tokens = [(_address(rng), "USDX", "Dollar X", 6), (_address(rng), "WETX", "Wrapped X", 18),
              (_address(rng), "GOVX", "Governance X", 18)]
    source = _address(rng)
    mules = [_address(rng) for _ in range(max(5, n_users // 100))]
    miner = _address(rng)
    files = {name: open(directory / f"{name}.csv", "w", newline="") for name in  # noqa: SIM115 (closed below)
             ("transactions", "receipts", "blocks", "token_transfers", "tokens")}
    for name, cols in (("transactions", TRANSACTIONS), ("receipts", RECEIPTS), ("blocks", BLOCKS),
                       ("token_transfers", TOKEN_TRANSFERS), ("tokens", TOKENS)):
        files[name].write(",".join(cols) + "\n")
    for address, symbol, name, decimals in tokens:
        files["tokens"].write(f"{address},{symbol},{name},{decimals},{10 ** (decimals + 12)},1\n")

    def pick_pair():
        r = rng.random()
        if r < 0.006:  # victims pay the collection address
            return rng.choice(users), source
        if r < 0.012:  # ... which pays mules, users and exchanges
            return source, rng.choice(mules if rng.random() < 0.5 else (users if rng.random() < 0.7 else exchanges))
        if r < 0.03:
            return rng.choice(mules), rng.choice(users if rng.random() < 0.6 else exchanges)
        if r < 0.33:
            return rng.choice(users), rng.choice(exchanges)
        if r < 0.63:
            return rng.choice(exchanges), rng.choice(users)
        a, b = rng.choice(users), rng.choice(users)
        return a, b

    rows = n_tx = n_token = 0
    block, parent, pending = 1, _hash(rng), 0
    tx_lines, rc_lines, tt_lines = [], [], []
    while rows < transfers:
        ts = START_TIME + block * BLOCK_SECONDS
        bhash = _hash(rng)
        base_fee = rng.randrange(5, 60) * 10**9
        cumulative = 0
        k = 0
        while k < TX_PER_BLOCK and rows < transfers:
            frm, to = pick_pair()
            h = _hash(rng)
            price = base_fee + rng.randrange(1, 3) * 10**9
            failed = rows + 1 == transfers or rng.random() < 0.02  # the last row: a fee alone
            is_token = not failed and rng.random() < 0.3
            if is_token:
                address, _, _, decimals = tokens[rng.randrange(3)]
                amount = rng.randrange(1, 10 ** (decimals + rng.randrange(1, 7)))
                gas = 52_000
                tt_lines.append(f"{address},{frm},{to},{amount},{h},{k},{block}\n")
                n_token += 1
                tx_to, value, data = address, 0, TRANSFER_CALL + to[2:].rjust(64, "0") + f"{amount:064x}"
            else:
                gas = 21_000
                tx_to, value, data = to, rng.randrange(10**15, 10**20), "0x"
            cumulative += gas
            tx_lines.append(f"{h},{rng.randrange(0, 5000)},{bhash},{block},{k},{frm},{tx_to},{value},{gas + 10_000},"
                            f"{price},{data},{ts},{price + 10**9},{price - base_fee},2\n")
            rc_lines.append(f"{h},{k},{bhash},{block},{cumulative},{gas},,,{0 if failed else 1},{price}\n")
            rows += 1 if failed else 2
            pending += 1 if failed else 2
            k += 1
        n_tx += k
        files["blocks"].write(f"{block},{bhash},{parent},{miner},30000000,{cumulative},{ts},{k},{base_fee}\n")
        parent = bhash
        block += 1
        if len(tx_lines) >= 20_000 or rows >= transfers:
            files["transactions"].writelines(tx_lines)
            files["receipts"].writelines(rc_lines)
            files["token_transfers"].writelines(tt_lines)
            tx_lines, rc_lines, tt_lines = [], [], []
            if progress:
                progress(pending)
            pending = 0
    for f in files.values():
        f.close()
    return {"source": source, "transactions": n_tx, "token_transfers": n_token, "blocks": block - 1}


def networkx_trace(table, source, hops=6):
    """A plain networkx breadth-first trace: the baseline ``tracelab bench tracer`` compares to.

    What it does, exactly:

    1. builds a ``networkx.DiGraph`` with an edge ``from -> to`` for every pair that transacts;
       the edge keeps the positions of its transfers in the table's time order
       (:func:`tracer.transfers.sort`) and their amounts;
    2. breadth-first from ``source``, level by level up to ``hops`` levels, in time order: an
       address reached at position ``p`` reaches a counterparty through its first transfer to it
       after ``p`` (``source`` counts as reached before everything). An address keeps its
       earliest arrival, and its hop count is the level where it was first reached;
    3. amounts: each reached address with fewer than ``hops`` hops passes on everything it sends
       after its arrival (poison by reachability, no allocation): ``received`` sums that per
       counterparty.

    It allocates nothing (no FIFO): its reached set and amounts bound a FIFO trace from above.
    Every address a FIFO trace of the same table reaches is reached here, in as many or fewer
    hops, and receives at least the tainted amount the FIFO trace gives it.

    Returns
    -------
    dict
        ``hops``: address -> hop count; ``arrival``: address -> table position of the earliest
        arrival; ``received``: address -> amount (exact int).

    Examples
    --------
    >>> from tracer.handmade import account
    >>> r = networkx_trace(account([("t0", "a", "z", 7), ("t1", "s", "a", 10), ("t2", "a", "b", 4)]), "s")
    >>> r["hops"], r["received"]
    ({'s': 0, 'a': 1, 'b': 2}, {'a': 10, 'b': 4})
    """
    import networkx as nx

    t = T.sort(table)
    pairs = {}
    for i, (frm, to, amount) in enumerate(zip(t[T.FROM].tolist(), t[T.TO].tolist(), t[T.AMOUNT].tolist(), strict=True)):
        at = pairs.get((frm, to))
        if at is None:
            pairs[frm, to] = at = ([], [])
        at[0].append(i)
        at[1].append(amount)
    g = nx.DiGraph()
    g.add_edges_from((u, v, {"at": at, "amount": amount}) for (u, v), (at, amount) in pairs.items())
    del pairs
    arrival, level = {source: -1}, {source: 0}
    frontier = {source: -1} if source in g else {}
    for h in range(1, hops + 1):
        reached = {}
        for u, t0 in frontier.items():
            for v, edge in g.adj[u].items():
                k = bisect_right(edge["at"], t0)
                if k < len(edge["at"]):
                    first = edge["at"][k]
                    if first < min(arrival.get(v, math.inf), reached.get(v, math.inf)):
                        reached[v] = first
        for v, first in reached.items():
            arrival[v] = first
            level.setdefault(v, h)
        frontier = reached
    received = {}
    for u, t0 in arrival.items():
        if level[u] >= hops:
            continue
        for v, edge in g.adj[u].items():
            k = bisect_right(edge["at"], t0)
            if k < len(edge["at"]):
                received[v] = received.get(v, 0) + sum(edge["amount"][k:])
    return {"hops": level, "arrival": arrival, "received": received}


class Disagreement(Exception):
    """The tracer's trace and the networkx baseline disagree where they must agree."""


def compare(flows, baseline, source):
    """Check what a FIFO trace and :func:`networkx_trace` must agree on; returns the counts.

    Raises :class:`Disagreement` naming the first address where they disagree.
    """
    fifo_hops, fifo_amount = {}, {}
    for to, hop, amount in zip(flows["to"].tolist(), flows["hop"].tolist(), flows["tainted"].tolist(), strict=True):
        fifo_hops[to] = min(hop, fifo_hops.get(to, hop))
        fifo_amount[to] = fifo_amount.get(to, 0) + amount
    for a, h in fifo_hops.items():
        if a not in baseline["hops"]:
            raise Disagreement(f"FIFO reached {a}, networkx did not")
        if baseline["hops"][a] > h:
            raise Disagreement(f"{a}: networkx hop {baseline['hops'][a]} > FIFO hop {h}")
        if a != source and fifo_amount[a] > baseline["received"][a]:
            raise Disagreement(f"{a}: FIFO taint above what networkx lets through")
    first_fifo = {a for a, h in fifo_hops.items() if h == 1}
    first_nx = {a for a, h in baseline["hops"].items() if h == 1 and baseline["received"].get(a, 0) > 0}
    if first_fifo != first_nx:
        raise Disagreement(f"direct recipients differ: {sorted(first_fifo ^ first_nx)[:3]}")
    return {"reached_fifo": len(fifo_hops), "reached_networkx": len(baseline["hops"]) - 1}


def victims(table, address, n=1000):
    """The first ``n`` payments into ``address`` (its victims', in the synthetic world) as sources."""
    from tracer.sources import Source

    paid = table[(table[T.TO] == address) & (table[T.KIND] != T.FEE)]
    return [Source(tx=h) for h in dict.fromkeys(paid[T.TX_HASH].tolist())][:n]


def measure_multi(table, address, hops=6, n=1000, check=True):
    """Time a FIFO trace from ``n`` victims' payments at once, and check each reconciles."""
    from tracer.trace import trace_forward

    sources = victims(table, address, n)
    start = time.perf_counter()
    result = trace_forward(table, sources, rule="fifo", hops=hops)
    seconds = time.perf_counter() - start
    if not check:
        return {"multi_seconds": seconds}
    sent = result.sent()
    got = {(s, a): int(v) for s, a, v in zip(sent["source"], sent["asset"], sent["amount"], strict=True)}
    rows = table[table[T.TX_HASH].isin({s.tx for s in sources}) & (table[T.KIND] != T.FEE)]
    want = {}
    for h, a, v in zip(rows[T.TX_HASH], rows[T.ASSET], rows[T.AMOUNT], strict=True):
        want[(h, a)] = want.get((h, a), 0) + int(v)
    if got != want:
        bad = sorted(set(got.items()) ^ set(want.items()))[:1]
        raise Disagreement(f"the {len(sources)}-source trace does not add up to what each source sent: {bad}")
    return {"multi_seconds": seconds, "multi_sources": len(sources), "multi_flows": len(result.flows),
            "multi_endpoints": len(result.endpoints), "multi_adjusted": result.adjusted}


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # Linux: kilobytes


def _raw_read(directory):
    import pyarrow.csv as pacsv

    return sum(pacsv.read_csv(p).num_rows for p in sorted(Path(directory).glob("*.csv")))


def _timed(f, *args):
    """(result, wall seconds, CPU seconds of every thread of the process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = f(*args)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def measure(directory, source, hops=6):
    """Time load + trace (and their peak memory), then the raw read and the networkx baseline.

    Meant to run in a fresh process: ``peak_mb`` is that process's peak resident memory when
    load and trace are done, before the baseline runs.
    """
    import tracer.load
    from tracer.trace import trace_forward

    base_mb = _peak_mb()
    table, wall, cpu = _timed(tracer.load.load, directory)
    load_s, load_cpu = [wall], [cpu]
    start = time.perf_counter()
    flows, ends = trace_forward(table, source, rule="fifo", hops=hops)
    trace_s = [time.perf_counter() - start]
    peak = _peak_mb()
    multi = measure_multi(table, source, hops)
    multi_peak = _peak_mb()
    start = time.perf_counter()
    baseline = networkx_trace(table, source, hops)
    nx_s = [time.perf_counter() - start]
    agree = compare(flows, baseline, source)
    counts = {"rows": len(table), "flows": len(flows), "endpoints": len(ends)}
    del flows, ends, baseline
    for _ in range(REPEATS - 1):  # in turn, so a busy machine weighs on both alike
        start = time.perf_counter()
        trace_forward(table, source, rule="fifo", hops=hops)
        trace_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        networkx_trace(table, source, hops)
        nx_s.append(time.perf_counter() - start)
    multi_s = [multi["multi_seconds"]] + [measure_multi(table, source, hops, check=False)["multi_seconds"]
                                          for _ in range(REPEATS - 1)]
    multi["multi_seconds"] = min(multi_s)
    del table
    raw_s, raw_cpu = [], []
    for k in range(REPEATS):
        raw_rows, wall, cpu = _timed(_raw_read, directory)
        raw_s.append(wall)
        raw_cpu.append(cpu)
        if k + 1 < REPEATS:
            _, wall, cpu = _timed(tracer.load.load, directory)
            load_s.append(wall)
            load_cpu.append(cpu)
    return {"load_seconds": min(load_s), "load_first_seconds": load_s[0], "load_cpu_seconds": min(load_cpu),
            "trace_seconds": min(trace_s), "trace_first_seconds": trace_s[0], "networkx_seconds": min(nx_s),
            "raw_read_seconds": min(raw_s), "raw_read_cpu_seconds": min(raw_cpu), "raw_rows": raw_rows,
            "peak_mb": peak, "baseline_mb": base_mb, "multi_peak_mb": multi_peak, **multi,
            **counts, **agree}


def run(transfers=1_000_000, seed=SEED, hops=6, progress=None):
    """Generate the export, measure in a child process, return the report (floats rounded)."""
    import multiprocessing

    with tempfile.TemporaryDirectory(prefix="tracelab-bench-") as d:
        start = time.perf_counter()
        info = generate(Path(d), transfers, random.Random(seed), progress)
        gen_s = time.perf_counter() - start
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(1) as pool:
            m = pool.apply(measure, (d, info["source"], hops))
    r = {k: round(v, 3) if isinstance(v, float) else v for k, v in m.items()}
    r.update(transfers=transfers, hops=hops, seed=seed, source=info["source"], transactions=info["transactions"],
             token_transfers=info["token_transfers"], blocks=info["blocks"], generate_seconds=round(gen_s, 3),
             seconds=round(m["load_first_seconds"] + m["trace_first_seconds"], 3),
             ratio_vs_networkx=round(m["trace_seconds"] / m["networkx_seconds"], 3),
             multi_ratio_vs_networkx=round(m["multi_seconds"] / m["networkx_seconds"], 3),
             load_vs_raw=round(m["load_seconds"] / m["raw_read_seconds"], 3),
             load_cpu_vs_raw=round(m["load_cpu_seconds"] / m["raw_read_cpu_seconds"], 3))
    return r


@click.command("tracer")
@click.option("--transfers", default=1_000_000, show_default=True, help="Rows of the transfers table to generate.")
@click.option("--seed", default=SEED, show_default=True, help="Seed of the synthetic export.")
@click.option("--hops", default=6, show_default=True, help="Hops of the forward trace.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_tracer(transfers: int, seed: int, hops: int, as_json: bool):
    """Load N ethereum-etl transfers and trace 6 hops by FIFO; ratio against a networkx BFS trace."""
    if transfers < 2:
        raise click.BadParameter("at least 2", param_hint="--transfers")
    with click.progressbar(length=transfers, label="generating the export", file=sys.stderr) as bar:
        r = run(transfers, seed, hops, progress=bar.update)
    if as_json:
        click.echo(json.dumps(r, sort_keys=True))
        return
    rows = [("generate export (not timed below)", f"{r['generate_seconds']:.2f} s"),
            (f"raw pyarrow read of the CSVs (best of {REPEATS})", f"{r['raw_read_seconds']:.2f} s"),
            (f"tracer.load (best of {REPEATS})", f"{r['load_seconds']:.2f} s  ({r['load_vs_raw']:.1f}x raw; CPU "
                                                 f"{r['load_cpu_vs_raw']:.1f}x raw's)"),
            (f"FIFO trace, {hops} hops", f"{r['trace_seconds']:.2f} s  ({r['flows']} flows)"),
            (f"FIFO trace, {r['multi_sources']} sources at once",
             f"{r['multi_seconds']:.2f} s  ({r['multi_flows']} flows, {r['multi_ratio_vs_networkx']:.2f}x networkx)"),
            ("networkx BFS trace (baseline)", f"{r['networkx_seconds']:.2f} s"),
            ("load + trace", f"{r['seconds']:.2f} s"),
            ("peak memory (load + trace)", f"{r['peak_mb']} MB"),
            ("trace / networkx", f"{r['ratio_vs_networkx']:.2f}"),
            ("addresses reached (FIFO / networkx)", f"{r['reached_fifo']} / {r['reached_networkx']}")]
    click.echo(f"{r['rows']} transfers ({r['transactions']} transactions, {r['token_transfers']} token transfers, "
               f"{r['blocks']} blocks), source {r['source']}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"{name:<{width}}  {value}")
