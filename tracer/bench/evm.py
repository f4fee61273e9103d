"""The EVM half of ``tracelab bench tracer``: a seeded synthetic ethereum-etl export of a million
transfers, loaded, and traced 6 hops forward by FIFO from a busy address and from 1,000 victims'
payments at once, against :func:`tracer.bench.baseline.networkx_trace`: the export it writes and
what a trace of it must add up to (:mod:`tracer.bench.measure` times them; what each figure means:
:mod:`tracer.bench`).
"""
from __future__ import annotations

from pathlib import Path

from tracer import transfers as T
from tracer.bench.baseline import compare, networkx_trace

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


def victims(table, address, n=1000):
    """The first ``n`` payments into ``address`` (its victims', in the synthetic world) as sources."""
    from tracer.sources import Source

    paid = table[(table[T.TO] == address) & (table[T.KIND] != T.FEE)]
    return [Source(tx=h) for h in dict.fromkeys(paid[T.TX_HASH].tolist())][:n]


def paid(table, sources):
    """(source, asset) -> what each source transaction moved, fees aside: what its trace must add up to."""
    rows = table[table[T.TX_HASH].isin({s.tx for s in sources}) & (table[T.KIND] != T.FEE)]
    want = {}
    for h, a, v in zip(rows[T.TX_HASH], rows[T.ASSET], rows[T.AMOUNT], strict=True):
        want[(h, a)] = want.get((h, a), 0) + int(v)
    return want


def raw_read(directory):
    """A plain ``pyarrow.csv.read_csv`` of every CSV of the export; the rows read."""
    import pyarrow.csv as pacsv

    return sum(pacsv.read_csv(p).num_rows for p in sorted(Path(directory).glob("*.csv")))


baseline = networkx_trace
agree = compare
