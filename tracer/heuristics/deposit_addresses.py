"""EVM deposit-address clustering (Victor, "Address Clustering Heuristics for Ethereum", FC 2020).

An exchange gives each customer a deposit address of their own and forwards what arrives there
to its hot wallet. So an address that forwards what it receives to an exchange, soon and almost
all of it, is a deposit address, and the addresses that pay into it are one customer's: Victor
clusters them together (the heuristic that clusters most addresses on Ethereum, by his count).

The rule here: for each transfer from an untagged address ``D`` to an exchange address (known
from the tags), the value ``D`` received since its previous forward and at most ``max_delay``
before this one must exceed the forward by no more than ``max_difference`` (what ``D`` may
have spent on gas), in the same asset. Victor matches one deposit to one forward
(``etherclust``'s defaults: 0.01 ETH and 10,000 blocks, about 36 hours); an exchange that sweeps
several deposits at once, as the lab's do, is matched by their sum.
"""
from __future__ import annotations

from fractions import Fraction

from . import evidence as E
from .accounts import ZERO, duration, moves
from .services import EXCHANGE, Services, addresses

#: Victor's (etherclust's) defaults: at most 0.01 ETH kept back, forwarded within ~10,000 blocks
MAX_DIFFERENCE = Fraction(1, 100)  # in whole units of the asset
MAX_DELAY = 36 * 3600


def deposit_addresses(transfers, tags=None, exchanges=None, max_difference=MAX_DIFFERENCE, max_delay=MAX_DELAY):
    """Evidence rows: ``a`` paid into ``b``, a deposit address (link ``same owner``, ``group`` = ``b``).

    Parameters
    ----------
    tags : tags table or dict, optional
        Exchanges are the addresses of category ``exchange``.
    exchanges : iterable of str, optional
        Exchange addresses, instead of the tags'.
    max_difference : Fraction
        Whole units of the asset a deposit address may keep back (its gas).
    max_delay : int
        Seconds between a deposit and the forward that carries it on.

    Confidence: ``high`` when two or more forwards of ``b`` matched, ``medium`` for one.
    Tagged services never join a cluster as customers.

    Examples
    --------
    >>> from tracer.heuristics.examples import evm, send, call
    >>> t = evm(send("0xalice", "0xdep", 10**18, tx="0x1", block=1),
    ...         send("0xalice2", "0xdep", 2 * 10**18, tx="0x2", block=2),
    ...         call("0x3", "0xexchange", internal=[("0xdep", "0xhot", 3 * 10**18)], block=3))
    >>> e = deposit_addresses(t, exchanges=["0xhot"])
    >>> e[["a", "b", "confidence"]].values.tolist()
    [['0xalice', '0xdep', 'medium'], ['0xalice2', '0xdep', 'medium']]
    """
    services = Services.from_tags(tags)
    ex = addresses(exchanges, services.of(EXCHANGE))
    if not ex:
        return E.empty()
    known = services.known() | ex | {ZERO}
    m = moves(transfers)
    rows = []
    for (chain, asset), part in m.groupby([m["chain"], m["asset"]], sort=True):
        matched = _matches(part, ex, known, max_difference, max_delay)
        for d, found in matched.items():
            level = E.HIGH if len(found) >= 2 else E.MEDIUM
            hot = sorted({f["to"] for f, _ in found})
            names = ", ".join(services.name(h) for h in hot)
            payers = {}
            for forward, deposits in found:
                for dep in deposits:
                    payers.setdefault(dep["from"], []).append((dep, forward))
            for payer, items in payers.items():
                if payer in known:
                    continue
                txs = tuple(dict.fromkeys([x[0]["tx_hash"] for x in items] + [x[1]["tx_hash"] for x in items]))
                delays = [x[1]["timestamp"] - x[0]["timestamp"] for x in items]
                why = (f"{d} forwards what it receives to {names}: {len(found)} forward(s), each within "
                       f"{duration(max_delay)} of the deposits before it and short of them by at most "
                       f"{max_difference} {asset if asset != 'ETH' else 'ETH'}: a deposit address, one customer's; "
                       f"{payer} paid it {len(items)} time(s), forwarded after {duration(min(delays))}"
                       + (f" to {duration(max(delays))}" if max(delays) != min(delays) else ""))
                rows.append({E.HEURISTIC: "deposit_address", E.LINK: E.SAME_OWNER, E.CHAIN: chain, E.A: payer,
                             E.B: d, E.GROUP: d, E.CONFIDENCE: level, E.REASON: why, E.TXS: txs})
    return E.frame(rows)


def _matches(part, exchanges, known, max_difference, max_delay):
    """Deposit address -> [(forward row, [deposit rows])] for every forward that matched."""
    recs = part.to_dict("records")
    for k, r in enumerate(recs):
        r["_pos"] = k  # moves() gives the chain's order
    forwards = {}
    for r in recs:
        if r["to"] in exchanges and r["from"] not in known:
            forwards.setdefault(r["from"], []).append(r)
    if not forwards:
        return {}
    incoming = {d: [] for d in forwards}
    for r in recs:
        if r["to"] in incoming and r["from"] != r["to"]:
            incoming[r["to"]].append(r)
    out = {}
    for d, fws in forwards.items():
        decimals = fws[0]["decimals"]
        slack = max_difference * 10**int(decimals) if decimals is not None else 0
        last = None
        found = []
        for f in fws:
            deposits = [r for r in incoming[d] if r["_pos"] < f["_pos"] and (last is None or last["_pos"] < r["_pos"])
                        and f["timestamp"] - r["timestamp"] <= max_delay]
            total = sum(int(r["amount"]) for r in deposits)
            if deposits and 0 <= total - int(f["amount"]) <= slack:
                found.append((f, deposits))
            last = f
        if found:
            out[d] = found
    return out

