"""Each heuristic's evidence rows scored against a case's key: true and false positives, false negatives.

What one item is, per kind of claim (precision counts the items the rows claim; recall, the
items of the key the heuristic could have found):

- ``multi_input``: a pair of input addresses; true when one actor controls both
  (``addresses.jsonl``); to find: each transaction's first input address paired with each other
  input address of the same actor.
- ``deposit_address``: a payer and an exchange deposit address, true when the payer is the
  account's customer; to find: every such payment in the data.
- ``coinjoin``: a transaction, true when it is a round of ``coinjoins.jsonl``.
- ``change.*``: an output, true when the key lists it as change (``utxo_transactions.jsonl``);
  to find: every change output of a transaction with two outputs or more, not a CoinJoin.
  ``peel_chain``: the outputs its rows say continue a chain, true when change; to find, the change
  of the launderer's peel-chain steps.
- ``mixer.*``: a depositor's address and a withdrawal's recipient, true when one note went from
  the one to the other (``mixer_notes.jsonl``; for ``linked_addresses`` and ``gas_funding``,
  which say "same owner", also when one actor controls both); to find: every withdrawn note's
  pair. A mule who deposits and the launderer who withdraws are two actors: the note links them.
- ``bridge`` and ``swap``: a pair of transactions, true when the key pairs them
  (``bridge_transfers.jsonl``, ``swap_orders.jsonl``).
- ``structuring``: a transaction, true when it is one of a ``fan_out`` step's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


def norm(value):
    """Addresses and hashes as the exports write them (``0x`` ones lower-cased)."""
    return value.lower() if isinstance(value, str) and value.startswith("0x") else value


def _jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class Truth:
    """What a key says, in the exports' spelling."""

    owner: dict = field(default_factory=dict)        # (chain, address) -> actor
    customer: dict = field(default_factory=dict)     # (chain, deposit address) -> the customer's actor
    change: set = field(default_factory=set)         # "tx:vout" of every change output
    coinjoins: set = field(default_factory=set)      # txs
    notes: set = field(default_factory=set)          # (chain, deposit_from, recipient) of withdrawn notes
    bridges: set = field(default_factory=set)        # (deposit_tx, payout_tx)
    swaps: set = field(default_factory=set)          # (btc_tx, eth_tx)
    structuring: set = field(default_factory=set)    # fan_out txs
    peel_change: set = field(default_factory=set)    # change outputs of peel-chain steps

    @classmethod
    def read(cls, folder):
        """The truth of the key folder ``folder`` (``key.json`` and its tables)."""
        folder = Path(folder)
        key = json.loads((folder / "key.json").read_text())
        tables = {name: _jsonl(folder / t["file"]) for name, t in key.get("tables", {}).items()}
        t = cls()
        for a in tables.get("addresses", []):
            t.owner[(a["chain"], norm(a["address"]))] = a["actor"]
            if a.get("role") == "deposit" and a.get("customer_actor"):
                t.customer[(a["chain"], norm(a["address"]))] = a["customer_actor"]
        change_of = {}
        for u in tables.get("utxo_transactions", []):
            change_of[u["tx"]] = u["change"]
            t.change |= {f"{u['tx']}:{v}" for v in u["change"]}
        t.coinjoins = {c["tx"] for c in tables.get("coinjoins", [])}
        for n in tables.get("mixer_notes", []):
            if n.get("withdraw_tx"):
                pair = (n["chain"], norm(n["deposit_from"]), norm(n["recipient"]))
                t.notes.add(pair)
        t.bridges = {(norm(b["deposit_tx"]), norm(b["payout_tx"])) for b in tables.get("bridge_transfers", [])
                     if b.get("payout_tx")}
        t.swaps = {(s["btc_tx"], norm(s["eth_tx"])) for s in tables.get("swap_orders", []) if s.get("eth_tx")}
        for step in key.get("steps", []):
            txs = {norm(m["tx"]) for m in step.get("transactions", [])}
            if step["typology"] == "fan_out":
                t.structuring |= txs
            if step["typology"] == "peel_chain":
                t.peel_change |= {f"{tx}:{v}" for tx in txs for v in change_of.get(tx, [])}
        return t


def _pairs(rows):
    return {(r["chain"], norm(r["a"]), norm(r["b"])) for r in rows if r["b"] is not None}


def _same_owner(truth, chain, a, b):
    oa, ob = truth.owner.get((chain, a)), truth.owner.get((chain, b))
    return oa is not None and oa == ob


def score(evidence, truth, transfers):
    """``{heuristic: (tp, fp, fn)}`` for every heuristic with rows or items to find."""
    from tracer.heuristics.registry import HEURISTICS

    rows = {h: [] for h in HEURISTICS}
    for r in evidence.to_dict("records"):
        rows.setdefault(r["heuristic"], []).append(r)
    out = {}
    multi = {(c, frozenset((a, b))) for c, a, b in _pairs(rows["multi_input"])}
    good = {(c, p) for c, p in multi if _same_owner(truth, c, *p)}
    out["multi_input"] = _count(multi, good, _co_spends(transfers, truth))
    claimed = {r["a"] for r in rows["coinjoin"]}
    out["coinjoin"] = _count(claimed, claimed & truth.coinjoins, truth.coinjoins)
    findable = _changes_to_find(transfers, truth)
    for h in HEURISTICS:
        if h.startswith("change."):
            claimed = {r["output"] for r in rows[h]}
            out[h] = _count(claimed, claimed & truth.change, findable)
    claimed = {r["output"] for r in rows["peel_chain"] if r["output"]}
    out["peel_chain"] = _count(claimed, claimed & truth.change, truth.peel_change)
    claimed = _pairs(rows["deposit_address"])
    good = {p for p in claimed if truth.customer.get((p[0], p[2])) == truth.owner.get((p[0], p[1]))}
    out["deposit_address"] = _count(claimed, good, _deposits_to_find(transfers, truth))
    for h in ("mixer.same_address", "mixer.unique_gas_price", "mixer.multi_denomination", "mixer.timing"):
        claimed = _pairs(rows[h])
        out[h] = _count(claimed, claimed & truth.notes, truth.notes)
    for h in ("mixer.linked_addresses", "mixer.gas_funding"):
        claimed = _pairs(rows[h])
        out[h] = _count(claimed, {p for p in claimed if p in truth.notes or _same_owner(truth, *p)}, truth.notes)
    for h, true in (("bridge", truth.bridges), ("swap", truth.swaps)):
        claimed = {(norm(r["txs"][0]), norm(r["txs"][1])) for r in rows[h]}
        out[h] = _count(claimed, claimed & true, true)
    claimed = {norm(tx) for r in rows["structuring"] for tx in r["txs"]}
    out["structuring"] = _count(claimed, claimed & truth.structuring, truth.structuring)
    return out


def _count(claimed, good, to_find):
    """(tp, fp, fn): the claims that are true, those that are not, and what was there to find but not claimed."""
    return len(good), len(claimed) - len(good), len(set(to_find) - set(claimed) - set(good))


def _co_spends(transfers, truth):
    """The same-owner pairs multi-input clustering could join: each transaction's first input
    address with each other input address of the same actor (CoinJoins included: what it gets
    right there is right)."""
    from tracer.heuristics.clustering import co_spends
    from tracer.heuristics.utxo import views

    out = set()
    for view in views(transfers):
        first, other, _ = co_spends(view, coinjoin_rule=None)
        for a, b in zip(view.addresses[first].tolist(), view.addresses[other].tolist(), strict=True):
            if _same_owner(truth, view.chain, a, b):
                out.add((view.chain, frozenset((a, b))))
    return out


def _changes_to_find(transfers, truth):
    """The key's change outputs of transactions with two or more outputs that are not CoinJoins."""
    from tracer.heuristics.utxo import views

    many = set()
    for view in views(transfers):
        many |= set(view.tx_hash[view.n_out >= 2].tolist())
    return {c for c in truth.change if c.rsplit(":", 1)[0] in many - truth.coinjoins}


def _deposits_to_find(transfers, truth):
    """(chain, payer, deposit address) of every payment a customer made into their own deposit address."""
    from tracer import transfers as T

    t = transfers[transfers[T.KIND].isin([T.NATIVE, T.INTERNAL, T.TOKEN])]
    out = set()
    for chain, frm, to in zip(t[T.CHAIN], t[T.FROM], t[T.TO], strict=True):
        who = truth.customer.get((chain, to))
        if who is not None and truth.owner.get((chain, frm)) == who:
            out.add((chain, frm, to))
    return out
