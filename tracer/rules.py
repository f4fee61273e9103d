"""Tracing rules: how tainted value entering a pool is allocated to what leaves it.

A pool is where value mixes: a UTXO transaction (inputs in, outputs and the fee out) or an
account (deposits in, withdrawals out, in time order). Every rule here is a pure function on
exact integers. Conventions (see ``docs/tracer.md``):

- ``inputs`` is an ordered list of ``(value, tainted)`` pairs, ``tainted <= value``;
- ``outputs`` is an ordered list of values; for a UTXO transaction the **fee is the last
  output** (Anderson et al., "Bitcoin Redux": outputs are paid first, the rest goes to the miner);
- the result is the tainted amount of each output, in order.

Except for poison (which deliberately over-taints), the sum of the result equals the tainted
value that entered, as long as outputs absorb all inputs.
"""


def _check(inputs, outputs):
    if sum(v for v, _ in inputs) != sum(outputs):
        raise ValueError(f"pool does not balance: in {sum(v for v, _ in inputs)} != out {sum(outputs)}")
    for v, t in inputs:
        if not 0 <= t <= v:
            raise ValueError(f"tainted {t} not within 0..{v}")


def poison(inputs, outputs):
    """Poison: if any input is tainted, every output (and the fee) is wholly tainted.

    Examples
    --------
    Anderson's example: 3 stolen and 7 clean coins in, 10 out.

    >>> poison([(3, 3), (7, 0)], [10])
    [10]
    """
    _check(inputs, outputs)
    return list(outputs) if any(t for _, t in inputs) else [0] * len(outputs)


def apportion(total, weights):
    """``total`` units shared in proportion to ``weights``: floors, then one unit each to the
    largest fractional parts (ties to the earlier), so the shares add up to ``total`` exactly.

    Examples
    --------
    >>> apportion(3, [5, 4, 1])   # 1.5, 1.2, 0.3
    [2, 1, 0]
    >>> apportion(0, [1, 2]), apportion(4, [0, 0])
    ([0, 0], [0, 0])
    """
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    shares = [w * total // whole for w in weights]
    rest = total - sum(shares)
    if rest:
        for i in sorted(range(len(weights)), key=lambda i: (-(weights[i] * total % whole), i))[:rest]:
            shares[i] += 1
    return shares


def haircut(inputs, outputs):
    """Haircut (pro rata): each output gets ``value/total`` of the taint, as BlockSci does.

    Integer shares are floored; the remainder (fewer units than outputs) goes one unit each to
    the outputs with the largest fractional parts, ties to the earlier output, so the taint
    reconciles exactly and the result is deterministic.

    Examples
    --------
    >>> haircut([(3, 3), (7, 0)], [10])     # 10 out at 30%
    [3]
    >>> haircut([(3, 3), (7, 0)], [5, 4, 1])  # 1.5, 1.2, 0.3 -> 1, 1, 0 + remainder 1 to .5
    [2, 1, 0]
    """
    _check(inputs, outputs)
    return apportion(sum(t for _, t in inputs), outputs)


def _ordered(inputs, outputs, out_order):
    """Lay tainted input intervals, in input order, onto outputs taken in ``out_order``."""
    _check(inputs, outputs)
    intervals, pos = [], 0  # tainted part of each input sits at its start
    for v, t in inputs:
        if t:
            intervals.append((pos, pos + t))
        pos += v
    result, pos = [0] * len(outputs), 0
    for i in out_order:
        lo, hi = pos, pos + outputs[i]
        result[i] = sum(max(0, min(hi, b) - max(lo, a)) for a, b in intervals)
        pos = hi
    return result


def fifo(inputs, outputs):
    """FIFO (Clayton's case): inputs in their order fill outputs in their order, fee last.

    Examples
    --------
    >>> fifo([(3, 3), (7, 0)], [10])
    [3]
    >>> fifo([(3, 3), (7, 0)], [2, 7, 1])   # first output all stolen, 1 stolen in the second
    [2, 1, 0]
    """
    return _ordered(inputs, outputs, range(len(outputs)))


def lifo(inputs, outputs):
    """LIFO: the last value in is the first out. The first output takes the last units in, the
    next output the units before those, and so on, each keeping their order; the fee (last) takes
    what came in first.

    Examples
    --------
    >>> lifo([(3, 3), (7, 0)], [2, 7, 1])   # the clean 7 came in last: the 2 and 5 of the 7 are clean
    [0, 2, 1]
    """
    return _ordered(inputs, outputs, range(len(outputs) - 1, -1, -1))


def tiho(inputs, outputs):
    """Taint in highest output: taint fills the largest outputs first (ties: earlier first).

    Examples
    --------
    >>> tiho([(3, 3), (7, 0)], [2, 7, 1])
    [0, 3, 0]
    """
    _check(inputs, outputs)
    taint, result = sum(t for _, t in inputs), [0] * len(outputs)
    for i in sorted(range(len(outputs)), key=lambda i: (-outputs[i], i)):
        result[i] = min(outputs[i], taint)
        taint -= result[i]
    return result


def libr(history):
    """Lowest intermediate balance rule (Roscoe v Winder) at an account pool.

    ``history`` is the pool's time-ordered list of events ``(amount, tainted)``: a deposit has
    ``amount > 0`` and its tainted part; a withdrawal has ``amount < 0`` and ``tainted`` ignored.
    The holder spends his own money first (Re Hallett), so a withdrawal takes clean value before
    tainted; tainted balance can never exceed the balance, so a dip to X leaves at most X traceable.
    Returns the tainted amount of each withdrawal, in order, and the tainted balance left.

    Examples
    --------
    >>> libr([(10, 10), (5, 0), (-12, 0), (20, 0), (-20, 0)])  # balance dips to 3; later deposit is clean
    ([7, 0], 3)
    """
    balance = tainted = 0
    out = []
    for amount, t in history:
        if amount >= 0:
            if not 0 <= t <= amount:
                raise ValueError(f"tainted {t} not within 0..{amount}")
            balance += amount
            tainted += t
        else:
            if -amount > balance:
                raise ValueError(f"withdrawal {-amount} exceeds balance {balance}")
            clean = balance - tainted
            take = max(0, -amount - clean)
            balance += amount
            tainted -= take
            out.append(take)
    return out, tainted


RULES = {"poison": poison, "haircut": haircut, "fifo": fifo, "lifo": lifo, "tiho": tiho}
