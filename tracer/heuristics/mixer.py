"""Mixer linking: which withdrawal from a Tornado-style mixer pays out which deposit.

Nothing on chain links a deposit to its withdrawal; what does is the depositor's behaviour.
Tutela (Wu et al., "Tutela: An Open-Source Tool for Assessing User-Privacy on Ethereum and
Tornado Cash", 2022) names the heuristics, adapted here to the lab mixer (one pool per
denomination, relayers that send withdrawals for a fee):

- ``same_address`` (Tutela's address match): the withdrawal goes to an address that deposited
  into the same pool before.
- ``unique_gas_price``: a deposit and a withdrawal the recipient sent itself (no relayer) with
  the same gas price, used by no other deposit of the pool (people who set their own gas price
  reuse it). Needs ``gas_price``.
- ``multi_denomination`` (Tutela's "same number of transactions"): an address's deposits within
  a day into several pools (say 1 x 10 ETH and 3 x 1 ETH) and another address's withdrawals
  within a day of exactly the same pools and counts, after them.
- ``timing``: a withdrawal within ``window`` of a deposit into the same pool, the only one in
  that window (a hasty launderer).
- ``linked_addresses`` and ``gas_funding`` (:mod:`tracer.heuristics.mixer_links`): the two
  sides transact directly, or the depositor's side pays the withdrawal address's gas.

Pools are the tagged ``mixing_service`` addresses that take deposits, one pool per chain: a
contract deployed alike on two chains has one address on both (CREATE2 factories, or one deployer
at one nonce), and a deposit on one chain is never paid out on the other. A withdrawal is value a
pool sends to an address that is neither a tagged service nor the transaction's sender taking
a relayer's fee beside it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tracer import transfers as T

from . import evidence as E
from .accounts import duration, moves
from .columns import GAS_PRICE
from .services import MIXER, Services, addresses

DAY = 86_400
#: the columns that name a pool
POOL = ["chain", "pool"]
#: the timing heuristic's window: a withdrawal this soon after a deposit
WINDOW = 3_600


@dataclass
class Pools:
    """The deposits and withdrawals of every mixer pool in a table.

    ``deposits`` and ``withdrawals``: one row each, columns ``chain, pool, address, tx, time,
    block, amount, sender, gas_price``; ``address`` is the depositor or the withdrawal's
    recipient, ``sender`` who sent (and paid gas for) the transaction. A pool is (``chain``,
    ``pool``): :data:`POOL` is what to group by; ``denomination`` maps each to its amount.
    """

    deposits: pd.DataFrame
    withdrawals: pd.DataFrame
    denomination: dict
    services: Services
    moves: pd.DataFrame

    @classmethod
    def of(cls, transfers, tags=None, mixers=None):
        services = Services.from_tags(tags)
        pools = addresses(mixers, services.of(MIXER))
        m = moves(transfers)
        known = services.known() | pools
        gas = m[GAS_PRICE] if GAS_PRICE in m.columns else pd.Series([None] * len(m), index=m.index)
        frame = pd.DataFrame({"chain": m[T.CHAIN], "tx": m[T.TX_HASH], "time": m[T.TIMESTAMP], "block": m[T.BLOCK],
                              "from": m[T.FROM], "to": m[T.TO], "amount": m[T.AMOUNT], "kind": m[T.KIND],
                              "sender": m["sender"], "gas_price": gas, "asset": m[T.ASSET]})
        dep = frame[frame["to"].isin(pools) & ~frame["from"].isin(known) & (frame["kind"] == T.NATIVE)]
        dep = dep.rename(columns={"to": "pool", "from": "address"})
        out = frame[frame["from"].isin(pools) & ~frame["to"].isin(known)]
        # a relayer's fee: to the transaction's sender, beside the payout in the same transaction
        n_in_tx = out.groupby(["chain", "tx"])["tx"].transform("size")
        out = out[~((out["to"] == out["sender"]) & (n_in_tx > 1))]
        out = out.rename(columns={"from": "pool", "to": "address"})
        cols = ["chain", "pool", "address", "tx", "time", "block", "amount", "sender", "gas_price"]
        denom = {p: Counter(g["amount"].tolist()).most_common(1)[0][0] for p, g in dep.groupby(POOL)}
        return cls(dep[cols].reset_index(drop=True), out[cols].reset_index(drop=True), denom, services, m)

    def pool_name(self, row):
        """The pool of a deposit or withdrawal ``row``, in words."""
        d = self.denomination.get((row["chain"], row["pool"]))
        return f"the {E.units(d, 18, 'ETH')} pool {row['pool']}" if d is not None else f"the pool {row['pool']}"


def _pair_row(name, level, d, w, why, group=None):
    return {E.HEURISTIC: f"mixer.{name}", E.LINK: E.SAME_FUNDS, E.CHAIN: d["chain"], E.A: d["address"],
            E.B_CHAIN: w["chain"], E.B: w["address"], E.GROUP: group, E.CONFIDENCE: level, E.REASON: why,
            E.TXS: (d["tx"], w["tx"])}


def same_address(transfers, tags=None, mixers=None, pools=None):
    """Withdrawals to an address that deposited into the same pool before (Tutela's address match).

    One row per (earlier deposit, withdrawal); confidence ``high`` when the address made one such
    deposit, ``medium`` when several (which of them is paid out is not known).

    Examples
    --------
    >>> from tracer.heuristics.examples import evm, send, call
    >>> E18 = 10**18
    >>> t = evm(send("0xu", "0xpool", E18, tx="0xd1", block=1),
    ...         send("0xv", "0xpool", E18, tx="0xd2", block=2),
    ...         call("0xw1", "0xrelayer", internal=[("0xpool", "0xu", 997 * E18 // 1000),
    ...                                             ("0xpool", "0xrelayer", 3 * E18 // 1000)], block=9))
    >>> same_address(t, mixers=["0xpool"])[["a", "b", "txs", "confidence"]].values.tolist()
    [['0xu', '0xu', ('0xd1', '0xw1'), 'high']]
    """
    p = pools or Pools.of(transfers, tags, mixers)
    w_cols = {c: f"{c}_w" for c in p.withdrawals.columns if c not in (*POOL, "address")}
    m = p.withdrawals.rename(columns=w_cols).merge(p.deposits, on=[*POOL, "address"], sort=False)
    m = m[(m["time"] <= m["time_w"]) & (m["tx"] != m["tx_w"])]
    n = m.groupby("tx_w")["tx"].transform("size")
    rows = []
    for r, k in zip(m.to_dict("records"), n, strict=True):
        dep = {c: r[c] for c in p.deposits.columns}
        w = {**{c: r[f"{c}_w"] for c in w_cols}, **{c: r[c] for c in (*POOL, "address")}}
        why = (f"{w['address']} deposited into {p.pool_name(w)} in {dep['tx']} and withdrew from it "
               f"{duration(w['time'] - dep['time'])} later in {w['tx']}: the same address on both sides")
        rows.append(_pair_row("same_address", E.HIGH if k == 1 else E.MEDIUM, dep, w, why))
    return E.frame(rows)


def unique_gas_price(transfers, tags=None, mixers=None, pools=None):
    """A deposit and a self-sent withdrawal of one pool with the same gas price, unique among the pool's deposits.

    Confidence ``high`` when no other self-sent withdrawal of the pool has that price, else ``medium``.
    Needs the ``gas_price`` column.
    """
    E.needs(transfers, [GAS_PRICE], "mixer.unique_gas_price")
    p = pools or Pools.of(transfers, tags, mixers)
    rows = []
    own = p.withdrawals[p.withdrawals["sender"] == p.withdrawals["address"]]
    for (chain, pool), deps in p.deposits.groupby(POOL):
        counts = deps["gas_price"].value_counts()
        unique = deps[deps["gas_price"].map(counts) == 1]
        mine = own[(own["chain"] == chain) & (own["pool"] == pool)]
        w_counts = mine["gas_price"].value_counts()
        for dep in unique.to_dict("records"):
            hit = mine[(mine["gas_price"] == dep["gas_price"]) & (mine["time"] >= dep["time"])]
            if hit.empty:
                continue
            w = hit.iloc[0].to_dict()
            why = (f"{dep['address']}'s deposit {dep['tx']} into {p.pool_name(dep)} is the pool's only one at gas "
                   f"price {int(dep['gas_price']):,} wei; {w['address']} withdrew at that price, paying its own gas, "
                   f"in {w['tx']}")
            rows.append(_pair_row("unique_gas_price", E.HIGH if w_counts[dep["gas_price"]] == 1 else E.MEDIUM,
                                  dep, w, why))
    return E.frame(rows)


def timing(transfers, tags=None, mixers=None, pools=None, window=WINDOW):
    """A withdrawal within ``window`` seconds of a deposit into the same pool, the only deposit in that window.

    Confidence ``medium``: an honest user's deposit can be the only one in a quiet hour.
    """
    p = pools or Pools.of(transfers, tags, mixers)
    rows = []
    by_pool = {pool: g.sort_values("time", kind="stable").reset_index(drop=True)
               for pool, g in p.deposits.groupby(POOL)}
    for w in p.withdrawals.to_dict("records"):
        d = by_pool.get((w["chain"], w["pool"]))
        if d is None:
            continue
        times = d["time"].to_numpy()
        lo, hi = np.searchsorted(times, w["time"] - window, "left"), np.searchsorted(times, w["time"], "right")
        near = d.iloc[lo:hi]
        near = near[near["tx"] != w["tx"]]
        if len(near) != 1 or near.iloc[0]["address"] == w["address"]:
            continue  # (same_address says the latter)
        dep = near.iloc[0].to_dict()
        why = (f"{w['address']} withdrew from {p.pool_name(w)} in {w['tx']} "
               f"{duration(w['time'] - dep['time'])} after {dep['address']} deposited in {dep['tx']}, the only "
               f"deposit into it in the {duration(window)} before")
        rows.append(_pair_row("timing", E.MEDIUM, dep, w, why))
    return E.frame(rows)


def _sessions(events, window):
    """Runs of one address's events, each within ``window`` of the run's first, as lists of rows."""
    runs = []
    for r in sorted(events, key=lambda r: (r["time"], r["block"], r["tx"])):
        if runs and r["time"] - runs[-1][0]["time"] <= window:
            runs[-1].append(r)
        else:
            runs.append([r])
    return runs


def multi_denomination(transfers, tags=None, mixers=None, pools=None, window=DAY):
    """One address's deposits into several pools within ``window``, withdrawn later to another address
    within ``window`` in exactly the same pools and counts (Tutela's multi-denomination heuristic).

    Confidence ``high`` when one deposit session alone has that portfolio before the withdrawals,
    ``low`` when two or three do (a row for each), none when more.
    """
    p = pools or Pools.of(transfers, tags, mixers)

    def portfolio(run):
        return tuple(sorted(Counter((r["chain"], r["pool"]) for r in run).items()))

    dep_runs = {}  # portfolio -> the deposit sessions that have it
    for _, g in p.deposits.groupby("address"):
        for run in _sessions(g.to_dict("records"), window):
            dep_runs.setdefault(portfolio(run), []).append(run)
    rows = []
    for address, g in p.withdrawals.groupby("address"):
        for run in _sessions(g.to_dict("records"), window):
            mix = portfolio(run)
            if len(mix) < 2:
                continue
            start = min(r["time"] for r in run)
            found = [d for d in dep_runs.get(mix, ()) if max(r["time"] for r in d) <= start
                     and d[0]["address"] != address]
            if not found or len(found) > 3:
                continue
            shown = ", ".join(f"{n} x {E.units(p.denomination.get(pool, 0), 18, 'ETH')}" for pool, n in mix)
            for d in found:
                why = (f"{d[0]['address']} deposited {shown} within {duration(window)}; {address} withdrew exactly "
                       f"{shown} within {duration(window)}, after"
                       + ("" if len(found) == 1 else f" (one of {len(found)} depositors with that portfolio)"))
                row = _pair_row("multi_denomination", E.HIGH if len(found) == 1 else E.LOW, d[0], run[0], why,
                                group=f"{d[0]['address']}>{address}")
                row[E.TXS] = tuple(r["tx"] for r in d) + tuple(r["tx"] for r in run)
                rows.append(row)
    return E.frame(rows)
