"""Pools: where value mixes, and how each tracing rule takes value out of one.

A pool holds *lots*, oldest first: ``[amount, tainted, hop, path, why]``. ``tainted <= amount``
is the traced part of the lot (it sits at the lot's front); ``hop`` and ``path`` say how it got
here; ``why`` is None while the taint may travel on, or the reason it stops here (hop limit,
attributed service, ...): stopped taint still counts in the allocation, so the rule sees the
pool as it is, but what it carries out is not followed.

Two kinds of pool, two functions, both pure apart from consuming the lots they are given:

- an **account** (an address, per asset) pays withdrawals one at a time, in time order:
  :func:`take`;
- a **UTXO transaction** pays all its outputs, fee last, at once: :func:`split_tx`, which applies
  the per-transaction rules of :mod:`tracer.rules` to the whole transaction.

Account-pool conventions (``docs/tracer.md``): FIFO and LIFO follow time order; LIBR spends clean
value first (Re Hallett), so a balance that dipped to X carries at most X of earlier taint;
haircut gives each withdrawal ``tainted/balance`` of its amount (floored, so tainted value never
exceeds the balance left); poison taints every withdrawal of a pool that ever held taint; TIHO has
no natural time order at an account, so there taint leaves first (the taint-maximising reading).
"""
from tracer import rules as R

AMOUNT, TAINTED, HOP, PATH, WHY = range(5)
RULES = ("poison", "haircut", "fifo", "lifo", "tiho", "libr")


def check_rule(rule):
    """Raise ValueError unless ``rule`` is one of :data:`RULES`."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")


def take(lots, amount, rule):
    """Take ``amount`` out of an account pool's ``lots`` under ``rule``; return the pieces.

    Each piece is a lot-shaped list ``[amount, tainted, hop, path, why]``. The lots are consumed
    in place. Value beyond what the lots hold comes from somewhere the data does not show and is
    returned as a clean piece.

    Examples
    --------
    10 tainted in, then 5 clean, then 12 out: FIFO sends the 10 tainted first, LIFO the clean 5
    first, LIBR (clean first) only the 7 the balance cannot cover from clean money.

    >>> def pool(): return [[10, 10, 1, ["t1"], None], [5, 0, 0, [], None]]
    >>> [p[:2] for p in take(pool(), 12, "fifo")]
    [[10, 10], [2, 0]]
    >>> [p[:2] for p in take(pool(), 12, "lifo")]
    [[5, 0], [7, 7]]
    >>> [p[:2] for p in take(pool(), 12, "libr")]
    [[5, 0], [7, 7]]
    >>> [p[:2] for p in take(pool(), 12, "haircut")]   # 10/15 of 12 = 8
    [[8, 8], [4, 0]]
    >>> [p[:2] for p in take(pool(), 3, "poison")]
    [[3, 3]]
    """
    if rule == "fifo":
        return _in_order(lots, amount, range(len(lots)))
    if rule == "lifo":
        return _in_order(lots, amount, range(len(lots) - 1, -1, -1))
    if rule == "libr":  # the holder spends his own (clean) money first
        return _in_order(lots, amount, sorted(range(len(lots)), key=lambda i: (lots[i][TAINTED] > 0, i)), clean_first=True)
    if rule == "tiho":  # taint leaves first
        return _in_order(lots, amount, sorted(range(len(lots)), key=lambda i: (lots[i][TAINTED] == 0, i)))
    if rule == "haircut":
        return _pro_rata(lots, amount)
    if rule == "poison":
        return _poison(lots, amount)
    check_rule(rule)


def _in_order(lots, amount, order, clean_first=False):
    pieces = []
    emptied = 0
    for i in order:
        if not amount:
            break
        lot = lots[i]
        n = min(amount, lot[AMOUNT])
        clean = lot[AMOUNT] - lot[TAINTED]
        tk = max(0, n - clean) if clean_first else min(n, lot[TAINTED])
        if n:
            pieces.append([n, tk, lot[HOP], lot[PATH], lot[WHY]])
        lot[AMOUNT] -= n
        lot[TAINTED] -= tk
        amount -= n
        emptied += not lot[AMOUNT]
    if emptied:  # FIFO empties a prefix and LIFO a suffix: cut those without rebuilding the list
        if not lots[emptied - 1][AMOUNT] and all(not lot[AMOUNT] for lot in lots[:emptied]):
            del lots[:emptied]
        elif not lots[-emptied][AMOUNT] and all(not lot[AMOUNT] for lot in lots[-emptied:]):
            del lots[-emptied:]
        else:
            lots[:] = [lot for lot in lots if lot[AMOUNT]]
    if amount:
        pieces.append([amount, 0, 0, [], None])
    return pieces


def _pro_rata(lots, amount):
    balance = sum(lot[AMOUNT] for lot in lots)
    if amount >= balance:
        pieces = [[lot[TAINTED], lot[TAINTED], lot[HOP], lot[PATH], lot[WHY]] for lot in lots if lot[TAINTED]]
        clean = amount - sum(p[AMOUNT] for p in pieces)
        lots.clear()
        return pieces + ([[clean, 0, 0, [], None]] if clean else [])
    tainted = sum(lot[TAINTED] for lot in lots)
    # floor(T*a/B) >= T-(B-a), so the taint left never exceeds the balance left
    share = tainted * amount // balance
    cuts = [lot[TAINTED] * amount // balance for lot in lots]
    # the rounding remainder, one unit each to the largest fractional parts (ties: older first),
    # as tracer.rules.haircut does within a transaction
    rest = share - sum(cuts)
    for i in sorted(range(len(lots)), key=lambda i: (-(lots[i][TAINTED] * amount % balance), i))[:rest]:
        cuts[i] += 1
    pieces = [[c, c, lot[HOP], lot[PATH], lot[WHY]] for c, lot in zip(cuts, lots) if c]
    clean_out = amount - share
    for c, lot in zip(cuts, lots):
        lot[TAINTED] -= c
        lot[AMOUNT] -= c
    for lot in lots:  # clean value leaves in time order; it carries no taint, so order is cosmetic
        if not clean_out:
            break
        n = min(clean_out, lot[AMOUNT] - lot[TAINTED])
        lot[AMOUNT] -= n
        clean_out -= n
    lots[:] = [lot for lot in lots if lot[AMOUNT]]
    return pieces + ([[amount - share, 0, 0, [], None]] if amount > share else [])


def _carrier(lots):
    """The live tainted lot that came the shortest way: whose path poison's over-taint is credited to."""
    live = [lot for lot in lots if lot[TAINTED] and lot[WHY] is None]
    return min(live, key=lambda lot: lot[HOP]) if live else None


def clean_lot(lots, amount, rule):
    """The lot that ``amount`` of clean value becomes on joining a pool (poisoned under poison)."""
    carrier = _carrier(lots) if rule == "poison" else None
    if carrier is not None:
        return [amount, amount, carrier[HOP], carrier[PATH], None]
    return [amount, 0, 0, [], None]


def _poison(lots, amount):
    carrier = _carrier(lots)
    pieces = _in_order(lots, amount, range(len(lots)))
    if carrier is None:
        return pieces
    for lot in lots:  # once poisoned, always poisoned: what stays is tainted too
        if lot[TAINTED] < lot[AMOUNT]:
            lot[TAINTED], lot[HOP], lot[PATH], lot[WHY] = lot[AMOUNT], carrier[HOP], carrier[PATH], None
    return [[amount, amount, carrier[HOP], carrier[PATH], None]]


def add(lots, lot, mix=False):
    """Append ``lot`` to a pool, merged into the last lot when no rule can tell them apart.

    Two clean lots in a row are one clean lot under every rule, and so are two wholly tainted lots
    with the same history: merging keeps an exchange's pool (thousands of clean deposits) short.

    With ``mix`` (haircut, poison: rules for which a pool is one mixture), tainted value joins the
    pool's tainted lot that stops for the same reason, whatever its history; the merged lot keeps
    the hop and path of the larger part. Without this a haircut trace splits every withdrawal
    across every path that ever reached the pool, and the pieces multiply with each hop.

    Examples
    --------
    >>> q = [[5, 0, 0, [], None]]
    >>> add(q, [3, 0, 0, [], None]); add(q, [2, 2, 1, ["t"], None]); add(q, [1, 1, 1, ["t"], None])
    >>> q
    [[8, 0, 0, [], None], [3, 3, 1, ['t'], None]]
    """
    if mix and lot[TAINTED]:
        for other in lots:
            if other[TAINTED] and other[WHY] == lot[WHY]:
                if lot[TAINTED] > other[TAINTED]:
                    other[HOP], other[PATH] = lot[HOP], lot[PATH]
                other[AMOUNT] += lot[AMOUNT]
                other[TAINTED] += lot[TAINTED]
                return
    if lots:
        last = lots[-1]
        if not lot[TAINTED] and not last[TAINTED] and last[WHY] is None and lot[WHY] is None:
            last[AMOUNT] += lot[AMOUNT]
            return
        if (lot[TAINTED] == lot[AMOUNT] and last[TAINTED] == last[AMOUNT] and last[HOP] == lot[HOP]
                and last[WHY] == lot[WHY] and last[PATH] == lot[PATH]):
            last[AMOUNT] += lot[AMOUNT]
            last[TAINTED] += lot[TAINTED]
            return
    lots.append(lot)


def split_tx(lots, outputs, rule):
    """Allocate a UTXO transaction's input ``lots`` to its ``outputs`` (values, fee last).

    The taint per output comes from the per-transaction rule in :mod:`tracer.rules` (LIBR at a
    transaction: clean inputs are paid out first, so taint lands in the last outputs and the fee);
    each output's taint is then attributed to the lots' paths in lot order (reversed for LIFO),
    which for FIFO and LIFO is exact. Returns one list of pieces per output.

    Examples
    --------
    Anderson's example, 3 stolen and 7 clean in, 10 out: poison says 10 stolen, haircut 3 (30%).

    >>> def ins(): return [[3, 3, 1, ["a"], None], [7, 0, 0, [], None]]
    >>> [[p[:2] for p in o] for o in split_tx(ins(), [10], "poison")]
    [[[10, 10]]]
    >>> [[p[:2] for p in o] for o in split_tx(ins(), [10], "haircut")]
    [[[3, 3], [7, 0]]]
    >>> [[p[:2] for p in o] for o in split_tx(ins(), [2, 7, 1], "fifo")]   # fee 1 last
    [[[2, 2]], [[1, 1], [6, 0]], [[1, 0]]]
    """
    check_rule(rule)
    inputs = [(lot[AMOUNT], lot[TAINTED]) for lot in lots]
    if rule == "libr":
        order = sorted(range(len(lots)), key=lambda i: (lots[i][TAINTED] > 0, i))
        taint = R.fifo([inputs[i] for i in order], outputs)
    else:
        taint = R.RULES[rule](inputs, outputs)
    order = list(range(len(lots)))
    if rule == "lifo":
        order.reverse()
    budget = [lots[i][TAINTED] for i in range(len(lots))]
    carrier = _carrier(lots)
    result = []
    for value, tk in zip(outputs, taint):
        pieces = []
        if rule == "poison":
            if tk:
                src = carrier or next(lot for lot in lots if lot[TAINTED])
                pieces.append([value, value, src[HOP], src[PATH], src[WHY]])
        else:
            left = tk
            for i in order:
                if not left:
                    break
                n = min(left, budget[i])
                if n:
                    lot = lots[i]
                    pieces.append([n, n, lot[HOP], lot[PATH], lot[WHY]])
                    budget[i] -= n
                    left -= n
        if value > tk:
            pieces.append([value - tk, 0, 0, [], None])
        result.append(pieces)
    lots.clear()
    return result
