"""Cross-chain matching: a bridge's lock to its mint, an instant swap's deposit to its payout.

Nothing in the transfers joins the two legs of a cross-chain move (a bridge's events share a
nonce, a swap service's order book holds the pair, neither is in the transfers table); what
does is amount and time. Each rule lists, for every leg, the legs on the other side that fit,
and names a pair only when few do:

- ``bridge``: value into a bridge address (a lock), or a burn of a token a bridge mints (the way
  back), on one chain, and value out of a bridge (a release), or minted in a transaction a
  bridge address sent (a mint), on another chain, within ``window`` after it (or up to ``skew``
  before: two chains' block times are each only as fine as their blocks); the same token
  (the wrapped token's symbol without its lower-case prefix: ``bETH`` is ``ETH``), the amount less
  at most ``max_fee_bps`` of it.
- ``swap``: value a swap service pays on one chain, and value paid to anyone on another chain
  within ``window`` before it (or ``skew`` after) that is worth as much at ``prices`` less the
  service's fee (at most ``max_fee_bps``). A swap service's deposit addresses are its own and
  untagged, so every payment in the window is a candidate; on a UTXO chain where the tags name the
  service's wallet, only outputs not spent, or swept into that wallet, are (an output spent to
  anyone else was not a deposit of the service).

Confidence: ``high`` when the two legs are each other's only candidate (or the same address
receives on both chains), ``medium`` when one side has one candidate, ``low`` otherwise; no
row where a leg has more than ``max_candidates``.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

import pandas as pd

from . import evidence as E
from .accounts import ZERO, duration, moves, scaled
from .legs import legs, utxo_legs
from .services import BRIDGE, Services, addresses

BRIDGE_WINDOW = 2 * 3600
SWAP_WINDOW = 3 * 3600
BRIDGE_FEE_BPS = 50
SWAP_FEE_BPS = 300
MAX_CANDIDATES = 3
#: block timestamps of two chains are each as coarse as their own blocks (the lab's 600 s; Bitcoin
#: lets a block's time run two hours off): a payout may sit in a block stamped before the lock's
CLOCK_SKEW = 15 * 60


def base_symbol(symbol):
    """A wrapped token's symbol as the asset it wraps: a lower-case prefix dropped.

    >>> base_symbol("bETH"), base_symbol("WETH"), base_symbol("axlUSDC"), base_symbol(None)
    ('ETH', 'WETH', 'USDC', None)
    """
    if not isinstance(symbol, str):
        return None
    m = re.fullmatch(r"[a-z]+([A-Z0-9].*)", symbol)
    return m.group(1) if m else symbol


def bridge(transfers, tags=None, bridges=None, window=BRIDGE_WINDOW, max_fee_bps=BRIDGE_FEE_BPS,
           max_candidates=MAX_CANDIDATES, skew=CLOCK_SKEW):
    """Evidence rows pairing a bridge lock (``a`` sent it) with its payout (``b`` got it): link ``same funds``.

    Examples
    --------
    >>> from tracer.heuristics.examples import evm, send, call, combine
    >>> E18 = 10**18
    >>> src = evm(send("0xu", "0xbridge", 2 * E18, tx="0xlock", block=10), chain="ethereum")
    >>> dst = evm(call("0xmint", "0xrelayer", block=60, moves=[("token", "0x0000000000000000000000000000000000000000",
    ...                "0xv", 2 * E18, "0xbeth", 18, "bETH")]), chain="sidechain")
    >>> e = bridge(combine(src, dst), bridges=["0xbridge", "0xrelayer"])
    >>> e[["chain", "a", "b_chain", "b", "txs", "confidence"]].values.tolist()
    [['ethereum', '0xu', 'sidechain', '0xv', ('0xlock', '0xmint'), 'high']]
    """
    services = Services.from_tags(tags)
    br = addresses(bridges, services.of(BRIDGE))
    if not br:
        return E.empty()
    rows = legs(moves(transfers))
    mints = (rows["from"] == ZERO) & rows["sender"].isin(br)
    payouts = rows[~rows["to"].isin(br) & (rows["from"].isin(br) | mints)]
    # a token a bridge mints is its wrapped token: burning it (not in a bridge's transaction) is the way back
    wrapped = set(zip(rows[mints]["chain"], rows[mints]["asset"], strict=True))
    burns = (rows["to"] == ZERO) & ~rows["sender"].isin(br) & pd.Series(
        [k in wrapped for k in zip(rows["chain"], rows["asset"], strict=True)], index=rows.index, dtype=bool)
    locks = rows[(rows["to"].isin(br) & ~rows["from"].isin(br)) | burns]
    cand = []
    for lock in locks.to_dict("records"):
        q = payouts[(payouts["chain"] != lock["chain"]) & (payouts["time"] >= lock["time"] - skew)
                    & (payouts["time"] <= lock["time"] + window)]
        for pay in q.to_dict("records"):
            if not _same_token(lock, pay):
                continue
            got = scaled(pay["amount"], pay["decimals"], lock["decimals"])
            if int(lock["amount"]) * (10_000 - max_fee_bps) <= got * 10_000 <= int(lock["amount"]) * 10_000:
                cand.append((lock, pay))
    return E.frame(_pairs("bridge", cand, max_candidates, lambda lock, pay, n_l, n_p: (
        f"{lock['from']} {'burnt' if lock['to'] == ZERO else 'locked'} {_amount(lock)} "
        f"{'of the bridge' if lock['to'] == ZERO else 'in the bridge'} on {lock['chain']} ({lock['tx']}); "
        f"{_later(pay['time'] - lock['time'])} {pay['to']} got {_amount(pay)} out of it on {pay['chain']} "
        f"({pay['tx']}){_counts(n_l, n_p, 'payout', 'lock')}")))


def _later(seconds):
    """When the second leg came, for a reason sentence.

    >>> _later(720), _later(-40)
    ('12 min later', 'in a block stamped 40 s earlier (each chain stamps its own blocks)')
    """
    if seconds >= 0:
        return f"{duration(seconds)} later"
    return f"in a block stamped {duration(-seconds)} earlier (each chain stamps its own blocks)"


def _same_token(a, b):
    sa, sb = base_symbol(a["symbol"]), base_symbol(b["symbol"])
    return sa is None or sb is None or sa == sb


def _amount(leg):
    return E.units(leg["amount"], leg["decimals"], leg["symbol"] or "")


def _counts(n_a, n_b, a_name, b_name):
    if n_a == 1 and n_b == 1:
        return f"; the only {a_name} that fits, and it fits no other {b_name}"
    return f"; {n_a} {a_name}(s) fit, and {n_b} {b_name}(s) fit this {a_name}"


def _pairs(name, cand, max_candidates, why):
    """Rows of the candidate pairs (left leg, right leg) whose legs have few enough candidates."""
    n_left, n_right = {}, {}
    for a, b in cand:
        n_left[id(a)] = n_left.get(id(a), 0) + 1
        n_right[(b["chain"], b["tx"], b["to"])] = n_right.get((b["chain"], b["tx"], b["to"]), 0) + 1
    rows = []
    for a, b in cand:
        na, nb = n_left[id(a)], n_right[(b["chain"], b["tx"], b["to"])]
        if na > max_candidates or nb > max_candidates:
            continue
        same = a["from"] == b["to"]
        level = E.HIGH if (na == 1 and nb == 1) or same else E.MEDIUM if min(na, nb) == 1 else E.LOW
        text = why(a, b, na, nb) + ("; the same address on both chains" if same else "")
        vout = a.get("vout")
        rows.append({E.HEURISTIC: name, E.LINK: E.SAME_FUNDS, E.CHAIN: a["chain"], E.A: a["from"],
                     E.B_CHAIN: b["chain"], E.B: b["to"], E.CONFIDENCE: level, E.REASON: text,
                     E.OUTPUT: E.outpoint(a["tx"], vout) if vout is not None and vout == vout else None,
                     E.TXS: (a["tx"], b["tx"])})
    return rows


def swap(transfers, prices, tags=None, services=None, window=SWAP_WINDOW, max_fee_bps=SWAP_FEE_BPS,
         max_candidates=MAX_CANDIDATES, skew=CLOCK_SKEW):
    """Evidence rows pairing a payment on one chain (``a`` paid) with a swap service's payout on
    another (``b`` got it): link ``same funds``.

    Parameters
    ----------
    prices : dict
        Symbol -> price in one currency (USD, say), exact (int, Fraction or decimal string):
        the rate of the moment of every pair of assets. Required: the transfers hold no prices.
    services : iterable of str, optional
        The swap services' paying addresses, instead of the tags' (labels naming an instant swap
        service, :meth:`Services.swap_services`).

    Examples
    --------
    A BTC payment to a fresh address, and the service's ETH payout 30 minutes later at 20 ETH
    per BTC less 1%:

    >>> from tracer.heuristics.examples import tx, utxo, evm, send, combine
    >>> btc = utxo(tx("b1", [("bc1u", 10_010_000)], [("bc1order", 10_000_000)], block=1, time=1_000))
    >>> eth = evm(send("0xswap", "0xv", 198 * 10**16, tx="0xpay", block=1, time=2_800))
    >>> e = swap(combine(btc, eth), prices={"BTC": 60_000, "ETH": 3_000}, services=["0xswap"])
    >>> e[["chain", "a", "b_chain", "b", "txs", "confidence"]].values.tolist()
    [['bitcoin', 'bc1u', 'ethereum', '0xv', ('b1', '0xpay'), 'high']]
    """
    if not prices:
        raise ValueError("swap needs prices={symbol: price, ...} (the rate of the moment; the transfers hold no "
                         "prices)")
    prices = {k: Fraction(v) for k, v in prices.items()}
    svc = Services.from_tags(tags)
    payers = addresses(services, svc.swap_services())
    if not payers:
        return E.empty()
    known = svc.known() | payers
    rows = legs(moves(transfers))
    payouts = rows[rows["from"].isin(payers) & ~rows["to"].isin(known)]
    incoming = pd.concat([rows[~rows["to"].isin(known) & ~rows["from"].isin(known)],
                          utxo_legs(transfers, known, swept_into=payers)], ignore_index=True)
    cand = []
    for pay in payouts.to_dict("records"):
        p_out = prices.get(pay["symbol"])
        if p_out is None:
            continue
        q = incoming[(incoming["chain"] != pay["chain"]) & (incoming["time"] <= pay["time"] + skew)
                     & (incoming["time"] >= pay["time"] - window)]
        got = int(pay["amount"])
        for (symbol, decimals), legs_in in q.groupby(["symbol", "decimals"], sort=False):
            p_in = prices.get(symbol)
            if p_in is None:
                continue
            # a leg of `a` base units is worth a * rate in the payout's base units; it fits when
            # worth * (1 - fee) <= got <= worth, so a lies in [got / rate, got / (rate * (1 - fee))]
            rate = p_in / p_out * Fraction(10) ** (int(pay["decimals"]) - int(decimals))
            lo = math.ceil(got / rate)
            hi = math.floor(Fraction(got * 10_000) / (rate * (10_000 - max_fee_bps)))
            a = legs_in["amount"].to_numpy(dtype=object)
            for leg in legs_in[(a >= lo) & (a <= hi)].to_dict("records"):
                cand.append((leg, pay))
    return E.frame(_pairs("swap", cand, max_candidates, lambda leg, pay, n_l, n_p: (
        f"{leg['from']} paid {_amount(leg)} to {leg['to']} on {leg['chain']} ({leg['tx']})"
        f"{_swept(leg)}; "
        f"{_later(pay['time'] - leg['time'])} the swap service {pay['from']} paid {pay['to']} {_amount(pay)} "
        f"on {pay['chain']} ({pay['tx']}), worth as much at {leg['symbol']} {prices[leg['symbol']]} / "
        f"{pay['symbol']} {prices[pay['symbol']]} less a fee of {_fee_bps(leg, pay, prices)} bps"
        f"{_counts(n_l, n_p, 'payment', 'payout')}")))


def _swept(leg):
    swept = leg.get("swept")
    return "" if not isinstance(swept, str) else f", which the swap service swept into its wallet ({swept})"


def _fee_bps(leg, pay, prices):
    worth = Fraction(int(leg["amount"]), 10**int(leg["decimals"])) * prices[leg["symbol"]] / prices[pay["symbol"]]
    got = Fraction(int(pay["amount"]), 10**int(pay["decimals"]))
    return round((1 - got / worth) * 10_000)
