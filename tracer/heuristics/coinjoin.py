"""CoinJoin detection: transactions whose inputs belong to many people, so common-input ownership fails.

Two rules, each a test of one transaction's shape:

``blocksci`` (BlockSci's ``isCoinjoin``, Kalodner et al., made for JoinMarket): at least 2 inputs
and 3 outputs; each participant is assumed to take one equal output and one change output, so
there are ``p = (outputs + 1) // 2`` participants; ``p`` is at most the number of inputs and of
distinct input addresses; and the most common output value appears exactly ``p`` times, that
value being neither 546 nor 2,730 satoshi (the dust limits of old Bitcoin Core versions: a
transaction paying several dust outputs is spam or a token protocol, not a CoinJoin). Where two
values are equally common, one of them meeting the rule is enough.

``equal_outputs`` (the shape of Samourai's Whirlpool and of tracelab's lab coordinator, which the
BlockSci rule misses because it has no change outputs): at least 3 outputs, all of one value
(not dust), each to a different address, from as many different input addresses as there are
outputs, every input at least that value (each participant pays for their own output).

:func:`coinjoins` applies both (or one) and returns evidence rows of link ``coinjoin``;
:func:`is_coinjoin` gives the verdict per transaction, which multi-input clustering uses to leave
CoinJoins out.
"""
from __future__ import annotations

import numpy as np

from . import evidence as E
from .objects import factorize, unique_ints
from .utxo import UtxoView, views

#: BlockSci's dust exclusions (satoshi)
DUST_VALUES = (546, 2730)
RULES = ("blocksci", "equal_outputs")


def _candidates(view: UtxoView):
    """The transactions that could be CoinJoins (2+ inputs, 3+ outputs: no other transaction is one
    under either rule) and the counts both rules read, of those alone: ``(their numbers, {column:
    array})``, the columns ``inputs, outputs, input_addresses, top_count, top_value, top_clean,
    values, min_input, output_addresses``."""
    n = view.n_txs
    is_cand = (view.n_in >= 2) & (view.n_out >= 3)
    cand = np.flatnonzero(is_cand)
    number = np.full(n, -1, dtype=np.int64)
    number[cand] = np.arange(len(cand))  # transaction -> its place among the candidates
    k = len(cand)
    ins = np.flatnonzero(is_cand[view.in_tx])
    outs = np.flatnonzero(is_cand[view.out_tx])
    in_tx = number[view.in_tx[ins]]
    in_addrs = _distinct_per_tx(in_tx, view.in_addr[ins], k)
    out_tx = number[view.out_tx[outs]]
    out_value = view.out_values_at(outs)
    # outputs by (transaction, value): runs of one value give its count
    order = np.lexsort((out_value, out_tx))
    tx_s, v_s = out_tx[order], out_value[order]
    new_run = np.r_[True, (tx_s[1:] != tx_s[:-1]) | (v_s[1:] != v_s[:-1])] if len(order) else np.zeros(0, bool)
    starts = np.flatnonzero(new_run)
    run_tx, run_value = tx_s[starts], v_s[starts]
    run_n = np.diff(np.r_[starts, len(order)])
    top = np.zeros(k, dtype=np.int64)
    np.maximum.at(top, run_tx, run_n)
    distinct_values = np.bincount(run_tx, minlength=k)
    # a most common value that is not dust, if any value with the top count is not (the smallest such)
    ok = (run_n == top[run_tx]) & ~np.isin(run_value, DUST_VALUES)
    top_clean = np.zeros(k, dtype=bool)
    top_clean[run_tx[ok]] = True
    top_value = np.zeros(k, dtype=np.int64)
    top_value[run_tx[ok][::-1]] = run_value[ok][::-1]  # the last write, the first (smallest) value, wins
    min_in = np.full(k, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(min_in, in_tx, view.in_values_at(ins))
    outputs = view.n_out[cand]
    # distinct output addresses: only the equal-output rule reads them, only where all outputs are equal
    output_addresses = outputs.copy()
    maybe = distinct_values == 1
    if maybe.any():
        o = np.flatnonzero(maybe[out_tx])
        codes, _ = factorize(view.out_who_at(outs[o]))
        output_addresses[maybe] = _distinct_per_tx(out_tx[o], codes, k)[maybe]
    return cand, {"inputs": view.n_in[cand], "outputs": outputs, "input_addresses": in_addrs, "top_count": top,
                  "top_value": top_value, "top_clean": top_clean, "values": distinct_values, "min_input": min_in,
                  "output_addresses": output_addresses}


def _distinct_per_tx(tx, addr, n):
    width = int(addr.max(initial=0)) + 1
    pairs = unique_ints(tx.astype(np.int64) * width + addr)
    return np.bincount(pairs // width, minlength=n)


def blocksci_rule(s):
    """BlockSci's ``isCoinjoin`` over :func:`_candidates`' columns (a boolean array)."""
    p = (s["outputs"] + 1) // 2
    return np.asarray((s["inputs"] >= 2) & (s["outputs"] >= 3) & (p <= s["inputs"]) & (p <= s["input_addresses"])
                      & (s["top_count"] == p) & s["top_clean"])


def equal_outputs_rule(s):
    """The equal-output (Whirlpool) shape over :func:`_candidates`' columns (a boolean array)."""
    return np.asarray((s["outputs"] >= 3) & (s["values"] == 1) & s["top_clean"]
                      & (s["output_addresses"] == s["outputs"]) & (s["input_addresses"] >= s["outputs"])
                      & (s["min_input"] >= s["top_value"]))


def is_coinjoin(view: UtxoView, rule="either"):
    """A boolean per transaction of ``view``: a CoinJoin under ``rule`` (a name of :data:`RULES`, or ``"either"``)."""
    if rule not in RULES + ("either",):
        raise ValueError(f"rule: expected one of {', '.join(RULES)} or 'either', got {rule!r}")
    cand, s = _candidates(view)  # (only candidates can be CoinJoins: the rules read them alone)
    hit = np.zeros(len(cand), dtype=bool)
    if rule in ("blocksci", "either"):
        hit |= blocksci_rule(s)
    if rule in ("equal_outputs", "either"):
        hit |= equal_outputs_rule(s)
    verdict = np.zeros(view.n_txs, dtype=bool)
    verdict[cand[hit]] = True
    return verdict


def coinjoins(transfers, rule="either"):
    """Evidence rows, one per CoinJoin: link ``coinjoin``, ``a`` the transaction.

    Confidence: ``high`` for the equal-output shape (little else looks like it), ``medium`` for
    BlockSci's rule alone (a batch payment with change outputs can look like it).

    Examples
    --------
    A Whirlpool-shaped round (five people, five equal outputs) and an ordinary payment:

    >>> from tracer.heuristics.examples import tx, utxo
    >>> round_ = tx("cj", [(f"in{i}", 1_001_000 + i) for i in range(5)], [(f"out{i}", 1_000_000) for i in range(5)])
    >>> pay = tx("p", [("a", 5_000), ("b", 7_000)], [("shop", 9_000), ("c", 2_900)], block=2)
    >>> e = coinjoins(utxo(round_, pay))
    >>> e[["a", "confidence"]].values.tolist()
    [['cj', 'high']]
    >>> print(e.loc[0, "reason"])
    5 inputs from 5 addresses, 5 outputs all of 0.01 BTC to 5 addresses, no change (equal_outputs: Whirlpool's shape)
    """
    rows = []
    for view in views(transfers):
        cand, s = _candidates(view)  # (as in is_coinjoin: the rules read the candidates alone)
        hits = {"blocksci": blocksci_rule(s), "equal_outputs": equal_outputs_rule(s)}
        wanted = RULES if rule == "either" else (rule,)
        if rule not in RULES + ("either",):
            raise ValueError(f"rule: expected one of {', '.join(RULES)} or 'either', got {rule!r}")
        found = np.zeros(len(cand), dtype=bool)
        for r in wanted:
            found |= hits[r]
        for c in np.flatnonzero(found):
            agree = [r for r in RULES if hits[r][c]]
            row, t = {name: values[c] for name, values in s.items()}, cand[c]
            value = E.units(int(row["top_value"]), 8, "BTC")
            if agree == ["equal_outputs"]:
                why = (f"{row['inputs']} inputs from {row['input_addresses']} addresses, {row['outputs']} outputs "
                       f"all of {value} to {row['output_addresses']} addresses, no change (equal_outputs: "
                       "Whirlpool's shape)")
            else:
                p = (int(row["outputs"]) + 1) // 2
                why = (f"{row['inputs']} inputs from {row['input_addresses']} addresses; {row['outputs']} outputs, "
                       f"{p} of them of {value}: {p} participants each taking an equal output and change "
                       f"({' and '.join(agree)})")
            rows.append({E.HEURISTIC: "coinjoin", E.LINK: E.COINJOIN, E.CHAIN: view.chain,
                         E.A: view.tx_hash[t], E.CONFIDENCE: E.HIGH if "equal_outputs" in agree else E.MEDIUM,
                         E.REASON: why, E.TXS: (view.tx_hash[t],)})
    return E.frame(rows)
