"""Path finding: how value could have gone from one address to another, respecting time.

A path is only a possibility: it shows that funds *could* have moved from A to B (each hop
leaves after the previous one arrived), not how much did; for amounts, trace under a rule with
B as a stop (:func:`tracer.trace.trace` with ``stop={b}``).
"""
import pandas as pd

from tracer import transfers as T
from tracer.errors import SourceError
from tracer.sources import clean_address

PATH_COLUMNS = ["hops", "addresses", "txs", "arrival"]


def find_paths(transfers, a, b, hops=6, start=None, end=None, limit=10):
    """Fewest-hop, time-respecting paths from address ``a`` to address ``b``.

    Breadth-first by hops; at each address only the earliest arrival is expanded (a later arrival
    can reach nothing an earlier one cannot). UTXO transactions are nodes between their inputs and
    outputs and are not counted as hops; a path lists each transaction once.

    Parameters
    ----------
    transfers : pandas.DataFrame
        A transfers table.
    a, b : str
        Addresses, cleaned as a trace's sources are (an EVM address copied from a brief in its
        mixed-case EIP-55 form is checked and lower-cased).
    hops : int
        Longest path, in transactions.
    start, end : int, optional
        Unix-time window.
    limit : int
        At most this many paths, those arriving earliest first.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PATH_COLUMNS`: hop count, the addresses and the tx hashes along the path,
        and the arrival time at ``b``. Empty if ``b`` cannot be reached.

    Raises
    ------
    tracer.errors.SourceError
        An address is malformed, or does not appear in the data.

    Examples
    --------
    >>> from tracer.handmade import account
    >>> t = account([("t0", "x", "b", 5),    # before x was paid: no path through it
    ...              ("t1", "a", "x", 5), ("t2", "x", "b", 5)])
    >>> find_paths(t, "a", "b")[["hops", "addresses", "txs"]].values.tolist()
    [[2, ['a', 'x', 'b'], ['t1', 't2']]]
    """
    a, b = clean_address(a), clean_address(b)
    for x in (a, b):  # else "no path" would hide a typo, or an address of another case
        if not ((transfers[T.FROM] == x) | (transfers[T.TO] == x)).any():
            raise SourceError(f"address {x} does not appear in the data")
    t = T.sort(T.window(transfers, start, end))
    out = {}
    for frm, to, txh, ts, blk in zip(t[T.FROM], t[T.TO], t[T.TX_HASH], t[T.TIMESTAMP], t[T.BLOCK], strict=True):
        out.setdefault(frm, []).append(((blk, -1 if ts is None or ts != ts else ts), to, txh))
    # arrival is compared as (block, time): timestamps can tie within a block
    best = {a: (-1, -1)}
    frontier = {a: ((-1, -1), [a], [])}
    found = []
    for _ in range(hops):
        nxt = {}
        for addr, (arrived, addrs, txs) in frontier.items():
            for reach, here, more in _expand(out, addr, arrived, addrs, txs):
                if here == b:
                    found.append((len(more[1]), more[0], more[1], reach))
                elif here not in best or reach < best[here]:
                    best[here] = reach
                    nxt[here] = (reach, *more)
        if found:
            break
        frontier = nxt
    found.sort(key=lambda f: (f[3][0], f[2]))
    return pd.DataFrame([(h, addrs, txs, r[1]) for h, addrs, txs, r in found[:limit]], columns=PATH_COLUMNS)


def _expand(out, addr, arrived, addrs, txs, within=None):
    """One transaction onward from ``addr``; UTXO transaction nodes and value passing through a
    contract inside the same transaction stay within the hop."""
    for when, to, txh in out.get(addr, ()):
        if when < arrived or to == T.FEE_ADDRESS or (within is not None and txh != within):
            continue
        if to in addrs:  # no cycles
            continue
        more = txs if txs and txs[-1] == txh else txs + [txh]
        if to == txh:  # into a UTXO transaction: out through its outputs
            for when2, to2, _ in out.get(txh, ()):
                if to2 != T.FEE_ADDRESS:
                    yield when2, to2, (addrs + [to2], more)
        else:
            yield when, to, (addrs + [to], more)
            yield from _expand(out, to, when, addrs + [to], more, within=txh)
