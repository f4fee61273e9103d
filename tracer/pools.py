"""Pools: where value mixes, and how each tracing rule takes value out of one.

Value sits in a pool as **segments** (:class:`Seg`), runs of units kept in order: in satoshi
order in a UTXO output, in time order at an account. A segment has one *colour* (the source it
came from, :data:`CLEAN` if none), one *path* (how it got here) and, once it has stopped, *why*.
Stopped value still counts in the allocation, so the rule sees the pool as it is, but what it
carries out is not followed.

Two kinds of pool, two functions, both pure apart from consuming the segments they are given:

- an **account** (an address, per asset) pays withdrawals one at a time, in time order: :func:`take`;
- a **UTXO transaction** pays all its outputs, fee last, at once from the segments of the outputs
  it spends, laid end to end in input order: :func:`split`. What each output gets is itself a run
  of segments in order, so positions are kept across any number of hops.

What each rule means, in both models (``docs/tracer.md`` has a worked example of each):

- **fifo**: units leave in the order they came; a transaction lays its input units onto its
  outputs in order, fee last.
- **lifo**: the last units in leave first; a transaction's first output takes its last input
  units (keeping their order), and the fee what came in first.
- **libr**: clean units leave first (Re Hallett); then tainted units in order. A balance that
  dipped to X carries at most X of earlier taint.
- **tiho**: tainted units leave first (at a transaction: into the highest-value outputs first).
- **haircut**: each withdrawal (or output) carries each source's share ``value / pool`` of it,
  floored, the units left over going to the largest fractional parts (:func:`tracer.rules.apportion`).
- **poison**: a pool holding live taint is wholly tainted: its clean units take the colours of the
  live taint in proportion (:func:`paint`), then it pays out as under haircut.

With several colours at once, haircut's per-source shares are computed exactly as in a trace of
that source alone; only where those shares together would give an output (or leave in a pool)
more taint than value does a unit move to another output (or leave with the withdrawal).

(A little over 400 lines, on purpose: both kinds of pool are here so that each rule reads the
same in both, side by side, and they share :class:`Seg`, :func:`add` and :func:`paint`; the
doctests are a good part of it.)
"""
from tracer import rules as R

CLEAN = -1
RULES = ("poison", "haircut", "fifo", "lifo", "tiho", "libr")
MIXING = ("haircut", "poison")  #: rules for which a pool is one mixture, not a sequence


class Seg:
    """``amount`` units of one ``colour`` (source number, or :data:`CLEAN`), in a run.

    ``path`` is how the value got here, a :class:`Node` (None when clean); ``why`` is None while it
    may travel on, or why it stopped; ``via`` is the address that
    last held it (a UTXO output's address: who paid it on).
    """
    __slots__ = ("amount", "colour", "path", "via", "why")

    def __init__(self, amount, colour=CLEAN, path=None, why=None, via=None):
        self.amount, self.colour, self.path, self.why, self.via = amount, colour, path, why, via

    def part(self, amount):
        return Seg(amount, self.colour, self.path, self.why, self.via)

    def __repr__(self):
        if self.colour < 0:
            return f"Seg({self.amount})"
        return f"Seg({self.amount}, colour={self.colour}" + (f", why={self.why!r})" if self.why else ")")

    def same(self, other):
        """Could the two be one run? (same colour, history and stop)"""
        return (self.colour == other.colour and self.why == other.why and self.via == other.via
                and self.path is other.path)


class Node:
    """One step of a path: the hop count, the transaction, and the step before (None at the start).

    Steps are shared by every piece that came the same way, and compared by identity: cheap to
    keep on millions of segments; :func:`path_hashes` writes a path out.
    """
    __slots__ = ("hop", "prev", "tx")

    def __init__(self, hop, tx, prev=None):
        self.hop, self.tx, self.prev = hop, tx, prev

    def __repr__(self):
        return f"Node({self.hop}, {self.tx!r})"


def check_rule(rule):
    """Raise ValueError unless ``rule`` is one of :data:`RULES`."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")


def hop_of(path):
    return path.hop if path else 0


def path_hashes(path):
    """The tx hashes of a path, first first.

    >>> path_hashes(Node(2, "t2", Node(1, "t1")))
    ['t1', 't2']
    """
    out = []
    while path is not None:
        out.append(path.tx)
        path = path.prev
    out.reverse()
    return out


def take(pool, amount, rule, tally=None):
    """Take ``amount`` out of an account pool (a list of :class:`Seg`) under ``rule``; return the pieces.

    The pool is consumed in place. Value beyond what it holds comes from somewhere the data does
    not show and is returned as a clean piece. ``tally`` (a one-item list) counts the units that
    several sources' haircut shares could not all keep (see the module docstring).

    Examples
    --------
    10 tainted in, then 5 clean, then 12 out: FIFO sends the 10 tainted first, LIFO the clean 5
    first, LIBR (clean first) only the 7 the balance cannot cover from clean money.

    >>> def pool(): return [Seg(10, 0), Seg(5)]
    >>> take(pool(), 12, "fifo")
    [Seg(10, colour=0), Seg(2)]
    >>> take(pool(), 12, "lifo")
    [Seg(7, colour=0), Seg(5)]
    >>> take(pool(), 12, "libr")
    [Seg(5), Seg(7, colour=0)]
    >>> take(pool(), 12, "haircut")   # 10/15 of 12 = 8
    [Seg(8, colour=0), Seg(4)]
    >>> take(pool(), 3, "poison")
    [Seg(3, colour=0)]
    """
    if rule == "fifo":
        return _front(pool, amount)
    if rule == "lifo":
        return _back(pool, amount)
    if rule == "libr":
        return _by_kind(pool, amount, clean_first=True)
    if rule == "tiho":
        return _by_kind(pool, amount, clean_first=False)
    if rule == "haircut":
        return _pro_rata(pool, amount, tally)
    if rule == "poison":
        paint(pool)
        return _pro_rata(pool, amount, tally)
    check_rule(rule)


def _front(pool, amount):
    pieces, k, n = [], 0, len(pool)
    while amount and k < n:
        s = pool[k]
        if s.amount <= amount:
            pieces.append(s)
            amount -= s.amount
            k += 1
        else:
            pieces.append(s.part(amount))
            s.amount -= amount
            amount = 0
    del pool[:k]
    if amount:
        pieces.append(Seg(amount))
    return pieces


def _back(pool, amount):
    pieces = []
    while amount and pool:
        s = pool[-1]
        if s.amount <= amount:
            pieces.append(pool.pop())
            amount -= s.amount
        else:
            pieces.append(s.part(amount))
            s.amount -= amount
            amount = 0
    pieces.reverse()  # the units leave as the run they were: in order
    if amount:
        pieces.append(Seg(amount))
    return pieces


def _by_kind(pool, amount, clean_first):
    first = [s for s in pool if (s.colour < 0) == clean_first]
    pieces = []
    for s in first + [s for s in pool if (s.colour < 0) != clean_first]:
        if not amount:
            break
        n = min(amount, s.amount)
        pieces.append(s.part(n))
        s.amount -= n
        amount -= n
    pool[:] = [s for s in pool if s.amount]
    if amount:
        pieces.append(Seg(amount))
    return pieces


def _pro_rata(pool, amount, tally=None):
    balance = sum(s.amount for s in pool)
    if amount >= balance:
        pieces = list(pool)
        pool.clear()
        if amount > balance:
            pieces.append(Seg(amount - balance))
        return pieces
    cuts = [0] * len(pool)
    colours = {}
    for i, s in enumerate(pool):
        if s.colour >= 0:
            colours.setdefault(s.colour, []).append(i)
    tainted = 0
    for idx in colours.values():  # each source as in a trace of it alone
        t = sum(pool[i].amount for i in idx)
        tainted += t
        # floor(T*a/B) >= T-(B-a): one source's taint left never exceeds the balance left
        share = t * amount // balance
        base = [pool[i].amount * amount // balance for i in idx]
        rest = share - sum(base)
        for k in sorted(range(len(idx)), key=lambda k: (-(pool[idx[k]].amount * amount % balance), k))[:rest]:
            base[k] += 1
        for i, b in zip(idx, base, strict=True):
            cuts[i] = b
    clean_out = amount - sum(cuts)
    deficit = clean_out - (balance - tainted)
    if deficit > 0:  # several sources floored at once: the clean part cannot pay the rest
        if tally is not None:
            tally[0] += deficit
        order = sorted((i for i in range(len(pool)) if pool[i].colour >= 0),
                       key=lambda i: (-(pool[i].amount * amount % balance), i))
        while deficit:
            for i in order:
                if deficit and cuts[i] < pool[i].amount:
                    cuts[i] += 1
                    deficit -= 1
        clean_out = balance - tainted
    pieces = []
    for s, c in zip(pool, cuts, strict=True):
        if c:
            pieces.append(s.part(c))
            s.amount -= c
    left = clean_out
    for s in pool:  # clean value leaves in time order; it carries no taint, so order is cosmetic
        if not left:
            break
        if s.colour < 0:
            n = min(left, s.amount)
            s.amount -= n
            left -= n
    pool[:] = [s for s in pool if s.amount]
    if clean_out:
        pieces.append(Seg(clean_out))
    return pieces


def paint(segs):
    """Poison: clean units of a pool holding live taint take the live colours, in proportion.

    Each live segment grows by its share (:func:`tracer.rules.apportion`) and the clean ones go.

    >>> q = [Seg(6), Seg(3, 0), Seg(1, 1)]
    >>> paint(q); q
    [Seg(8, colour=0), Seg(2, colour=1)]
    """
    live = [s for s in segs if s.colour >= 0 and s.why is None]
    if not live:
        return
    clean = sum(s.amount for s in segs if s.colour < 0)
    if not clean:
        return
    for s, n in zip(live, R.apportion(clean, [s.amount for s in live]), strict=True):
        s.amount += n
    segs[:] = [s for s in segs if s.colour >= 0]


def add(pool, seg, mix=False):
    """Append ``seg`` to a pool, merged into a segment no rule can tell it apart from.

    Two clean runs in a row are one clean run under every rule, and so are two runs of one colour
    with the same history: merging keeps an exchange's pool (thousands of clean deposits) short.

    With ``mix`` (haircut, poison: rules for which a pool is one mixture), a tainted segment joins
    the pool's segment of its colour that stops for the same reason and was held at the same
    address (``via``: who paid it on, kept apart so an exchange's sweep of many deposit addresses
    still names each), whatever its history; the merged one keeps the path of the larger part.
    Without this a haircut trace splits every withdrawal across every path that ever reached the
    pool, and the pieces multiply with each hop.

    Examples
    --------
    >>> q = [Seg(5)]
    >>> t = Node(1, "t")
    >>> add(q, Seg(3)); add(q, Seg(2, 0, t)); add(q, Seg(1, 0, t))
    >>> q
    [Seg(8), Seg(3, colour=0)]
    """
    if pool:
        last = pool[-1]
        if last.colour == seg.colour and last.why == seg.why and last.via == seg.via and last.path is seg.path:
            last.amount += seg.amount
            return
        if mix:
            for s in pool:
                if s.colour == seg.colour and s.why == seg.why and s.via == seg.via:
                    if seg.amount > s.amount:
                        s.path = seg.path
                    s.amount += seg.amount
                    return
    pool.append(seg)


def split(seq, outputs, rule, tally=None):
    """Allocate a UTXO transaction's input segments ``seq`` (in input order) to ``outputs`` (values,
    fee last); return one list of segments per output, each in order.

    Examples
    --------
    Anderson's example, 3 stolen and 7 clean in, 10 out: poison says 10 stolen, haircut 3 (30%).

    >>> def ins(): return [Seg(3, 0), Seg(7)]
    >>> split(ins(), [10], "poison"), split(ins(), [10], "haircut")
    ([[Seg(10, colour=0)]], [[Seg(3, colour=0), Seg(7)]])
    >>> split(ins(), [2, 7, 1], "fifo")   # fee 1 last
    [[Seg(2, colour=0)], [Seg(1, colour=0), Seg(6)], [Seg(1)]]

    Positions are kept: 5 clean then 3 tainted into one output of 8, which is spent into 4 + 4,
    gives the taint to the second output (Anderson et al.'s satoshi order).

    >>> (coin,) = split([Seg(5), Seg(3, 0)], [8], "fifo")
    >>> split(coin, [4, 4], "fifo")
    [[Seg(4)], [Seg(1), Seg(3, colour=0)]]
    """
    check_rule(rule)
    have, want = sum(s.amount for s in seq), sum(outputs)
    if have != want:
        raise ValueError(f"pool does not balance: in {have} != out {want}")
    if rule in MIXING:
        merged = []
        for s in seq:
            add(merged, s, mix=True)
        if rule == "poison":
            paint(merged)
        return _split_pro_rata(merged, outputs, tally)
    n = len(outputs)
    order = range(n)
    if rule == "libr":  # clean inputs are paid out first: taint lands in the last outputs and the fee
        seq = [s for s in seq if s.colour < 0] + [s for s in seq if s.colour >= 0]
    elif rule == "tiho":
        seq = [s for s in seq if s.colour >= 0] + [s for s in seq if s.colour < 0]
        order = sorted(range(n), key=lambda i: (-outputs[i], i))
    elif rule == "lifo":
        order = range(n - 1, -1, -1)
    return _lay(seq, outputs, order)


def _lay(seq, outputs, order):
    """Fill the outputs, taken in ``order``, with consecutive units of ``seq``."""
    result = [[] for _ in outputs]
    k, seq = 0, list(seq)
    for i in order:
        need, out = outputs[i], result[i]
        while need:
            s = seq[k]
            if s.amount <= need:
                piece = s
                k += 1
            else:
                piece = s.part(need)
                s.amount -= need
            need -= piece.amount
            if out and out[-1].same(piece):
                out[-1].amount += piece.amount
            else:
                out.append(piece)
    return result


def _split_pro_rata(segs, outputs, tally=None):
    n = len(outputs)
    by_colour = {}
    for s in segs:
        if s.colour >= 0:
            by_colour.setdefault(s.colour, []).append(s)
    # each source's share of each output, as a trace of that source alone computes it
    shares = {c: R.apportion(sum(s.amount for s in group), outputs) for c, group in by_colour.items()}
    load = [sum(sh[i] for sh in shares.values()) for i in range(n)]
    for i in range(n):
        while load[i] > outputs[i]:  # together the sources round this output over its value
            c = min(shares, key=lambda c: (-shares[c][i], c))
            j = min(range(n), key=lambda j: (-(outputs[j] - load[j]), j))
            shares[c][i] -= 1
            shares[c][j] += 1
            load[i] -= 1
            load[j] += 1
            if tally is not None:
                tally[0] += 1
    result = [[] for _ in outputs]
    for c, group in by_colour.items():
        budget = [s.amount for s in group]
        for i in range(n):
            left = shares[c][i]
            for k, s in enumerate(group):
                if not left:
                    break
                m = min(left, budget[k])
                if m:
                    result[i].append(s.part(m))
                    budget[k] -= m
                    left -= m
    for i in range(n):
        if outputs[i] > load[i]:
            result[i].append(Seg(outputs[i] - load[i]))
    return result
