"""How hard a case is, measured: the crowd around every service the perpetrator used.

An investigator who reaches a service the perpetrator used must tell the perpetrator's use of it
apart from everyone else's. The crowd is everyone else's use of the *same* service, *in the same
time window*, at *comparable amounts*: what amount and timing analysis cannot rule out. Each
kind of service has its measure:

``mixer``
    per pool (denomination) the perpetrator deposited into: other users' deposits into that pool
    between the perpetrator's first deposit and last withdrawal there.
``bridge``
    per bridge deposit of the perpetrator: other deposits on the same route (source and
    destination chain) of the same asset within ``WINDOW["bridge"]`` either side, at between a
    third and three times the amount.
``swap_service``
    per order of the perpetrator at the instant swap service: other orders paid in within
    ``WINDOW["swap_service"]`` either side at comparable BTC amounts, and other ETH payouts in the
    same window at comparable amounts; the smaller of the two.
``coinjoin``
    per pool the perpetrator's coins mixed in: other owners' coins in the rounds those coins took
    part in (each round's inputs are 5, at most one per owner; remixes add rounds).
``exchange_deposit``
    per cash-out at an exchange: other customers' deposits at that exchange on that chain of the
    same asset (the same token contract, or the chain's own coin) within
    ``WINDOW["exchange_deposit"]`` either side, of between a third and three times the amount: an
    investigator who filters the exchange's deposits by asset still faces them all.

:func:`measure` counts them from a bundle's exports and the key alone (a test does it again over
several seeds); the generator schedules the crowd (``Background.crowd``) so every measure meets
its level's floor by construction, with a margin.
"""
from __future__ import annotations

from collections import defaultdict

from .units import HOUR

#: the smallest crowd each level promises, per kind of service
FLOORS = {
    "easy": {"mixer": 3, "bridge": 2, "swap_service": 2, "exchange_deposit": 2, "coinjoin": 8},
    "standard": {"mixer": 8, "bridge": 4, "swap_service": 4, "exchange_deposit": 5, "coinjoin": 20},
    "hard": {"mixer": 20, "bridge": 10, "swap_service": 10, "exchange_deposit": 10, "coinjoin": 40},
}
#: seconds either side of the perpetrator's use in which others' uses count
WINDOW = {"bridge": 12 * HOUR, "swap_service": 6 * HOUR, "exchange_deposit": 24 * HOUR}
#: amounts count as comparable between a third and three times the perpetrator's
RATIO = 3


def crowd_size(level: str, kind: str) -> int:
    """How many crowd events the generator schedules for one use of a service: the floor, and a margin."""
    floor = FLOORS[level][kind]
    return floor + floor // 2 + 2


def comparable(a: int, b: int) -> bool:
    """``b`` is between a third and three times ``a``."""
    return a * 1 <= b * RATIO and b <= a * RATIO


def measure(bundle, key: dict, tables: dict, *, transfers=None) -> dict:
    """The difficulty entry of a key: its level, floors, every measure, and whether all are met.

    ``bundle`` is the bundle's folder (its exports are read unless ``transfers``, the tracer's
    table of them, is given); ``key`` the key (``key.json``) and ``tables`` its JSON-lines tables.
    """
    if transfers is None:
        from tracer.load import load

        transfers = load(bundle / "exports")
    level = key["difficulty"]["level"]
    floors = FLOORS[level]
    perp = {c: {a.lower() for a in addrs} for chains in [key["clusters"].get("perpetrator", {})]
            for c, addrs in chains.items()}
    every = transfers.assign(to=transfers["to"].str.lower(), **{"from": transfers["from"].str.lower()})
    rows = every[every["kind"].isin(["native", "token", "utxo"])]
    by_tx = {}  # every row of a transaction, fees and internal transfers too: a withdrawal sends no value itself
    for r in every.itertuples(index=False):
        by_tx.setdefault((r.chain, r.tx_hash), []).append(r)
    measures = []
    measures += _mixer(key, tables, rows, by_tx)
    measures += _bridge(tables, rows, by_tx, perp)
    measures += _swap_service(tables, rows, by_tx)
    measures += _exchange_deposits(key, tables, rows)
    measures += _coinjoin(tables, rows)
    for m in measures:
        m["floor"] = floors[m["kind"]]
    return {"level": level, "floors": floors, "measures": measures,
            "met": all(m["crowd"] >= m["floor"] for m in measures)}


def _time(by_tx, chain: str, tx: str) -> int:
    return int(by_tx[(chain, tx)][0].timestamp)


def _mixer(key, tables, rows, by_tx) -> list[dict]:
    notes = [n for n in tables["mixer_notes"] if n["depositor"] == "perpetrator"]
    pools = defaultdict(list)
    for n in notes:
        pools[(n["chain"], n["pool"], n["denomination"])].append(n)
    out = []
    for (chain, pool, denom), ns in sorted(pools.items()):
        start = min(_time(by_tx, chain, n["deposit_tx"]) for n in ns)
        end = max([_time(by_tx, chain, n["withdraw_tx"]) for n in ns if n["withdraw_tx"]] or [start])
        own = {n["deposit_tx"] for n in ns}
        hits = rows[(rows["chain"] == chain) & (rows["to"] == pool.lower()) & (rows["kind"] == "native")
                    & (rows["amount"].astype(str) == str(denom)) & (rows["timestamp"] >= start)
                    & (rows["timestamp"] <= end) & ~rows["tx_hash"].isin(own)]
        out.append({"kind": "mixer", "chain": chain, "denomination": str(denom), "start": start, "end": end,
                    "perpetrator": len(ns), "crowd": int(hits["tx_hash"].nunique())})
    return out


def _deposit_row(by_tx, chain, tx, to):
    return next(r for r in by_tx[(chain, tx)] if r.to == to.lower())


def _bridge(tables, rows, by_tx, perp) -> list[dict]:
    transfers = tables["bridge_transfers"]
    bridge_of = {r["chain"]: r["address"] for r in tables["addresses"] if r["role"] == "bridge"}
    out = []
    for b in transfers:
        if b["sender"].lower() not in perp.get(b["src_chain"], ()):
            continue
        bridge = bridge_of[b["src_chain"]]
        mine = _deposit_row(by_tx, b["src_chain"], b["deposit_tx"], bridge)
        t, w = int(mine.timestamp), WINDOW["bridge"]
        crowd = 0
        for o in transfers:
            if o is b or (o["src_chain"], o["dst_chain"], o["token"]) != (b["src_chain"], b["dst_chain"], b["token"]):
                continue
            if o["sender"].lower() in perp.get(b["src_chain"], ()):
                continue
            r = _deposit_row(by_tx, o["src_chain"], o["deposit_tx"], bridge)
            if abs(int(r.timestamp) - t) <= w and r.asset == mine.asset and comparable(int(mine.amount), int(r.amount)):
                crowd += 1
        out.append({"kind": "bridge", "chain": b["src_chain"], "route": f"{b['src_chain']}->{b['dst_chain']}",
                    "asset": mine.asset, "amount": str(mine.amount), "start": t - w, "end": t + w, "perpetrator": 1,
                    "crowd": crowd})
    return out


def _swap_service(tables, rows, by_tx) -> list[dict]:
    orders = tables["swap_orders"]
    service = {(r["chain"], r["address"].lower()) for r in tables["addresses"] if r["actor"] == "swap-service"}
    out = []
    for o in orders:
        if o["actor"] != "perpetrator":
            continue
        w = WINDOW["swap_service"]
        t_in = _time(by_tx, o["btc_chain"], o["btc_tx"])
        ins = rows[(rows["chain"] == o["btc_chain"]) & (rows["kind"] == "utxo")
                   & rows["to"].map(lambda a, o=o: (o["btc_chain"], a) in service)
                   & ((rows["timestamp"] - t_in).abs() <= w) & (rows["tx_hash"] != o["btc_tx"])]
        ins = ins[ins["amount"].map(lambda v, o=o: comparable(int(o["sats"]), int(v)))]
        crowd_in = int(ins["tx_hash"].nunique())
        crowd_out = 0
        if o["eth_tx"]:
            t_out = _time(by_tx, o["eth_chain"], o["eth_tx"])
            outs = rows[(rows["chain"] == o["eth_chain"]) & (rows["kind"] == "native")
                        & rows["from"].map(lambda a, o=o: (o["eth_chain"], a) in service)
                        & ((rows["timestamp"] - t_out).abs() <= w) & (rows["tx_hash"] != o["eth_tx"])]
            outs = outs[outs["amount"].map(lambda v, o=o: comparable(int(o["wei"]), int(v)))]
            crowd_out = int(outs["tx_hash"].nunique())
        out.append({"kind": "swap_service", "chain": o["btc_chain"], "order": o["order"], "start": t_in - w,
                    "end": t_in + w, "perpetrator": 1, "crowd": min(crowd_in, crowd_out), "crowd_in": crowd_in,
                    "crowd_out": crowd_out})
    return out


def _exchange_deposits(key, tables, rows) -> list[dict]:
    deposits = defaultdict(set)
    for r in tables["addresses"]:
        if r["role"] == "deposit":
            deposits[(r["chain"], r["actor"])].add(r["address"].lower())
    owner = {r["address"].lower(): r["actor"] for r in tables["addresses"] if r["role"] == "deposit"}
    out = []
    for co in key["cashouts"]:
        if co.get("venue") != "exchange":
            continue
        chain, to = co["chain"], co["address"].lower()
        addresses = deposits[(chain, owner[to])]
        mine = rows[(rows["chain"] == chain) & (rows["tx_hash"] == co["tx"]) & (rows["to"] == to)]
        t, w = int(mine["timestamp"].iloc[0]), WINDOW["exchange_deposit"]
        asset = mine["asset"].iloc[0]  # a token's contract address: a token named alike is another asset
        near = rows[(rows["chain"] == chain) & rows["to"].isin(addresses) & ((rows["timestamp"] - t).abs() <= w)
                    & (rows["tx_hash"] != co["tx"]) & (rows["to"] != to) & (rows["asset"] == asset)]
        crowd = {r.tx_hash for r in near.itertuples(index=False) if comparable(int(co["amount"]), int(r.amount))}
        out.append({"kind": "exchange_deposit", "chain": chain, "exchange": co["exchange"], "asset": co["asset"],
                    "amount": co["amount"], "start": t - w, "end": t + w, "perpetrator": 1, "crowd": len(crowd)})
    return out


def _coinjoin(tables, rows) -> list[dict]:
    by_pool = defaultdict(list)
    for r in tables["coinjoins"]:
        if any(i["actor"] == "perpetrator" for i in r["inputs"]):
            by_pool[(r["chain"], r["pool"])].append(r)
    out = []
    for (chain, pool), rounds in sorted(by_pool.items()):
        # the rounds are on chain, each with its five equal outputs: checked, so the key is not taken on trust
        for r in rounds:
            paid = rows[(rows["chain"] == chain) & (rows["tx_hash"] == r["tx"]) & (rows["kind"] == "utxo")
                        & (rows["from"] == rows["tx_hash"])]  # a UTXO output's row comes from its transaction
            if sorted(paid["amount"].astype(str)) != [pool] * len(r["outputs"]):
                raise ValueError(f"CoinJoin {r['tx']} of the key is not on {chain} with equal outputs of {pool}")
        others = {(i["tx"], i["vout"]) for r in rounds for i in r["inputs"] if i["actor"] != "perpetrator"}
        times = [r["time"] for r in rounds]
        out.append({"kind": "coinjoin", "chain": chain, "denomination": pool, "rounds": len(rounds),
                    "start": min(times), "end": max(times),
                    "perpetrator": sum(i["actor"] == "perpetrator" for r in rounds for i in r["inputs"]),
                    "crowd": len(others)})
    return out
