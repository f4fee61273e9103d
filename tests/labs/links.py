"""What a careful investigator exploits across a mixer, bridge or swap service, read from a bundle and its key.

Each detector returns the links it finds, as short strings naming the transactions or addresses;
with every mistake off a case must have none (the tests say so), and with one on, the key names it.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from labs.typologies.chain_hop import wei_for_sats
from labs.units import HOUR


def load_case(bundle: Path, key_dir: Path):
    from tracer.load import load

    key = json.loads((key_dir / "key.json").read_text())
    tables = {name: [json.loads(line) for line in (key_dir / t["file"]).read_text().splitlines()]
              for name, t in key["tables"].items()}
    rows = load(bundle / "exports")
    rows = rows.assign(to=rows["to"].str.lower(), **{"from": rows["from"].str.lower()})
    return key, tables, rows


def _perp(key) -> dict[str, set[str]]:
    return {c: {a.lower() for a in addrs} for c, addrs in key["clusters"].get("perpetrator", {}).items()}


def _services(key, tables) -> list[tuple[str, set, set, int, int]]:
    """(service, addresses paying in, addresses paid out, first use, last payout) of the perpetrator's services."""
    out = []
    notes = [n for n in tables["mixer_notes"] if n["depositor"] == "perpetrator"]
    if notes:
        out.append(("mixer", {n["deposit_from"].lower() for n in notes},
                    {n["recipient"].lower() for n in notes if n["recipient"]},
                    min(n["deposit_time"] for n in notes), max(n["withdraw_time"] or 0 for n in notes)))
    perp = _perp(key)
    for b in tables["bridge_transfers"]:
        if b["sender"].lower() in perp.get(b["src_chain"], ()):
            out.append(("bridge", {b["sender"].lower()}, {b["recipient"].lower()}, None, None))
    for o in tables["swap_orders"]:
        if o["actor"] == "perpetrator":
            out.append(("swap_service", set(), {o["eth_to"].lower()}, o["btc_time"], o["eth_time"]))
    return out


def _first_seen(rows, addresses: set[str]) -> dict[str, int]:
    seen = {}
    near = rows[rows["to"].isin(addresses) | rows["from"].isin(addresses)]
    for sender, recipient, t in zip(near["from"], near["to"], near["timestamp"]):
        for a in (sender, recipient):
            if a in addresses:
                seen[a] = min(seen.get(a, t), t)
    return seen


def gas_links(key, tables, rows) -> list[str]:
    """Direct transfers, on any chain, between a perpetrator address used before a service and one after it."""
    everyone = set().union(*_perp(key).values()) if _perp(key) else set()
    seen = _first_seen(rows, everyone)
    direct = rows[rows["from"].isin(everyone) & rows["to"].isin(everyone) & (rows["from"] != rows["to"])]
    found = []
    for service, ins, outs, first, last in _services(key, tables):
        if first is None:  # a bridge: before is its sender, after is its recipient
            before, after = ins, outs
        else:
            before = ins | {a for a, t in seen.items() if t < first}
            after = outs | {a for a, t in seen.items() if last and t > last}
        for sender, recipient, tx, chain in zip(direct["from"], direct["to"], direct["tx_hash"], direct["chain"]):
            if (sender in before and recipient in after) or (sender in after and recipient in before):
                found.append(f"{service}: {sender} -> {recipient} in {tx} on {chain}")
    return sorted(set(found))


def same_address_links(key, rows) -> list[str]:
    """A perpetrator address active on two EVM chains."""
    chains = defaultdict(set)
    everyone = set().union(*_perp(key).values()) if _perp(key) else set()
    evm = rows[rows["to"].str.startswith("0x")]
    near = evm[evm["from"].isin(everyone) | evm["to"].isin(everyone)]
    for sender, recipient, chain in zip(near["from"], near["to"], near["chain"]):
        for a in (sender, recipient):
            if a in everyone:
                chains[a].add(chain)
    return sorted(f"{a} on {', '.join(sorted(c))}" for a, c in chains.items() if len(c) > 1)


def fee_links(tables, key=None) -> list[str]:
    """A payout that is exactly what went in less a fixed fee (any whole number of basis points): an
    instant-swap order's, or an exchange withdrawal's after a deposit of the perpetrator (layering)."""
    found = []
    moves = {m["tx"]: m for s in (key or {}).get("steps", []) for m in s["transactions"]}
    for m in moves.values():
        if m["note"].startswith("withdrawal from") and "deposit 0x" in m["note"]:
            deposit = moves[m["note"].split("deposit ")[1].split(")")[0]]
            a = int(deposit["amount"])
            if int(m["amount"]) in {a - a * bps // 10_000 for bps in range(0, 1001)}:
                found.append(f"withdrawal {m['tx']} is deposit {deposit['tx']} less a fixed fee")
    for o in tables["swap_orders"]:
        if o["actor"] == "perpetrator" and o["wei"] is not None:
            exact = {wei_for_sats(int(o["sats"]), bps) for bps in range(0, 1001)}
            if int(o["wei"]) in exact:
                found.append(f"swap order {o['order']}: payout {o['wei']} is the deposit less a fixed fee")
    return found


def timing_links(tables) -> list[str]:
    """A perpetrator's out-leg that timing alone pairs with its in-leg: a mixer withdrawal within the
    hour of a deposit into the same pool, or a swap order with no other comparable order or payout
    within the hour of the perpetrator's."""
    found = []
    for n in tables["mixer_notes"]:
        if n["depositor"] == "perpetrator" and n["withdraw_time"]:
            pool = [m for m in tables["mixer_notes"] if m["pool"] == n["pool"] and m["depositor"] == "perpetrator"]
            if any(0 <= n["withdraw_time"] - m["deposit_time"] < HOUR for m in pool):
                found.append(f"mixer withdrawal {n['withdraw_tx']} within the hour of a deposit")
    for o in tables["swap_orders"]:
        if o["actor"] != "perpetrator" or not o["eth_time"]:
            continue
        others = [x for x in tables["swap_orders"] if x is not o and x["actor"] != "perpetrator"]
        ins = [x for x in others if abs(x["btc_time"] - o["btc_time"]) <= HOUR
               and 1 <= int(x["sats"]) * 3 // int(o["sats"]) < 9]
        outs = [x for x in others if x["eth_time"] and abs(x["eth_time"] - o["eth_time"]) <= HOUR
                and 1 <= int(x["wei"]) * 3 // int(o["wei"]) < 9]
        if not ins or not outs:
            found.append(f"swap order {o['order']}: no other comparable order ({len(ins)}) or payout ({len(outs)}) "
                         "within the hour")
    return found


def all_links(bundle: Path, key_dir: Path) -> dict[str, list[str]]:
    key, tables, rows = load_case(bundle, key_dir)
    return {"gas": gas_links(key, tables, rows), "same_address": same_address_links(key, rows),
            "fee": fee_links(tables, key), "timing": timing_links(tables)}
