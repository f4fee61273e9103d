"""Conversions: value a contract turns into another asset inside one transaction.

A contract ``C`` **converts** in transaction ``h`` when everything ``C`` takes in, in ``h``, is
one asset ``x`` and everything it pays out is another asset ``y``. What it takes in: the
transfers to ``C``, and its own token sent to the zero address (a burn returns the token to its
issuer); what it pays out: the transfers from ``C``, and its own token coming from the zero
address (a mint). So

- wrapping ETH: ETH into WETH, WETH minted to the sender;
- unwrapping: WETH burned, ETH paid out by WETH (an internal transfer);
- a swap pool's swap: token ``x`` into the pool, token ``y`` out of it;
- a stablecoin minted against, or redeemed for, another asset by one contract in one transaction.

The transaction's sender (the payer of its fee, else of its own value) never converts: in a swap
back to oneself the sender, too, sends one asset and receives another. Without a fee or a value
row the data does not say who sent a transaction; then only the accounts a trace starts from
(``never``) are known not to convert. Liquidity (two assets in,
pool shares out) is not a conversion: there is no one rate.

Converted value keeps its source and moves at the transaction's rate ``Y/X`` (all ``y`` paid out
over all ``x`` taken in, exact integers): unit positions ``p`` of the ``x`` taken in, in input
order, become positions ``floor(p * Y / X)`` of the ``y`` paid out, so nothing is lost or made up
in rounding. Conversions across transactions or chains (bridges, instant swap services) are
heuristics, not certainties: the trace stops at them.
"""
from dataclasses import dataclass

ZERO = "0x" + "0" * 40


@dataclass
class Conversion:
    """One contract converting ``X`` of ``x`` into ``Y`` of ``y`` in one transaction."""
    converter: str
    ins: list   #: table rows taken in, in order
    outs: list  #: table rows paid out, in order
    x: str
    y: str
    X: int
    Y: int

    @property
    def rate(self):
        """``"Y/X"``: base units of ``y`` paid per base unit of ``x`` taken, exact."""
        return f"{self.Y}/{self.X}"


def find(groups, frm, to, asset, amount, kind, fee_kind="fee", token_kind="token", native_kind="native", never=()):
    """The conversions in the transactions ``groups`` (``(lo, hi)`` row ranges of one tx each).

    Returns ``{first row: [Conversion, ...]}``: every conversion of a transaction, keyed by the
    first row of any of them, in the order they must run (one whose output another takes in comes
    first); and the set of all rows they cover. A cycle (possible only when the data does not say
    who sent the transaction) is not followed.

    Examples
    --------
    A swap: 5 WETH from the sender ``u`` to the pool ``p``, 9 LUSD from the pool back to ``u``,
    and the fee ``u`` paid.

    >>> frm, to = ["u", "p", "u"], ["p", "u", "fee"]
    >>> found, rows = find([(0, 3)], frm, to, ["WETH", "LUSD", "ETH"], [5, 9, 1], ["token", "token", "fee"])
    >>> [(c.converter, c.x, c.y, c.rate) for c in found[0]], sorted(rows)
    ([('p', 'WETH', 'LUSD', '9/5')], [0, 1])
    """
    found, covered = {}, set()
    for lo, hi in groups:
        sender = None
        for r in range(lo, hi):
            if kind[r] == fee_kind:
                sender = frm[r]
        if sender is None:
            sender = next((frm[r] for r in range(lo, hi) if kind[r] == native_kind), None)
        ins, outs = {}, {}
        for r in range(lo, hi):
            if kind[r] == fee_kind:
                continue
            f, t, a = frm[r], to[r], asset[r]
            if f != ZERO:
                outs.setdefault(f, []).append(r)
            if t != ZERO:
                ins.setdefault(t, []).append(r)
            if kind[r] == token_kind:  # a token's own mint and burn happen at its contract
                if f == ZERO:
                    outs.setdefault(a, []).append(r)
                if t == ZERO:
                    ins.setdefault(a, []).append(r)
        convs = []
        for c in sorted(ins.keys() & outs.keys()):
            if c == sender or c in never:
                continue
            xs, ys = {asset[r] for r in ins[c]}, {asset[r] for r in outs[c]}
            if len(xs) != 1 or len(ys) != 1 or xs == ys:
                continue
            i, o = sorted(ins[c]), sorted(outs[c])
            X, Y = sum(amount[r] for r in i), sum(amount[r] for r in o)
            if X > 0 and Y > 0:
                convs.append(Conversion(c, i, o, xs.pop(), ys.pop(), X, Y))
        convs = _ordered(convs, frm, to, asset)
        if convs:
            found[min(r for c in convs for r in c.ins + c.outs)] = convs
            covered.update(r for c in convs for r in c.ins + c.outs)
    return found, covered


def _ordered(convs, frm, to, asset):
    """Conversions feeding others first. ``a`` feeds ``b`` when ``b`` takes in a row ``a`` pays out
    (a swap routed through two pools: conversions on a cycle of these are dropped), or, where that
    leaves no cycle, when an account ``a`` pays then pays ``b`` in that asset (a router wraps ether,
    then swaps the WETH; or swaps, then unwraps what it got)."""
    def feeds(a, b, soft):
        if set(a.outs) & set(b.ins):
            return True
        return soft and bool({(to[r], asset[r]) for r in a.outs} & {(frm[r], asset[r]) for r in b.ins})

    def after(soft):
        return {id(a): {id(b) for b in convs if b is not a and feeds(a, b, soft)} for a in convs}

    out = _topological(convs, after(True))
    return out if len(out) == len(convs) else _topological(convs, after(False))


def _topological(convs, feeds):
    """``convs`` in an order where each comes after those that feed it; those on a cycle left out."""
    needs = {id(b): sum(id(b) in feeds[id(a)] for a in convs) for b in convs}
    ready = [c for c in convs if not needs[id(c)]]
    out = []
    while ready:
        c = ready.pop(0)
        out.append(c)
        for b in convs:
            if id(b) in feeds[id(c)]:
                needs[id(b)] -= 1
                if not needs[id(b)]:
                    ready.append(b)
    return out


def units_in(u, v, X, Y):
    """The units ``[a, b)`` of the ``X`` taken in that paid for units ``[u, v)`` of the ``Y`` paid out.

    The inverse of :func:`convert`'s map: input unit ``p`` becomes output units from
    ``floor(p * Y / X)`` on, so output units ``[u, v)`` were paid for by the input units ``p`` with
    ``u <= floor(p * Y / X) < v``: ``a = ceil(u * X / Y)``, ``b = ceil(v * X / Y)`` (``ceil(u * X / Y)
    <= p`` exactly when ``u <= floor(p * Y / X)``). Each input unit is counted once over the outputs,
    in the one its first position falls in (an input unit too small to make a whole output unit
    counts in the one it went into), and the ranges of all outputs cover ``[0, X)`` exactly.

    >>> units_in(0, 2, 4, 10), units_in(2, 5, 4, 10), units_in(5, 10, 4, 10)   # 2.5 y per x
    ((0, 1), (1, 2), (2, 4))
    >>> units_in(0, 1, 10, 3), units_in(1, 3, 10, 3)   # 3 y for 10 x: x units 0-3 went into y unit 0
    ((0, 4), (4, 10))
    """
    return -(-u * X // Y), -(-v * X // Y)


def convert(segs, X, Y):
    """The segments ``segs`` (``X`` units in all, in order) as ``Y`` units of the new asset.

    Positions map as ``floor(p * Y / X)``: each segment keeps its place and its share, and the
    new amounts add up to ``Y`` exactly. A segment too small to cover a whole new unit vanishes
    (its value went to the next one).

    >>> from tracer.pools import Seg
    >>> convert([Seg(1, 0), Seg(2), Seg(1, 1)], 4, 10)   # 2.5 per unit
    [Seg(2, colour=0), Seg(5), Seg(3, colour=1)]
    """
    out, pos, prev = [], 0, 0
    for s in segs:
        pos += s.amount
        y = pos * Y // X
        if y > prev:
            out.append(s.part(y - prev))
        prev = y
    return out
