"""The instructor's key: the whole truth of a case, for graders and for scoring heuristics.

``key.json`` holds the story (every step with its transactions, summary and mistakes), the
perpetrators' clusters, the cash-outs, the victims' payments and the measured difficulty; the
large tables of the whole world (every actor's addresses, the change output of every UTXO
transaction, every CoinJoin, every mixer note, every bridge transfer and instant-swap order) are
JSON lines beside it. Field by field: ``docs/key.md``. Amounts are strings of integer base units.
"""
from __future__ import annotations

import inspect
from collections import defaultdict

from ..units import decimals_of, fmt

FORMAT, VERSION = "tracelab-key", 2
#: table name -> what one row is (the file is ``<name>.jsonl``)
TABLES = {
    "addresses": "an address an actor controls on a chain, and what it is to them",
    "utxo_transactions": "a transaction the case made on the UTXO chain, and which of its outputs are change",
    "coinjoins": "a CoinJoin round: its inputs and equal outputs, with their owners",
    "mixer_notes": "a note of a mixer pool: its deposit and, if made in the case, its withdrawal",
    "bridge_transfers": "a bridge deposit on one chain and the payout that answered it on the other",
    "swap_orders": "an order at the instant swap service: BTC paid in, ETH paid out",
}


def _s(amount) -> str | None:
    return None if amount is None else str(amount)


# -- the tables -----------------------------------------------------------------------------
def address_rows(world, active: dict[str, set[str]]) -> list[dict]:
    """Every address an actor controls that appears on a chain (``active``: chain -> addresses, any case)."""
    rows = []

    def add(chain, address, actor, role, **extra):
        if address.lower() in active.get(chain, ()) or address in active.get(chain, ()):
            rows.append({"chain": chain, "address": address, "actor": actor.id, "kind": actor.kind, "role": role,
                         **extra})

    for name, lane in world.lanes.items():
        for actor in world.actors.values():
            for address, role in lane.controlled(actor):
                add(name, address, actor, role)
        for key, contract in sorted(lane.contracts.items()):
            owner, role, extra = _contract_owner(world, key)
            add(name, contract.address, world.actors.get(owner) or _Service(owner), role, **extra)
        for wrapped, origin_chain, origin_token in _bridged_tokens(world, name):
            add(name, wrapped, _Service("lab-bridge"), "bridged_token", origin_chain=origin_chain,
                origin_token=origin_token)
        for (actor_id, which), w in sorted(lane.coordinator.wallets.items() if lane.coordinator else ()):
            for i in range(w.next_index[0]):
                add(name, w.address(0, i), world.actors[actor_id], which)
        for ex in world.exchanges.values():
            for cid, rec in sorted(ex.customers.items()):
                a = rec["deposit_address"].get(name)
                if a:
                    rows = [r for r in rows if not (r["chain"] == name and r["address"] == a)]
                    add(name, a, ex.actor, "deposit", customer=cid, customer_actor=rec["actor"])
    rows.sort(key=lambda r: (r["chain"], r["actor"], r["role"], r["address"]))
    return rows


def _bridged_tokens(world, chain: str) -> list[tuple[str, str, str]]:
    """``(token, origin chain, origin token)`` of each token the bridge made on ``chain``, as its
    ``WrappedTokenCreated`` events say (the origin token is the zero address for the other chain's ETH)."""
    bridge = world.lanes[chain].contracts.get("bridge")
    if bridge is None:
        return []
    return [(e["args"]["wrapped"], world.chain_names[e["args"]["originChainId"]], e["args"]["originToken"])
            for e in bridge.events.WrappedTokenCreated().get_logs(from_block=0)]


class _Service:
    """A service that is a contract, not an actor with keys (the mixer, the bridge, the pools)."""

    def __init__(self, name: str):
        self.id, self.kind = name, "contract"


def _contract_owner(world, key: str) -> tuple[str, str, dict]:
    if key.startswith("mixer-"):
        return "lab-mixer", "mixer_pool", {"denomination": key.split("-", 1)[1]}
    if key in world.exchanges:
        return key, "deposit_factory", {}
    return {"bridge": ("lab-bridge", "bridge", {}), "pool": ("swap-pool", "swap_pool", {}),
            "stablecoin": ("issuer", "token", {}), "weth": ("weth", "token", {})}.get(key, (key, "contract", {}))


def bridge_rows(world) -> list[dict]:
    by_id = world.chain_names
    rows = []
    for po in world.bridge_payouts.values():
        d = po.deposit
        rows.append({"src_chain": by_id[d.src_chain_id], "dst_chain": by_id[d.dst_chain_id], "nonce": d.nonce,
                     "deposit_tx": d.tx_hash, "sender": d.sender, "recipient": d.recipient, "token": d.token,
                     "amount": str(d.amount), "payout_tx": po.tx_hash, "payout_token": po.token,
                     "action": po.action})
    rows.sort(key=lambda r: (r["src_chain"], r["nonce"]))
    return rows


def tables(world, active: dict[str, set[str]]) -> dict[str, list[dict]]:
    """Every table of the key, rows in a stable order."""
    utxo = [row for lane in world.lanes.values() for row in lane.made]
    return {
        "addresses": address_rows(world, active),
        "utxo_transactions": utxo,
        "coinjoins": world.truth.coinjoins,
        "mixer_notes": [{k: _s(v) if k in ("denomination", "fee") else v for k, v in n.items()}
                        for n in world.truth.mixer_notes],
        "bridge_transfers": bridge_rows(world),
        "swap_orders": [{k: _s(v) if k in ("sats", "wei") else v for k, v in o.items()}
                        for o in world.truth.swap_orders],
    }


# -- key.json -------------------------------------------------------------------------------
def step_summary(typology_module, moves: list, mistakes: list[dict]) -> str:
    """One paragraph for a step: what the typology is, how many transactions on which chains, how much."""
    doc = inspect.getdoc(typology_module) or ""
    what = doc.split("\n\n")[0].replace("\n", " ").strip()
    txs = {(m.chain, m.tx) for m in moves}
    chains = sorted({m.chain for m in moves})
    total: dict[str, int] = defaultdict(int)
    for m in moves:
        if m.note != "change":
            total[m.asset] += m.amount
    amounts = ", ".join(fmt(v, decimals_of(a), a) for a, v in sorted(total.items()) if v)
    text = f"{what} {len(txs)} transaction(s) on {', '.join(chains) or 'no chain'}"
    text += f"; its transfers add up to {amounts}." if amounts else "."
    if mistakes:
        text += " Mistakes: " + "; ".join(f"{m['mistake']} ({m['clue']})" for m in mistakes) + "."
    return text


def story(case) -> dict:
    """What the key says of the story (no tables, no bundle hash): enough for the course's self-checks."""
    world, spec = case.world, case.spec
    truth = world.truth.to_json()
    mistakes = [{"step": s["step"], "typology": s["typology"], **m} for s in truth["steps"]
                for m in s.get("mistakes", [])]
    return {"case": spec.name, "seed": spec.seed, "trainee": spec.trainee, "reference": world.reference,
            "total_reported": str(sum(v["amount"] for v in world.truth.victims)), **truth, "mistakes": mistakes}


def key_json(case, *, bundle_manifest_sha256: str, backends: dict[str, str], table_rows: dict[str, list[dict]],
             difficulty: dict | None = None) -> dict:
    return {
        "format": FORMAT, "version": VERSION,
        **story(case),
        "difficulty": difficulty or {"level": case.spec.difficulty},
        "bundle_manifest_sha256": bundle_manifest_sha256,
        "backends": backends,
        "tables": {name: {"file": f"{name}.jsonl", "rows": len(table_rows[name]), "row": TABLES[name]}
                   for name in TABLES},
    }


def actors_json(world) -> dict:
    return {a.id: {"kind": a.kind, "name": a.name, "jurisdiction": a.jurisdiction, "mnemonic": a.mnemonic,
                   "kyc": a.kyc} for a in world.actors.values()}
