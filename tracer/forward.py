"""The forward pass: one walk over the transfers in time order moves every source's value from
pool to pool (:mod:`tracer.pools`), each source its own colour.

Each chain is walked on its own (a trace on several chains never mixes them). On a UTXO chain a
pool is a transaction: each output is a coin of its own, an input spends exactly the output it
names (``spent_tx_hash``, ``spent_index``), and a transaction splits the segments of the coins it
spends over its outputs. On an account chain a pool is an address, per asset; a contract that
converts value inside one transaction (:mod:`tracer.conversions`) passes it on in the new asset.

What a source sends is wholly its colour: every transfer an address source pays, an EVM
transaction's own value, a UTXO transaction's outputs, or one output. Value reaching a source's
address (or displaced by what a source sends) stops there: it is counted again as that source's.
The results are plain rows (:data:`tracer.result.FLOW_COLUMNS` order, paths still as
:class:`tracer.pools.Node` chains); :class:`tracer.result.TraceResult` turns them into tables.
"""
import numpy as np

from tracer import conversions as CV
from tracer import pools as P
from tracer import transfers as T
from tracer.pools import Node, Seg
from tracer.result import TAINTED

#: why value stops
UNSPENT, FEE, HOP_LIMIT, SERVICE, HEAVY, BELOW_MIN, RETURNED, AT_SOURCE, BURNED, CONVERTED = (
    "unspent", "fee", "hop limit", "attributed service", "maximum degree", "below minimum",
    "back at the source", "at another source", "burned", "converted")
#: value stopping here stops for good, whatever else the pool holds: no pool is kept for them
FINAL = (FEE, SERVICE, HEAVY, BURNED, RETURNED, AT_SOURCE)


class Run:
    """One forward trace: its options and what it has found so far."""

    def __init__(self, sources, rule, hops, min_amount, stop, heavy):
        self.rule, self.hops, self.min_amount, self.stop, self.heavy = rule, hops, min_amount, stop, heavy
        self.mix = rule in P.MIXING
        self.inert = rule not in ("fifo", "lifo")  # under FIFO/LIFO stopped value is just clean value
        self.addr_src = {s.address: k for k, s in enumerate(sources) if s.address is not None}
        self.tx_src = {}
        for k, s in enumerate(sources):
            if s.tx is not None:
                self.tx_src.setdefault(s.tx, {})[s.vout] = k
        self.flows, self.ends = [], {}
        self.tally = [0]  # units moved because several sources' haircut shares did not fit together

    def end(self, colour, chain, addr, asset, path, why, amount, entry=None):
        key = (colour, chain, addr, asset, path, why, entry)
        self.ends[key] = self.ends.get(key, 0) + amount

    def arrival_stop(self, to, colour, amount, hop):
        """Why a piece arriving at ``to`` stops there (None: it travels on)."""
        if to == T.FEE_ADDRESS:
            return FEE
        src = self.addr_src.get(to)
        if src is not None:
            return RETURNED if src == colour else AT_SOURCE
        if to in self.stop:
            return SERVICE
        if to in self.heavy:
            return HEAVY
        if to == CV.ZERO:
            return BURNED
        if amount < self.min_amount:
            return BELOW_MIN
        if hop >= self.hops:
            return HOP_LIMIT
        return None


def _carry(run, chain, txh, ts, frm, to, asset, amount, kind, pieces, source, reason=None, rate=None):
    """``pieces`` as they leave along one transfer, in order: live ones with their new paths (their
    flows recorded, one per source and path), stopped and clean ones as clean value."""
    out, flows, made = [], run.flows, {}
    for s in pieces:
        if s.colour < 0 or s.why is not None:
            if out and out[-1].colour < 0:
                out[-1].amount += s.amount
            else:
                out.append(Seg(s.amount))
            continue
        node = s.path
        key = (s.colour, node)
        made_as = made.get(key)
        if made_as is None:
            if source:
                why = "the source sent it"
            elif node.tx == txh:  # still inside the same transaction
                why = reason or f"{run.rule}: same transaction, through {frm}"
            else:
                why = reason or f"{run.rule}: taint held at {frm} since tx {node.tx}"
                node = Node(node.hop + 1, txh, node)
            made[key] = made_as = (len(flows), node)
            flows.append([s.colour, node.hop, chain, txh, ts, frm, to, asset, amount, 0, kind, node, why, rate])
        at, node = made_as
        flows[at][TAINTED] += s.amount
        seg = Seg(s.amount, s.colour, node, None, s.via)
        if out and out[-1].same(seg):
            out[-1].amount += seg.amount
        else:
            out.append(seg)
    return out


def _displace(run, chain, addr, asset, pieces):
    """What a pool (an address, or a UTXO transaction) would have paid into what a source sends:
    it stops there, and is counted again as that source's."""
    for s in pieces:
        if s.colour >= 0 and s.why is None:
            run.end(s.colour, chain, addr, asset, s.path, AT_SOURCE, s.amount)


# -- account chains ---------------------------------------------------------------------------------
def account_chain(run, chain, c, src, convs):
    """Walk one account-model chain. ``c``: column lists of its rows in time order; ``src``: row ->
    colour of the rows sources send; ``convs``: :func:`tracer.conversions.find`'s result."""
    txh_, ts_, frm_, to_, asset_, amount_, kind_ = (c[k] for k in ("txh", "ts", "frm", "to", "asset", "amount", "kind"))
    rule, mix = run.rule, run.mix
    fifo = rule == "fifo"
    conv_first, conv_rows = convs
    held, lots = Balances(frm_, to_, asset_, amount_), {}
    kept = held.kept
    last_asset, pl = None, None
    # the hot loop: most rows touch no traced pool and cost a few set lookups
    for i, (a, f, t, amt) in enumerate(zip(asset_, frm_, to_, amount_, strict=True)):
        if a != last_asset:
            last_asset = a
            pl = lots.setdefault(a, {})
        if conv_rows and i in conv_rows:
            if i in conv_first:
                _convert(run, chain, c, conv_first[i], lots, held, src)
            continue
        if i in src:
            pf = pl.get(f)
            if pf is not None:
                _displace(run, chain, f, a, P.take(pf, amt, rule, run.tally))
                _settle(pl, f, pf, (f, a) in kept)
            pieces = [Seg(amt, src[i], Node(1, txh_[i], None))]
            source = True
        elif f in pl:
            pf = pl[f]
            s0 = pf[0] if pf else None
            if fifo and s0 is not None and s0.colour < 0 and s0.amount > amt:  # common at a busy pool: clean in front
                s0.amount -= amt
                if t in pl:
                    _add_clean(pl[t], amt, mix)
                continue
            pieces = P.take(pf, amt, rule, run.tally)
            _settle(pl, f, pf, (f, a) in kept)
            source = False
        else:
            if t in pl:
                _add_clean(pl[t], amt, mix)
            continue
        moved = _carry(run, chain, txh_[i], ts_[i], f, t, a, amt, kind_[i], pieces, source)
        _arrive(run, chain, t, a, amt, moved, f, pl, held, i)
    _finish_accounts(run, chain, lots)


class Balances:
    """What an account held of an asset before a given row, worked out only for the pools asked
    about: a walk that kept every balance would spend most of its time on accounts no trace ever
    reaches.

    The first question builds an index of every row by address (numpy, keyed by the strings'
    hashes; the sum checks the names, so two addresses sharing a key cannot mix). An account with
    :data:`BUSY` rows or more (an exchange) is asked once: its pool is then kept (:attr:`kept`),
    even when it holds no taint, so it knows its own balance from then on.

    >>> b = Balances(["x", "a", "a"], ["a", "b", "x"], ["X", "X", "Y"], [5, 2, 1])
    >>> b.before("a", "X", 0), b.before("a", "X", 2), b.before("a", "Y", 3)
    (0, 3, -1)
    """
    BUSY = 512

    def __init__(self, frm, to, asset, amount):
        self.frm, self.to, self.asset, self.amount = frm, to, asset, amount
        self.keys = None
        self.kept = set()  # (address, asset) of busy pools, never forgotten once traced

    def _index(self):
        n = len(self.frm)
        # one sorted int64 per event (2i: row i's receiver; 2i+1: its payer): the address's hash in
        # the high bits, the event in the low ones, so a plain sort groups each address's events
        # in row order and no permutation is needed
        bits = max(1, (2 * n).bit_length())
        self.mask = (1 << bits) - 1
        keys = np.empty(2 * n, dtype=np.int64)
        keys[0::2] = np.fromiter(map(hash, self.to), np.int64, n)
        keys[1::2] = np.fromiter(map(hash, self.frm), np.int64, n)
        keys &= ~self.mask
        keys |= np.arange(2 * n, dtype=np.int64)
        keys.sort()
        self.keys = keys

    def before(self, address, asset, row):
        if self.keys is None:
            self._index()
        h = hash(address) & ~self.mask
        lo, hi = np.searchsorted(self.keys, h, "left"), np.searchsorted(self.keys, h | self.mask, "right")
        events = self.keys[lo:hi]
        if hi - lo >= self.BUSY:
            self.kept.add((address, asset))
            events = events[:np.searchsorted(events, h | (2 * row))]  # in row order: only those before
        events = events & self.mask
        frm_, to_, asset_, amount_ = self.frm, self.to, self.asset, self.amount
        total = 0
        for e in events.tolist():
            r = e >> 1
            if r >= row:
                break
            if asset_[r] == asset:
                if e & 1:
                    if frm_[r] == address:
                        total -= amount_[r]
                elif to_[r] == address:
                    total += amount_[r]
        return total


def _settle(pl, addr, pool, keep):
    """A pool left with no taint is as good as untraced: forget it (what it held is worked out
    again if taint comes back, :class:`Balances`), unless it is a busy one (``keep``)."""
    for s in pool:
        if s.colour >= 0:
            return
    if not keep:
        del pl[addr]


def _add_clean(pool, amount, mix):
    if pool and pool[-1].colour < 0:
        pool[-1].amount += amount
    else:
        P.add(pool, Seg(amount), mix)


def _arrive(run, chain, to, asset, amount, moved, payer, pl, held, row):
    """The ``moved`` segments of ``row`` (in order) reach ``to``'s pool, or stop there; a pool that
    holds no taint yet starts with what it held before the row (:class:`Balances`), clean."""
    kept, tainted = [], False
    for s in moved:
        if s.colour >= 0:
            why = run.arrival_stop(to, s.colour, s.amount, s.path.hop)
            if why is not None:
                entry = payer if why in (SERVICE, HEAVY) else None
                run.end(s.colour, chain, to, asset, s.path, why, s.amount, entry)
                if why in FINAL or not run.inert:
                    s = Seg(s.amount)
                else:
                    s.why = why
            tainted = tainted or s.colour >= 0
        kept.append(s)
    pool = pl.get(to)
    if pool is None:
        if not tainted:
            return
        before = held.before(to, asset, row)
        pool = pl[to] = [Seg(before)] if before > 0 else []
    for s in kept:
        if s.colour < 0:
            _add_clean(pool, s.amount, run.mix)
        else:
            P.add(pool, s, run.mix)


def _finish_accounts(run, chain, lots):
    for asset, pl in lots.items():
        for addr, pool in pl.items():
            if run.rule == "poison":
                P.paint(pool)
            for s in pool:
                if s.colour >= 0 and s.why is None:
                    run.end(s.colour, chain, addr, asset, s.path, UNSPENT, s.amount)


def _convert(run, chain, c, convs, lots, held, src):
    """Run the conversions of one transaction, in order, each taking in and paying out at once."""
    txh_, ts_, frm_, to_, asset_, amount_, kind_ = (c[k] for k in ("txh", "ts", "frm", "to", "asset", "amount", "kind"))
    handed = {}  # a row one conversion pays out and the next takes in: its segments
    for cv in convs:
        seq = []
        for r in cv.ins:
            f, a, amt = frm_[r], asset_[r], amount_[r]
            if r in handed:
                seq += handed.pop(r)
                continue
            pl = lots.setdefault(a, {})
            colour, pf = src.get(r), pl.get(f)
            if colour is not None:
                if pf is not None:
                    _displace(run, chain, f, a, P.take(pf, amt, run.rule, run.tally))
                    _settle(pl, f, pf, (f, a) in held.kept)
                pieces = [Seg(amt, colour, Node(1, txh_[r], None))]
            elif pf is not None:
                pieces = P.take(pf, amt, run.rule, run.tally)
                _settle(pl, f, pf, (f, a) in held.kept)
            else:
                seq.append(Seg(amt))
                continue
            moved = _carry(run, chain, txh_[r], ts_[r], f, to_[r], a, amt, kind_[r], pieces, colour is not None)
            for s in moved:
                if s.colour >= 0:  # per asset, a source's value still adds up: it ends here in x ...
                    run.end(s.colour, chain, cv.converter, a, s.path, CONVERTED, s.amount, f)
            seq += moved
        outs = [amount_[r] for r in cv.outs]
        if any(s.colour >= 0 for s in seq):  # ... and starts again in y
            parts = P.split(CV.convert(seq, cv.X, cv.Y), outs, run.rule, run.tally)
        else:
            parts = [[Seg(v)] for v in outs]
        reason = f"{run.rule}: converted {cv.x} into {cv.y} at {cv.converter}, {cv.Y} per {cv.X} base units"
        for r, pieces in zip(cv.outs, parts, strict=True):
            t, a, amt = to_[r], asset_[r], amount_[r]
            moved = _carry(run, chain, txh_[r], ts_[r], cv.converter, t, a, amt, kind_[r], pieces, False,
                           reason, cv.rate)
            if any(r in later.ins for later in convs):
                handed[r] = moved
                continue
            _arrive(run, chain, t, a, amt, moved, cv.converter, lots.setdefault(a, {}), held, r)


# -- UTXO chains ----------------------------------------------------------------------------------
def utxo_chain(run, chain, c, bounds):
    """Walk one UTXO chain: ``bounds`` are the ``(lo, hi)`` row ranges of its transactions."""
    txh_, ts_, frm_, to_, asset_, amount_, kind_, index_, spent_tx_, spent_ix_ = (c[k] for k in (
        "txh", "ts", "frm", "to", "asset", "amount", "kind", "index", "spent_tx", "spent_index"))
    coins = {}  # (tx, vout) -> (address, asset, [Seg]) for every coin holding taint
    addr_src, tx_src, rule = run.addr_src, run.tx_src, run.rule
    for lo, hi in bounds:
        h = txh_[lo]
        ins = [r for r in range(lo, hi) if to_[r] == h]
        starts = tx_src.get(h)
        if not starts and not any((spent_tx_[r], spent_ix_[r]) in coins or frm_[r] in addr_src for r in ins):
            continue
        outs = [r for r in range(lo, hi) if frm_[r] == h]
        seq = []
        for r in ins:
            addr, amt = frm_[r], amount_[r]
            coin = coins.pop((spent_tx_[r], spent_ix_[r]), None)
            colour = addr_src.get(addr)
            if colour is not None:  # what a source address spends is its own, whatever it held
                pieces, source = [Seg(amt, colour, Node(1, h, None))], True
            elif coin is not None:
                _, _, pieces = coin
                source = False
                if sum(s.amount for s in pieces) != amt:
                    raise ValueError(f"input {-1 - index_[r]} of {h} spends {spent_tx_[r]}:{spent_ix_[r]}, "
                                     f"an output of {sum(s.amount for s in pieces)}, but says {amt}")
            else:
                seq.append(Seg(amt))
                continue
            for s in _carry(run, chain, h, ts_[r], addr, h, asset_[r], amt, kind_[r], pieces, source):
                s.via = addr  # who spent it: the entry, if it next reaches a service
                seq.append(s)
        whole = starts.get(None) if starts else None
        if whole is not None:  # the transaction is a source: what it spends stops here, as its own
            _displace(run, chain, h, asset_[lo], seq)
            payer = frm_[ins[0]] if ins else None
            parts = [[Seg(amount_[r], whole, Node(1, h, None), via=payer)] for r in outs]
        elif any(s.colour >= 0 for s in seq):
            parts = P.split(seq, [amount_[r] for r in outs], rule, run.tally)
        elif not starts:
            continue
        else:
            parts = [[Seg(amount_[r])] for r in outs]
        for r, pieces in zip(outs, parts, strict=True):
            vout = index_[r] if kind_[r] == T.UTXO else None
            source = whole is not None
            if starts and vout is not None and vout in starts:
                _displace(run, chain, h, asset_[r], pieces)
                pieces, source = [Seg(amount_[r], starts[vout], Node(1, h, None))], True
            if not any(s.colour >= 0 for s in pieces):
                continue
            to, asset = to_[r], asset_[r]
            held = []
            for s in _carry(run, chain, h, ts_[r], h, to, asset, amount_[r], kind_[r], pieces, source):
                if s.colour >= 0:
                    why = run.arrival_stop(to, s.colour, s.amount, s.path.hop)
                    if why is not None:
                        run.end(s.colour, chain, to, asset, s.path, why, s.amount,
                                s.via if why in (SERVICE, HEAVY) else None)
                        if why in FINAL or not run.inert:
                            s = Seg(s.amount)
                        else:
                            s.why = why
                    s.via = to
                held.append(s)
            if vout is not None and any(s.colour >= 0 for s in held):
                coins[(h, vout)] = (to, asset, held)
    for addr, asset, segs in coins.values():
        for s in segs:
            if s.colour >= 0 and s.why is None:
                run.end(s.colour, chain, addr, asset, s.path, UNSPENT, s.amount)
