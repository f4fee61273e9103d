"""Change detection: which output of a transaction goes back to its sender.

Each heuristic is BlockSci's (``blocksci.heuristics.change``, Möser and Narayanan), named as
BlockSci names it, and returns, per transaction, the set of outputs it cannot rule out as change
(never OP_RETURN outputs). A heuristic identifies the change of a transaction when that set
holds exactly one of two or more spendable outputs; only those become evidence rows. CoinJoins
and coinbases are left out (in a CoinJoin every participant has their own change).

- ``address_reuse``: outputs to an address the transaction also spends from (careless wallets
  send change back to the sender).
- ``address_type``: when every input is of one script type, the outputs of that type (a wallet
  pays change to its own kind of address; the payee's may differ). Needs ``script_type``.
- ``optimal_change``: outputs smaller than the smallest input (had the change been larger than
  an input, the wallet would not have needed that input).
- ``power_of_ten_value``: outputs that are not a multiple of ``10**digits`` satoshi (people pay
  round amounts; change is what is left; BlockSci's default ``digits=6``, 0.01 BTC).
- ``locktime``: outputs unspent, or spent by a transaction that sets nLockTime as this one does
  (> 0 or 0: Bitcoin Core's anti-fee-sniping sets it, other wallets do not; the owner's next
  transaction carries the same fingerprint). Needs ``locktime``.
- ``version``: likewise for the transaction version (not in BlockSci; one of the wallet
  fingerprints of Möser and Narayanan's change model). Needs ``version``.
- ``client_change_address_behavior``: outputs to an address that appears here for the first
  time (wallets make a fresh address for change; BlockSci's "client change address behavior",
  the fresh-address heuristic).
- ``peeling_chain``: in a transaction of a peel chain (one input, two outputs, next to another
  such transaction), the outputs unspent or spent by a transaction of the same shape (the
  change continues the chain).

Combined: ``legacy`` (BlockSci's legacy heuristic: the one output that is both smaller than the
smallest input and to a fresh address, of two or more outputs), ``vote`` (every heuristic that
names a change votes; two or more that agree, with none naming another output), and
:func:`unique_change` for any intersection of candidate sets (BlockSci's ``&``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import evidence as E
from .coinjoin import is_coinjoin
from .columns import LOCKTIME, SCRIPT_TYPE, VERSION
from .utxo import UtxoView, views

#: name -> (confidence when it alone names the change, the optional column it needs)
HEURISTICS = {
    "address_reuse": (E.HIGH, None),
    "address_type": (E.LOW, SCRIPT_TYPE),
    "optimal_change": (E.MEDIUM, None),
    "power_of_ten_value": (E.LOW, None),
    "locktime": (E.LOW, LOCKTIME),
    "version": (E.LOW, VERSION),
    "client_change_address_behavior": (E.LOW, None),
    "peeling_chain": (E.MEDIUM, None),
}
#: BlockSci's default for power_of_ten_value: multiples of 10**6 satoshi (0.01 BTC) are round
DIGITS = 6


def candidates(view: UtxoView, name, digits=DIGITS):
    """A boolean per output of ``view``: not ruled out as change by heuristic ``name``."""
    n_tx = view.n_txs
    tx = view.out_tx
    if name == "address_reuse":
        width = len(view.addresses)
        return np.isin(tx * width + view.out_addr, view.in_tx * width + view.in_addr)
    if name == "address_type":
        types = pd.Series(view.table[SCRIPT_TYPE].to_numpy(dtype=object)).fillna("").to_numpy(dtype=object)
        in_t, out_t = types[view.in_row], types[view.out_row]
        codes, _ = pd.factorize(np.r_[in_t, out_t])
        codes[np.r_[in_t, out_t] == ""] = -1  # a type the data does not give matches nothing
        in_c, out_c = codes[:len(in_t)], codes[len(in_t):]
        lo = np.full(n_tx, np.iinfo(np.int64).max)
        hi = np.full(n_tx, -1)
        np.minimum.at(lo, view.in_tx, in_c)
        np.maximum.at(hi, view.in_tx, in_c)
        one_type = (lo == hi) & (lo >= 0)
        return one_type[tx] & (out_c == lo[tx])
    if name == "optimal_change":
        return view.out_value < _min_input(view)[tx]
    if name == "power_of_ten_value":
        return view.out_value % 10**digits != 0
    if name in ("locktime", "version"):
        column = LOCKTIME if name == "locktime" else VERSION
        raw = view.tx_column(column)
        if name == "locktime":
            value = np.array([int(v) > 0 if v is not None and not pd.isna(v) else False for v in raw])
        else:
            value = np.array([int(v) if v is not None and not pd.isna(v) else -1 for v in raw])
        s = view.spender
        return (s < 0) | (value[np.maximum(s, 0)] == value[tx])
    if name == "client_change_address_behavior":
        return view.first_seen[view.out_addr] == 2 * view.rank[tx]
    if name == "peeling_chain":
        peel = peel_shaped(view)
        s = view.spender
        return peel["is_peel"][tx] & ((s < 0) | peel["looks"][np.maximum(s, 0)])
    raise ValueError(f"unknown change heuristic {name!r} (one of {', '.join(HEURISTICS)})")


def _min_input(view):
    lo = np.full(view.n_txs, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(lo, view.in_tx, view.in_value)
    return lo


def peel_shaped(view: UtxoView):
    """BlockSci's peel-chain test per transaction: ``looks`` (one input, two outputs) and
    ``is_peel`` (looks so, and so does the transaction it spends from or one that spends it)."""
    looks = (view.n_in == 1) & (view.n_out == 2)
    prev = np.zeros(view.n_txs, dtype=bool)
    st = view.spent_tx
    known = st >= 0
    prev[view.in_tx[known]] = looks[st[known]]
    nxt = np.zeros(view.n_txs, dtype=bool)
    s = view.spender
    spent = s >= 0
    np.logical_or.at(nxt, view.out_tx[spent], looks[s[spent]])
    return {"looks": looks, "is_peel": looks & (prev | nxt)}


def _eligible(view, coinjoin_rule="either"):
    ok = ~view.coinbase
    if coinjoin_rule is not None:
        ok &= ~is_coinjoin(view, coinjoin_rule)
    return ok


def _unique(view, mask, eligible):
    """Output positions that are the only candidate of their transaction, which has 2+ spendable outputs."""
    sp = view.spendable
    n_sp = np.bincount(view.out_tx[sp], minlength=view.n_txs)
    hit = mask & sp
    n_hit = np.bincount(view.out_tx[hit], minlength=view.n_txs)
    good = eligible & (n_hit == 1) & (n_sp >= 2)
    return np.flatnonzero(hit & good[view.out_tx])


def change(transfers, heuristic, digits=DIGITS, coinjoin_rule="either"):
    """Evidence rows of one change heuristic (a name of :data:`HEURISTICS`, or ``legacy``, ``vote``).

    Each row: link ``change``, ``a`` the transaction's first input address, ``b`` the change
    address, ``output`` the change output (``txid:vout``), ``txs`` the transaction (and the
    spending transaction where the heuristic read it).

    Raises
    ------
    MissingColumnError
        If the heuristic needs an optional column the table lacks.

    Examples
    --------
    Alice pays a shop 0.06 BTC and gets the rest back at her own address:

    >>> from tracer.heuristics.examples import tx, utxo
    >>> t = utxo(tx("t1", [("alice", 10_000_000)], [("shop", 6_000_000), ("alice", 3_990_000)]))
    >>> e = change(t, "address_reuse")
    >>> e[["a", "b", "output", "confidence"]].values.tolist()
    [['alice', 'alice', 't1:1', 'high']]
    >>> change(t, "power_of_ten_value")["output"].tolist()   # 0.06 BTC is round, 0.0399 BTC is not
    ['t1:1']
    """
    if heuristic == "legacy":
        return _legacy(transfers, coinjoin_rule)
    if heuristic == "vote":
        return vote(transfers, digits=digits, coinjoin_rule=coinjoin_rule)
    if heuristic not in HEURISTICS:
        raise ValueError(f"unknown change heuristic {heuristic!r} (one of {', '.join(HEURISTICS)}, legacy, vote)")
    level, column = HEURISTICS[heuristic]
    if column is not None:
        E.needs(transfers, [column], f"change.{heuristic}")
    rows = []
    for view in views(transfers):
        mask = candidates(view, heuristic, digits)
        for o in _unique(view, mask, _eligible(view, coinjoin_rule)):
            rows.append(_row(view, o, f"change.{heuristic}", level, _why(view, o, heuristic, digits),
                             _read_spender(view, o, heuristic)))
    return E.frame(rows)


def unique_change(transfers, using, digits=DIGITS, coinjoin_rule="either"):
    """Evidence rows where the intersection of the ``using`` heuristics' candidates is one output.

    The combination is BlockSci's ``&``: an output is change only if no heuristic of ``using``
    rules it out. Confidence: ``high`` for three or more heuristics, else ``medium``.
    """
    using = tuple(using)
    for h in using:
        if h not in HEURISTICS:
            raise ValueError(f"unknown change heuristic {h!r} (one of {', '.join(HEURISTICS)})")
        if HEURISTICS[h][1] is not None:
            E.needs(transfers, [HEURISTICS[h][1]], f"change.{h}")
    name = "change." + "&".join(using)
    rows = []
    for view in views(transfers):
        mask = np.ones(len(view.out_tx), dtype=bool)
        for h in using:
            mask &= candidates(view, h, digits)
        for o in _unique(view, mask, _eligible(view, coinjoin_rule)):
            why = (f"output {view.out_vout[o]} of {view.tx_hash[view.out_tx[o]]} is the only one none of "
                   f"{', '.join(using)} rules out as change")
            rows.append(_row(view, o, name, E.HIGH if len(using) >= 3 else E.MEDIUM, why, None))
    return E.frame(rows)


def available(transfers):
    """The change heuristics whose columns ``transfers`` has."""
    return [h for h, (_, c) in HEURISTICS.items() if c is None or c in transfers.columns]


def vote(transfers, using=None, digits=DIGITS, coinjoin_rule="either"):
    """Evidence rows where two or more heuristics name the same change output and none names another.

    ``using`` defaults to every heuristic whose column the table has. Confidence ``high`` with
    three or more votes, ``medium`` with two.
    """
    using = available(transfers) if using is None else list(using)
    rows = []
    for view in views(transfers):
        eligible = _eligible(view, coinjoin_rule)
        votes = {}
        for h in using:
            for o in _unique(view, candidates(view, h, digits), eligible):
                votes.setdefault(int(view.out_tx[o]), {}).setdefault(int(o), []).append(h)
        for t, named in votes.items():
            if len(named) != 1:
                continue  # the heuristics disagree about this transaction
            (o, hs), = named.items()
            if len(hs) < 2:
                continue
            why = (f"{len(hs)} heuristics name output {view.out_vout[o]} of {view.tx_hash[t]} as change "
                   f"({', '.join(hs)}) and none names another")
            rows.append(_row(view, o, "change.vote", E.HIGH if len(hs) >= 3 else E.MEDIUM, why, None))
    return E.frame(rows)


def _legacy(transfers, coinjoin_rule):
    rows = []
    for view in views(transfers):
        mask = candidates(view, "optimal_change") & candidates(view, "client_change_address_behavior")
        for o in _unique(view, mask, _eligible(view, coinjoin_rule)):
            t = view.out_tx[o]
            why = (f"output {view.out_vout[o]} of {view.tx_hash[t]} is the only one both smaller than every input "
                   "and to an address seen here first (BlockSci's legacy heuristic)")
            rows.append(_row(view, o, "change.legacy", E.MEDIUM, why, None))
    return E.frame(rows)


def _row(view, o, name, level, why, spender):
    t = view.out_tx[o]
    first = view.inputs_of(t)[0]
    txs = (view.tx_hash[t],) + ((view.tx_hash[spender],) if spender is not None else ())
    return {E.HEURISTIC: name, E.LINK: E.CHANGE, E.CHAIN: view.chain, E.A: view.addresses[view.in_addr[first]],
            E.B: view.addresses[view.out_addr[o]], E.OUTPUT: view.outpoint(o), E.CONFIDENCE: level,
            E.REASON: why, E.TXS: txs}


def _read_spender(view, o, heuristic):
    s = view.spender[o]
    return int(s) if heuristic in ("locktime", "version", "peeling_chain") and s >= 0 else None


def _why(view, o, heuristic, digits):
    t = view.out_tx[o]
    h, vout = view.tx_hash[t], int(view.out_vout[o])
    amount = E.units(view.out_value[o], 8, "BTC")
    address = view.addresses[view.out_addr[o]]
    if heuristic == "address_reuse":
        return (f"output {vout} of {h} pays {address}, an address the transaction also spends from: change back to "
                "the sender")
    if heuristic == "address_type":
        kind = view.table[SCRIPT_TYPE].to_numpy(dtype=object)[view.out_row[o]]
        return (f"every input of {h} is {kind}, and only output {vout} is of that type: a wallet pays change to its "
                "own kind of address")
    if heuristic == "optimal_change":
        smallest = E.units(_min_input(view)[t], 8, "BTC")
        return (f"output {vout} of {h} ({amount}) is the only one smaller than the smallest input ({smallest}): "
                "a wallet would not have spent that input to pay it")
    if heuristic == "power_of_ten_value":
        return (f"output {vout} of {h} ({amount}) is the only one not a multiple of {E.units(10**digits, 8, 'BTC')}: "
                "payments are round, change is what is left")
    if heuristic in ("locktime", "version"):
        value = view.tx_column(LOCKTIME if heuristic == "locktime" else VERSION)[t]
        what = (f"sets nLockTime {'above 0' if int(value) > 0 else 'to 0'}" if heuristic == "locktime"
                else f"is version {int(value)}")
        s = view.spender[o]
        then = (f"spent by {view.tx_hash[s]}, which does the same" if s >= 0 else "unspent")
        return (f"{h} {what}; output {vout} is the only one not spent by a transaction that does otherwise "
                f"({then}): the owner's wallet leaves the same fingerprint")
    if heuristic == "client_change_address_behavior":
        return (f"output {vout} of {h} pays {address}, which appears here for the first time; every other output pays "
                "an address seen before: wallets make a fresh address for change")
    s = view.spender[o]
    then = f"spent by {view.tx_hash[s]}, of the same shape" if s >= 0 else "unspent"
    return (f"{h} has one input and two outputs, next to transactions of the same shape (a peel chain); output {vout} "
            f"is the only one that can continue it ({then})")
