"""The backward pass: where what a source received (or a transaction moved) came from.

Each pool's history is replayed once under the rule with every deposit kept apart, which says
which part of which deposit paid for each part of each withdrawal; the traced parts are then
followed upstream, hop by hop, as unit ranges: under FIFO and LIFO the part of a withdrawal that
is traced maps to exact units of the deposits that paid it (positions are kept backward as
forward). On a UTXO chain a transaction's outputs map onto its inputs by position, and an input
onto exactly the output it spends. Backward, only the order in which a rule spends deposits
matters: LIBR reads as LIFO at an account (what LIFO leaves of each deposit is what LIBR's lowest
balance leaves) and as FIFO at a transaction, TIHO as FIFO; haircut shares pro rata; poison names
every earlier deposit in full.

Several sources are traced one after another, each stopping at the others (``"at another
source"``): what one of them received through another is that other's to explain.
"""
from tracer import rules as R
from tracer.pools import Node
from tracer import transfers as T
from tracer.forward import AT_SOURCE, BELOW_MIN, HEAVY, HOP_LIMIT, RETURNED, SERVICE

ORIGIN = "origin"
_ACCOUNT = {"fifo": "fifo", "lifo": "lifo", "libr": "lifo", "tiho": "fifo", "haircut": "haircut", "poison": "poison"}
_TX = {"fifo": "fifo", "lifo": "lifo", "libr": "fifo", "tiho": "fifo", "haircut": "haircut", "poison": "poison"}


def chain_backward(run, chain, c, bounds, utxo, starts):
    """Trace one chain backward from ``starts``: ``{colour: [row, ...]}``, the rows each source
    received (or its transaction moved)."""
    txh_, ts_, frm_, to_, asset_, amount_, kind_ = (c[k] for k in ("txh", "ts", "frm", "to", "asset", "amount", "kind"))
    prov = _UtxoProvenance(c, bounds, _TX[run.rule]) if utxo else _AccountProvenance(c, _ACCOUNT[run.rule])
    for colour, rows in starts.items():
        own_addr = {a for a, k in run.addr_src.items() if k == colour}
        others = {a for a, k in run.addr_src.items() if k != colour}
        other_tx = {h for h, v in run.tx_src.items() if colour not in v.values()}
        frontier = []
        for r in rows:
            node = Node(1, txh_[r], None)
            run.flows.append([colour, 1, chain, txh_[r], ts_[r], frm_[r], to_[r], asset_[r], amount_[r], amount_[r],
                              kind_[r], node, "the start received it", None])
            frontier.append((r, 0, amount_[r], node))
        while frontier:
            nxt = []
            for r, lo, hi, node in frontier:
                payer, asset, n = frm_[r], asset_[r], hi - lo
                why = AT_SOURCE if txh_[r] in other_tx else None
                if why is None and payer != txh_[r]:  # an address paid it (a transaction decides at its outputs)
                    why = (RETURNED if payer in own_addr else AT_SOURCE if payer in others else
                           SERVICE if payer in run.stop else HEAVY if payer in run.heavy else
                           BELOW_MIN if n < run.min_amount else HOP_LIMIT if node.hop >= run.hops else None)
                if why is not None:
                    run.end(colour, chain, payer, asset, node, why, n)
                    continue
                for d, d_lo, d_hi in prov.sources(r, lo, hi):
                    if d is None:
                        run.end(colour, chain, payer, asset, node, ORIGIN, d_hi - d_lo)
                        continue
                    nd = node if txh_[d] == node.tx else Node(node.hop + 1, txh_[d], node)
                    run.flows.append([colour, nd.hop, chain, txh_[d], ts_[d], frm_[d], to_[d], asset, amount_[d],
                                      d_hi - d_lo, kind_[d], nd, f"{run.rule}: paid for tx {txh_[r]} out of {payer}",
                                      None])
                    nxt.append((d, d_lo, d_hi, nd))
            frontier = nxt


def _cut(pieces, lo, hi):
    """The parts of ``pieces`` (``(row, lo, hi)`` laid end to end) under the range ``[lo, hi)``."""
    out, pos = [], 0
    for d, a, b in pieces:
        n = b - a
        x, y = max(lo, pos), min(hi, pos + n)
        if x < y:
            out.append((d, a + x - pos, a + y - pos))
        pos += n
        if pos >= hi:
            break
    return out


def _share(pieces, lo, hi, rule):
    """Which parts of the rows that paid a row paid its units ``[lo, hi)``."""
    if rule == "poison":  # every one of them, in full
        return pieces
    if rule == "haircut":  # pro rata; positions mean nothing in a mixture
        shares = R.apportion(hi - lo, [b - a for _, a, b in pieces])
        return [(d, 0, s) for (d, _, _), s in zip(pieces, shares, strict=True) if s]
    return _cut(pieces, lo, hi)


class _AccountProvenance:
    """Per pool (address, asset), which deposit units paid for each withdrawal."""

    def __init__(self, c, rule):
        self.c, self.rule, self.paid, self.history = c, rule, {}, None

    def sources(self, r, lo, hi):
        c = self.c
        pool = (c["frm"][r], c["asset"][r])
        if pool not in self.paid:
            if self.history is None:
                self.history = {}
                for i, (f, t, a) in enumerate(zip(c["frm"], c["to"], c["asset"], strict=True)):
                    self.history.setdefault((f, a), []).append(i)
                    if t != f:
                        self.history.setdefault((t, a), []).append(i)
            self.paid[pool] = self._replay(pool, self.history.get(pool, []))
        return _share(self.paid[pool].get(r, [(None, 0, c["amount"][r])]), lo, hi, self.rule)

    def _replay(self, pool, rows):
        frm_, to_, amount_ = self.c["frm"], self.c["to"], self.c["amount"]
        addr, rule = pool[0], self.rule
        runs, seen, paid = [], [], {}
        for r in rows:
            if to_[r] == addr and frm_[r] != addr:
                runs.append([r, 0, amount_[r]])
                seen.append(r)
            elif frm_[r] == addr and to_[r] != addr:
                amount = amount_[r]
                if rule == "poison":
                    paid[r] = [(d, 0, amount_[d]) for d in seen] or [(None, 0, amount)]
                    continue
                paid[r] = _take(runs, amount, rule)
        return paid


def _take(runs, amount, rule):
    """Take ``amount`` out of deposit ``runs`` (``[row, lo, hi]``, time order): the pieces, in the
    withdrawal's own order, then what the pool did not hold (None)."""
    pieces = []
    if rule == "haircut":
        total = sum(b - a for _, a, b in runs)
        take = min(amount, total)
        for run, n in zip(runs, R.apportion(take, [b - a for _, a, b in runs]), strict=True):
            if n:
                pieces.append((run[0], run[1], run[1] + n))
                run[1] += n
        runs[:] = [x for x in runs if x[2] > x[1]]
        amount -= take
    elif rule == "fifo":
        while amount and runs:
            d, a, b = runs[0]
            n = min(amount, b - a)
            pieces.append((d, a, a + n))
            amount -= n
            if a + n == b:
                runs.pop(0)
            else:
                runs[0][1] = a + n
    else:  # lifo: the last units in, in their own order
        while amount and runs:
            d, a, b = runs[-1]
            n = min(amount, b - a)
            pieces.append((d, b - n, b))
            amount -= n
            if b - n == a:
                runs.pop()
            else:
                runs[-1][2] = b - n
        pieces.reverse()
    if amount:
        pieces.append((None, 0, amount))
    return pieces


class _UtxoProvenance:
    """An output's units map onto its transaction's inputs; an input onto the output it spends."""

    def __init__(self, c, bounds, rule):
        self.c, self.rule = c, rule
        self.tx, self.coin = {}, {}
        frm_, to_, txh_, kind_, index_ = c["frm"], c["to"], c["txh"], c["kind"], c["index"]
        for lo, hi in bounds:
            h = txh_[lo]
            ins = [r for r in range(lo, hi) if to_[r] == h]
            outs = [r for r in range(lo, hi) if frm_[r] == h]
            self.tx[h] = (ins, outs)
            for r in outs:
                if kind_[r] == T.UTXO:
                    self.coin[(h, index_[r])] = r

    def sources(self, r, lo, hi):
        c = self.c
        h = c["txh"][r]
        if c["frm"][r] != h:  # an input: exactly the output it spends, if the data holds it
            d = self.coin.get((c["spent_tx"][r], c["spent_index"][r]))
            return [(d, lo, hi)] if d is not None else [(None, lo, hi)]
        ins, outs = self.tx[h]
        amount_ = c["amount"]
        pieces = [(i, 0, amount_[i]) for i in ins]
        known = sum(amount_[i] for i in ins)
        total = sum(amount_[o] for o in outs)
        if known < total:  # a coinbase: minted value
            pieces.append((None, 0, total - known))
        if self.rule in ("poison", "haircut"):
            if self.rule == "poison":
                return pieces
            return _share(pieces, lo, hi, "haircut")
        order = outs if self.rule == "fifo" else outs[::-1]  # lifo: the last output takes the first units
        pos = 0
        for o in order:
            if o == r:
                break
            pos += amount_[o]
        return _cut(pieces, pos + lo, pos + hi)
