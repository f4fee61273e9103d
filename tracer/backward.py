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

A contract that converted value inside one transaction (:mod:`tracer.conversions`) is gone
through as forward goes: the traced units of what it paid out, in the new asset ``y``, end at it as
``"converted"``, and the units of the old asset ``x`` it took in that paid for them are followed on
upstream, by the inverse of forward's position map (:func:`tracer.conversions.units_in`). Value
that a token contract minted outside a conversion stops at the zero address, ``"minted"``.

Several sources are traced one after another, each stopping at the others (``"at another
source"``): what one of them received through another is that other's to explain.
"""
from tracer import conversions as CV
from tracer import rules as R
from tracer import transfers as T
from tracer.forward import AT_SOURCE, BELOW_MIN, CONVERTED, HEAVY, HOP_LIMIT, RETURNED, SERVICE
from tracer.pools import Node

ORIGIN, MINTED = "origin", "minted"
_ACCOUNT = {"fifo": "fifo", "lifo": "lifo", "libr": "lifo", "tiho": "fifo", "haircut": "haircut", "poison": "poison"}
_TX = {"fifo": "fifo", "lifo": "lifo", "libr": "fifo", "tiho": "fifo", "haircut": "haircut", "poison": "poison"}


def chain_backward(run, chain, c, bounds, utxo, starts, convs=None):
    """Trace one chain backward from ``starts``: ``{colour: [row, ...]}``, the rows each source
    received (or its transaction moved). ``convs``: :func:`tracer.conversions.find`'s result on an
    account chain."""
    txh_, ts_, frm_, to_, asset_, amount_, kind_ = (c[k] for k in ("txh", "ts", "frm", "to", "asset", "amount", "kind"))
    through = _Conversions(c, convs, _TX[run.rule])
    prov = _UtxoProvenance(c, bounds, _TX[run.rule]) if utxo else \
        _AccountProvenance(c, _ACCOUNT[run.rule], through.took, through.paid)
    settle = _Settle(amount_, run.rule)
    for colour, rows in starts.items():
        settle.next_source()
        own_addr = {a for a, k in run.addr_src.items() if k == colour}
        others = {a for a, k in run.addr_src.items() if k != colour}
        other_tx = {h for h, v in run.tx_src.items() if colour not in v.values()}
        frontier = []
        for r in rows:
            node = Node(1, txh_[r], None)
            run.flows.append([colour, 1, chain, txh_[r], ts_[r], frm_[r], to_[r], asset_[r], amount_[r], amount_[r],
                              kind_[r], node, "the start received it", None])
            frontier.append((r, 0, amount_[r], node, ()))
        while frontier:
            nxt = {}
            # ``passed``: the conversions gone through in the transaction of ``node``. Upstream of one of
            # them the rows of the same transaction are no longer in time order, so value could be sent
            # round a loop of them; the second time round, where it came from is not known
            for r, lo, hi, node, passed in frontier:
                payer, asset, n = frm_[r], asset_[r], hi - lo
                why = AT_SOURCE if txh_[r] in other_tx else None
                cv = through.paid.get(r)
                # an address paid it (a transaction decides at its outputs; a converter, like a tagged
                # one forward, does not stop what it converts: it is gone through within the transaction)
                if cv is not None and cv in passed:
                    why = ORIGIN
                elif why is None and payer != txh_[r] and cv is None:
                    why = (RETURNED if payer in own_addr else AT_SOURCE if payer in others else
                           SERVICE if payer in run.stop else HEAVY if payer in run.heavy else
                           MINTED if payer == CV.ZERO else
                           BELOW_MIN if n < run.min_amount else HOP_LIMIT if node.hop >= run.hops else None)
                if why is not None:
                    run.end(colour, chain, payer, asset, node, why, n)
                    continue
                if cv is None:
                    pieces, rate = prov.sources(r, lo, hi), None
                    reason = f"{run.rule}: paid for tx {txh_[r]} out of {payer}"
                else:  # per asset the books balance: it ends here in y, and goes on upstream in x
                    run.end(colour, chain, cv.converter, asset, node, CONVERTED, n)
                    pieces, rate = through.sources(cv, r, lo, hi), cv.rate
                    reason = f"{run.rule}: converted {cv.x} into {cv.y} at {cv.converter}, {cv.Y} per {cv.X} base units"
                for d, d_lo, d_hi in pieces:
                    if d is None:
                        run.end(colour, chain, payer, asset, node, ORIGIN, d_hi - d_lo)
                        continue
                    if txh_[d] == node.tx:
                        nd, gone = node, passed if cv is None else passed + (cv,)
                    else:
                        nd, gone = Node(node.hop + 1, txh_[d], node), ()
                    reached = nxt.setdefault((d, nd.hop, tuple(map(id, gone)), reason, rate), (nd, gone, []))
                    reached[2].append((d_lo, d_hi))
            frontier = []
            # a row reached along several paths in one step (the rounds of a CoinJoin, any diamond)
            # goes on once, under the first path found: traced path by path, its pieces would
            # multiply at every round
            for (d, _, _, reason, rate), (nd, gone, ranges) in nxt.items():
                for d_lo, d_hi in settle(d, ranges):
                    run.flows.append([colour, nd.hop, chain, txh_[d], ts_[d], frm_[d], to_[d], asset_[d],
                                      amount_[d], d_hi - d_lo, kind_[d], nd, reason, rate])
                    frontier.append((d, d_lo, d_hi, nd, gone))


class _Settle:
    """The units of a row that go on upstream, from the parts of it one step reached.

    The parts are disjoint unit ranges of the row. Under FIFO and LIFO (positions are the rule)
    they go on as they are, ranges that meet joined: ranges that meet map onto ranges that meet,
    so every upstream row is credited the same units. Under haircut positions mean nothing, and
    parts that do not meet would go on fragmenting at every mixture; so the row's units are handed
    out in turn, from where the last step that reached it (for any source) stopped, round to the
    start: one range per step, disjoint for each source as its parts were, and across sources as
    long as theirs were (sources that share units share them here too), the amounts exact.
    Poison names rows in full: the same row reached twice is named once.
    """

    def __init__(self, amount, rule):
        self.amount, self.haircut, self.cursor, self.given = amount, rule == "haircut", {}, {}

    def next_source(self):
        self.given = {}

    def __call__(self, d, ranges):
        if not self.haircut:
            return _union(ranges)
        whole, n = self.amount[d], sum(b - a for a, b in ranges)
        if not n:
            return []
        given = self.given[d] = self.given.get(d, 0) + n
        if given > whole:  # one source's parts were not disjoint: a bug, never a figure
            raise RuntimeError(f"backward haircut credited row {d} with {given} of its {whole} units")
        lo = self.cursor.get(d, 0)
        self.cursor[d] = (lo + n) % whole
        return [(lo, lo + n)] if lo + n <= whole else [(lo, whole), (0, lo + n - whole)]


def _union(ranges):
    """Unit ranges ``[lo, hi)`` as the fewest ranges covering the same units, in order.

    >>> _union([(5, 7), (0, 2), (2, 5), (9, 10)])
    [(0, 7), (9, 10)]
    """
    out = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


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
    if rule == "haircut":
        return _pro_rata(pieces, lo, hi)
    return _cut(pieces, lo, hi)


def _pro_rata(pieces, lo, hi):
    """Units ``[lo, hi)`` of a mixture of ``pieces`` (haircut): each piece's share of them.

    Positions mean nothing in a mixture, but the parts of one mixture that different traces ask
    about (two outputs of a transaction, two parts of a withdrawal) must not name the same units of
    a piece twice. So the first ``n`` units of the mixture hold ``n * w / W`` units of the first
    piece (``w`` of the ``W`` in all), rounded to the nearest (half up), the rest the other pieces
    the same way, in turn, the last taking what is left. A range takes the difference, which is a
    range of each piece; the ranges of adjacent parts follow one another, and those of all the
    parts of the mixture cover each piece exactly once.

    >>> two = [("d", 0, 1), ("e", 0, 1)]
    >>> _pro_rata(two, 0, 1), _pro_rata(two, 1, 2)   # one unit each, each named once
    ([('d', 0, 1)], [('e', 0, 1)])
    >>> _pro_rata([("d", 0, 6), ("e", 2, 5)], 0, 3)   # 2 of d's 6 and 1 of e's 3
    [('d', 0, 2), ('e', 2, 3)]
    """
    out, rest = [], sum(b - a for _, a, b in pieces)
    for d, a, b in pieces:
        w = b - a
        x, y = (2 * lo * w + rest) // (2 * rest), (2 * hi * w + rest) // (2 * rest)
        if y > x:
            out.append((d, a + x, a + y))
        lo, hi, rest = lo - x, hi - y, rest - w
    return out


class _Conversions:
    """The conversions of an account chain, backward: ``paid`` maps each row a converter paid out to
    its :class:`~tracer.conversions.Conversion`, ``took`` each row one took in."""

    def __init__(self, c, convs, rule):
        self.amount, self.rule, self.paid, self.took = c["amount"], rule, {}, {}
        for group in (convs[0].values() if convs else ()):
            for cv in group:
                self.paid.update(dict.fromkeys(cv.outs, cv))
                self.took.update(dict.fromkeys(cv.ins, cv))

    def sources(self, cv, r, lo, hi):
        """Which units of the rows ``cv`` took in paid for units ``[lo, hi)`` of row ``r`` it paid out.

        The outputs are laid as forward lays them (:func:`tracer.pools.split`: in order, the last
        first under LIFO), and their units map onto the inputs' by :func:`tracer.conversions.units_in`.
        """
        amount = self.amount
        pos = 0
        for o in (cv.outs[::-1] if self.rule == "lifo" else cv.outs):
            if o == r:
                break
            pos += amount[o]
        a, b = CV.units_in(pos + lo, pos + hi, cv.X, cv.Y)
        return _share([(i, 0, amount[i]) for i in cv.ins], a, b, self.rule)


class _AccountProvenance:
    """Per pool (address, asset), which deposit units paid for each withdrawal. What a converter
    took in and paid out in its conversions (``took``, ``paid``: rows) is no deposit or withdrawal
    of its own pools, as forward: it passed through within the transaction."""

    def __init__(self, c, rule, took=(), paid=()):
        self.c, self.rule, self.paid, self.history = c, rule, {}, None
        self.took, self.gave = took, paid

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
        (addr, _), rule, took, gave = pool, self.rule, self.took, self.gave
        runs, seen, paid = [], [], {}
        for r in rows:
            if to_[r] == addr and frm_[r] != addr and r not in took:
                runs.append([r, 0, amount_[r]])
                seen.append(r)
            elif frm_[r] == addr and to_[r] != addr and r not in gave:
                amount = amount_[r]
                if rule == "poison":
                    paid[r] = [(d, 0, amount_[d]) for d in seen] or [(None, 0, amount)]
                    continue
                paid[r] = _take(runs, amount, rule)
        return paid


_LO, _HI = 1, 2  # a deposit run is [row, lo, hi]: units lo..hi of that row are still in the pool


def _take(runs, amount, rule):
    """Take ``amount`` out of deposit ``runs`` (``[row, lo, hi]``, time order): the pieces, in the
    withdrawal's own order, then what the pool did not hold (None)."""
    pieces = []
    if rule == "haircut":
        total = sum(b - a for _, a, b in runs)
        take = min(amount, total)
        for run, n in zip(runs, R.apportion(take, [b - a for _, a, b in runs]), strict=True):
            if n:
                d, a, _ = run
                pieces.append((d, a, a + n))
                run[_LO] += n
        runs[:] = [x for x in runs if x[_HI] > x[_LO]]
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
                runs[0][_LO] = a + n
    else:  # lifo: the last units in, in their own order
        while amount and runs:
            d, a, b = runs[-1]
            n = min(amount, b - a)
            pieces.append((d, b - n, b))
            amount -= n
            if b - n == a:
                runs.pop()
            else:
                runs[-1][_HI] = b - n
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
        if self.rule == "poison":
            return pieces
        pos = 0
        for o in (outs[::-1] if self.rule == "lifo" else outs):  # lifo: the last output takes the first units
            if o == r:
                break
            pos += amount_[o]
        return _share(pieces, pos + lo, pos + hi, self.rule)
