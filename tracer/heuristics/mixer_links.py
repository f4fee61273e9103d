"""Mixer linking by the addresses around the mixer: direct transfers and gas funding.

- ``linked_addresses`` (Tutela's linked-transaction heuristic): a depositor and a later
  withdrawal address of the same pool that have transacted with each other directly, outside
  the mixer and any tagged service.
- ``gas_funding``: a withdrawal address that paid its own gas (no relayer) had to get that gas
  first; whoever sent its first coins, before it withdrew, funded it. When that funder deposited
  into the mixer too, the mixer hid nothing.

Both say the two addresses have one owner (link ``same owner``).
"""
from __future__ import annotations

from . import evidence as E
from .accounts import duration
from .mixer import POOL, Pools


def linked_addresses(transfers, tags=None, mixers=None, pools=None):
    """Rows ``a`` (a depositor) and ``b`` (a later withdrawal address of the same pool) that
    transacted directly. Confidence ``medium``: people who know each other transact too.

    Examples
    --------
    >>> from tracer.heuristics.examples import evm, send, call
    >>> E18 = 10**18
    >>> t = evm(send("0xu", "0xpool", E18, tx="0xd1", block=1),
    ...         call("0xw1", "0xrelayer", internal=[("0xpool", "0xr", E18)], block=9),
    ...         send("0xr", "0xu", 10**17, tx="0xback", block=20))
    >>> linked_addresses(t, mixers=["0xpool"])[["a", "b", "txs"]].values.tolist()
    [['0xu', '0xr', ('0xback', '0xd1', '0xw1')]]
    """
    p = pools or Pools.of(transfers, tags, mixers)
    dep, wd = p.deposits, p.withdrawals
    if dep.empty or wd.empty:
        return E.empty()
    known = p.services.known() | set(dep["pool"]) | set(wd["pool"])
    m = p.moves
    m = m[~m["from"].isin(known) & ~m["to"].isin(known)]
    depositors, recipients = set(dep["address"]), set(wd["address"])
    direct = {}
    for f, t, h in zip(m["from"], m["to"], m["tx_hash"], strict=True):
        for d, r in ((f, t), (t, f)):
            if d in depositors and r in recipients and d != r:
                direct.setdefault((d, r), []).append(h)
    rows = []
    for (d, r), txs in sorted(direct.items()):
        mine = dep[dep["address"] == d]
        theirs = wd[wd["address"] == r]
        pairs = mine.merge(theirs, on=POOL, suffixes=("_d", "_w"))
        pairs = pairs[pairs["time_d"] <= pairs["time_w"]]
        if pairs.empty:
            continue
        first = pairs.sort_values(["time_w", "time_d"], kind="stable").iloc[0]
        why = (f"{d} deposited into {p.pool_name(first)} in {first['tx_d']} and {r} withdrew from it in "
               f"{first['tx_w']}; the two transacted directly in {', '.join(dict.fromkeys(txs))}")
        rows.append({E.HEURISTIC: "mixer.linked_addresses", E.LINK: E.SAME_OWNER, E.CHAIN: first["chain"],
                     E.A: d, E.B_CHAIN: first["chain"], E.B: r, E.CONFIDENCE: E.MEDIUM, E.REASON: why,
                     E.TXS: tuple(dict.fromkeys(txs)) + (first["tx_d"], first["tx_w"])})
    return E.frame(rows)


def gas_funding(transfers, tags=None, mixers=None, pools=None):
    """Rows ``a`` funded ``b``, a fresh withdrawal address that sent its own withdrawal.

    ``b``'s first incoming transfer before its first self-sent withdrawal came from ``a`` (not a
    tagged service: an exchange paying a customer's withdrawal is a lead for a data request, not
    a link), and ``b`` sent nothing before. Confidence ``high`` when ``a`` itself deposited into a
    mixer pool before the withdrawal, else ``medium``.

    Examples
    --------
    >>> from tracer.heuristics.examples import evm, send, call
    >>> E18 = 10**18
    >>> t = evm(send("0xu", "0xpool", E18, tx="0xd1", block=1),
    ...         send("0xu", "0xfresh", 10**16, tx="0xgas", block=5),
    ...         call("0xw1", "0xfresh", internal=[("0xpool", "0xfresh", E18)], block=9))
    >>> e = gas_funding(t, mixers=["0xpool"])
    >>> e[["a", "b", "txs", "confidence"]].values.tolist()
    [['0xu', '0xfresh', ('0xgas', '0xw1'), 'high']]
    """
    p = pools or Pools.of(transfers, tags, mixers)
    wd = p.withdrawals
    own = wd[wd["sender"] == wd["address"]]
    if own.empty:
        return E.empty()
    known = p.services.known() | set(wd["pool"]) | set(p.deposits["pool"])
    m = p.moves
    rows = []
    for r, g in own.groupby("address", sort=True):
        w = g.sort_values(["time", "block"], kind="stable").iloc[0]
        before = m[(m["chain"] == w["chain"]) & (m["timestamp"] <= w["time"])
                   & (m["tx_hash"] != w["tx"])]
        sent = before[before["from"] == r]
        got = before[before["to"] == r]
        if got.empty:
            continue
        fund = got.iloc[0]
        if fund["from"] in known or (not sent.empty and sent.index[0] < fund.name):
            continue
        dep = p.deposits
        deposited = dep[(dep["chain"] == w["chain"]) & (dep["address"] == fund["from"]) & (dep["time"] <= w["time"])]
        why = (f"{r} withdrew from {p.pool_name(w)} in {w['tx']} paying its own gas (no relayer); its first "
               f"coins came from {fund['from']} in {fund['tx_hash']}, {duration(w['time'] - fund['timestamp'])} before"
               + (f", and {fund['from']} had deposited into the mixer ({deposited.iloc[0]['tx']})"
                  if not deposited.empty else ""))
        rows.append({E.HEURISTIC: "mixer.gas_funding", E.LINK: E.SAME_OWNER, E.CHAIN: w["chain"], E.A: fund["from"],
                     E.B: r, E.CONFIDENCE: E.HIGH if not deposited.empty else E.MEDIUM, E.REASON: why,
                     E.TXS: (fund["tx_hash"], w["tx"])})
    return E.frame(rows)
