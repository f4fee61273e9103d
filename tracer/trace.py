"""Trace value forward (where did it go) or backward (where did it come from) under a tracing rule.

Every address, per asset, is an account pool; in the UTXO model every transaction is a pool too,
sitting between its inputs and outputs (going through it is one hop, and it appears once in a
path). How a pool passes value on is the rule's business (:mod:`tracer.pools`).

**Forward** from an address, a transaction or one output (``"txhash:vout"``): what the source
sent is wholly tainted; one pass over the transfers in time order moves taint from pool to pool.
**Backward** to the origins of what an address received (or a transaction moved): each pool's
history is replayed once under the rule with every deposit kept apart, which says which deposits
paid for each withdrawal, and the traced amounts are followed upstream hop by hop.

Both return ``flows`` (one row per traced piece moved, with ``reason``: why it was followed) and
``endpoints`` (where traced value stops, with ``why``). Amounts are exact integers. Forward,
endpoint amounts sum to what left the source (fees are endpoints at the pseudo-address ``fee``);
backward, to what the start received. Poison deliberately over-taints, so under poison the sums
are at least that.
"""
from dataclasses import dataclass

import pandas as pd

from tracer import pools as P
from tracer import transfers as T

FLOW_COLUMNS = ["hop", "tx_hash", "chain", "timestamp", "from", "to", "asset", "amount", "tainted",
                "kind", "path", "reason"]
ENDPOINT_COLUMNS = ["address", "asset", "amount", "hops", "path", "why"]
RULES = P.RULES
DIRECTIONS = ("forward", "backward")

#: why value stops, forward and backward
UNSPENT, FEE, HOP_LIMIT, SERVICE, HEAVY, BELOW_MIN, RETURNED, ORIGIN = (
    "unspent", "fee", "hop limit", "attributed service", "maximum degree", "below minimum",
    "back at the source", "origin")

# Backward, a deposit either paid for a withdrawal or it did not: only the order-based reading of
# each rule means anything (LIBR's lowest balance is what LIFO leaves of each deposit; TIHO's
# "taint first" has no taint to put first).
_BACK_ACCOUNT = {"fifo": "fifo", "lifo": "lifo", "libr": "lifo", "tiho": "fifo", "haircut": "haircut", "poison": "poison"}
_BACK_TX = {"fifo": "fifo", "lifo": "lifo", "libr": "fifo", "tiho": "fifo", "haircut": "haircut", "poison": "poison"}


@dataclass(frozen=True)
class Source:
    """Where a trace starts: an address, a transaction, or one output of a transaction."""
    address: str | None = None
    tx: str | None = None
    vout: int | None = None

    @classmethod
    def parse(cls, address=None, tx=None):
        """From the command line's ``--address`` / ``--tx`` (``HASH`` or ``HASH:VOUT``).

        Examples
        --------
        >>> Source.parse(tx="ab12:1")
        Source(address=None, tx='ab12', vout=1)
        >>> Source.parse(address="0xAB").address
        '0xab'
        """
        if (address is None) == (tx is None):
            raise ValueError("give exactly one of an address or a transaction")
        if address is not None:
            return cls(address=address.lower() if address.startswith("0x") else address)
        h, _, vout = tx.partition(":")
        if vout and not vout.isdigit():
            raise ValueError(f"output index {vout!r} in {tx!r} is not a non-negative integer")
        h = h.lower() if h.startswith("0x") else h
        return cls(tx=h, vout=int(vout) if vout else None)


def trace(transfers, source, direction="forward", rule="fifo", hops=6, min_amount=0, stop=(),
          max_degree=None, start=None, end=None):
    """Trace from ``source`` (an address, or a :class:`Source`) forward or backward.

    Parameters
    ----------
    transfers : pandas.DataFrame
        A transfers table (:mod:`tracer.transfers`).
    source : str or Source
        An address (EVM lower-case hex), or a :class:`Source` for a transaction or an output.
    direction : {"forward", "backward"}
    rule : {"poison", "haircut", "fifo", "lifo", "tiho", "libr"}
    hops : int
        Value that has gone ``hops`` transactions from the start stops (why ``"hop limit"``).
    min_amount : int
        Pieces smaller than this (base units) are not followed (why ``"below minimum"``).
    stop : iterable of str
        Attributed services: value stops there (the data request goes to them).
    max_degree : int, optional
        Addresses with more distinct counterparties than this stop the trace (exchange-sized).
    start, end : int, optional
        Unix-time window; transfers outside it are ignored.

    Returns
    -------
    flows, endpoints : pandas.DataFrame
        See the module docstring.

    Examples
    --------
    >>> rows = [("c", "t1", 1, 1, "s", "a", "X", 10, "native", 0, -1),
    ...         ("c", "t2", 2, 2, "a", "b", "X", 4, "native", 0, -1)]
    >>> t = pd.DataFrame(rows, columns=T.COLUMNS)
    >>> trace(t, "s")[1][["address", "amount", "why"]].values.tolist()
    [['a', 6, 'unspent'], ['b', 4, 'unspent']]
    >>> trace(t, "b", direction="backward")[1][["address", "amount", "hops", "why"]].values.tolist()
    [['s', 4, 2, 'origin']]
    """
    P.check_rule(rule)
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; expected one of {', '.join(DIRECTIONS)}")
    if not isinstance(source, Source):
        source = Source.parse(address=source)
    if hops < 1:
        raise ValueError(f"hops must be at least 1, got {hops}")
    t = T.window(transfers, start, end)
    heavy = _heavy(t, max_degree, source.address)
    t = T.sort(t)
    _check_source(t, source)
    run = _forward if direction == "forward" else _backward
    flows, ends = run(t, source, rule, hops, min_amount, set(stop), heavy)
    flows = pd.DataFrame(flows, columns=FLOW_COLUMNS)
    endpoints = pd.DataFrame(sorted(ends.values(), key=lambda e: (e[3], e[0], e[4], e[5])), columns=ENDPOINT_COLUMNS)
    return flows, endpoints


def trace_forward(transfers, source, rule="fifo", hops=6, stop=(), max_degree=None, start=None, end=None,
                  min_amount=0):
    """:func:`trace` forward.

    Examples
    --------
    >>> rows = [("c", "t1", 1, 1, "s", "a", "X", 10, "native", 0, -1),
    ...         ("c", "t2", 2, 2, "a", "b", "X", 4, "native", 0, -1),
    ...         ("c", "t3", 3, 3, "a", "fee", "X", 1, "fee", 0, -1)]
    >>> t = pd.DataFrame(rows, columns=T.COLUMNS)
    >>> flows, ends = trace_forward(t, "s")
    >>> ends[["address", "amount", "hops", "path"]].values.tolist()
    [['a', 5, 1, ['t1']], ['b', 4, 2, ['t1', 't2']], ['fee', 1, 2, ['t1', 't3']]]
    """
    return trace(transfers, source, "forward", rule, hops, min_amount, stop, max_degree, start, end)


def trace_backward(transfers, source, rule="fifo", hops=6, stop=(), max_degree=None, start=None, end=None,
                   min_amount=0):
    """:func:`trace` backward: where what ``source`` received came from."""
    return trace(transfers, source, "backward", rule, hops, min_amount, stop, max_degree, start, end)


def _heavy(t, max_degree, keep):
    if max_degree is None:
        return set()
    pairs = pd.concat([t[[T.FROM, T.TO]], t[[T.TO, T.FROM]].set_axis([T.FROM, T.TO], axis=1)])
    n = pairs.drop_duplicates().groupby(T.FROM).size()
    return set(n[n > max_degree].index) - {keep}


def _check_source(t, s):
    if s.address is not None:
        if not ((t[T.FROM] == s.address) | (t[T.TO] == s.address)).any():
            raise ValueError(f"address {s.address} does not appear in the data")
        return
    rows = t[t[T.TX_HASH] == s.tx]
    if rows.empty:
        raise ValueError(f"transaction {s.tx} does not appear in the data")
    if s.vout is not None and not ((rows[T.FROM] == s.tx) & (rows[T.INDEX].astype(int) == s.vout)).any():
        raise ValueError(f"transaction {s.tx} has no output {s.vout}")


def _is_source_row(s, txh, frm, index, kind, sender):
    """Forward: is this row value the source sends (so wholly tainted)?"""
    if s.address is not None:
        return frm == s.address
    if txh != s.tx:
        return False
    if frm == txh:  # a UTXO transaction's outputs (the fee included)
        return s.vout is None or index == s.vout
    if kind == T.UTXO:  # its inputs: what the transaction moved is counted at its outputs
        return False
    return s.vout is None and frm == sender and kind != T.FEE  # an EVM transaction's own value


def _stop_reason(to, tainted, hop, hops, txh, stop, heavy, min_amount):
    if to in stop:
        return SERVICE
    if to in heavy:
        return HEAVY
    if to == txh or to == T.FEE_ADDRESS:  # a transaction's own pool decides at its outputs; fees end as fees
        return None
    if tainted < min_amount:
        return BELOW_MIN
    if hop >= hops:
        return HOP_LIMIT
    return None


def _forward(t, s, rule, hops, min_amount, stop, heavy):
    chain_, txh_, ts_, frm_, to_, asset_, amount_, kind_, index_ = _columns(t)
    sender = None
    if s.tx is not None:
        first = txh_.index(s.tx)
        sender = frm_[first]
    balance, lots, flows, ends = {}, {}, [], {}
    mix = rule in ("haircut", "poison")
    batch = {}  # row -> pieces, for the outputs of a UTXO transaction split at once
    n = len(txh_)
    for i in range(n):
        chain, txh, frm, to, asset, amount = chain_[i], txh_[i], frm_[i], to_[i], asset_[i], amount_[i]
        kf, kt = (chain, frm, asset), (chain, to, asset)
        balance[kf] = balance.get(kf, 0) - amount
        balance[kt] = balance.get(kt, 0) + amount
        source_row = _is_source_row(s, txh, frm, index_[i], kind_[i], sender)
        if source_row:
            pieces = [[amount, amount, 0, [], None]]
        elif i in batch:
            pieces = batch.pop(i)
        elif kf in lots and lots[kf]:
            if frm == txh and kind_[i] in (T.UTXO, T.FEE):
                j = i
                while j < n and txh_[j] == txh and frm_[j] == frm:
                    j += 1
                split = P.split_tx(lots[kf], amount_[i:j], rule)
                batch.update(zip(range(i + 1, j), split[1:]))
                pieces = split[0]
            else:
                pieces = P.take(lots[kf], amount, rule)
        else:
            pieces = []
        clean = 0 if pieces else amount
        for amt, tainted, h, path, stopped in pieces:
            if not tainted:
                clean += amt
                continue
            if stopped is not None:  # taint that stopped at this pool: an endpoint here, clean onward
                _end(ends, frm, asset, tainted, h, path, stopped)
                clean += amt
                continue
            if source_row:
                hop, new_path, why = 1, [txh], "the source sent it"
            elif path and path[-1] == txh:  # still inside the same transaction
                hop, new_path, why = h, path, f"{rule}: same transaction, through {frm}"
            else:
                hop, new_path, why = h + 1, path + [txh], f"{rule}: taint held at {frm} since tx {path[-1]}"
            flows.append((hop, txh, chain, ts_[i], frm, to, asset, amt, tainted, kind_[i], new_path, why))
            if s.address is not None and to == s.address:  # all the source sends is tainted already
                _end(ends, to, asset, tainted, hop, new_path, RETURNED)
                continue
            if kt not in lots:
                held = max(balance[kt] - amount, 0)  # clean value the pool held before the first taint
                lots[kt] = [[held, 0, 0, [], None]] if held else []
            reason = _stop_reason(to, tainted, hop, hops, txh, stop, heavy, min_amount)
            P.add(lots[kt], [amt, tainted, hop, new_path, reason], mix)
        if clean and kt in lots:
            P.add(lots[kt], P.clean_lot(lots[kt], clean, rule), mix)
    for (chain, addr, asset), q in lots.items():
        for amt, tainted, h, path, why in q:
            if tainted:
                _end(ends, addr, asset, tainted, h, path, why or (FEE if addr == T.FEE_ADDRESS else UNSPENT))
    return flows, ends


def _columns(t):
    # plain lists: a Python loop over a million rows reads them far faster than a DataFrame
    return [t[c].tolist() for c in (T.CHAIN, T.TX_HASH, T.TIMESTAMP, T.FROM, T.TO, T.ASSET, T.AMOUNT, T.KIND, T.INDEX)]


def _end(ends, addr, asset, amount, hops, path, why):
    e = ends.setdefault((addr, asset, tuple(path), why), [addr, asset, 0, hops, list(path), why])
    e[2] += amount


# -- backward ------------------------------------------------------------------------------------
def _backward(t, s, rule, hops, min_amount, stop, heavy):
    chain_, txh_, ts_, frm_, to_, asset_, amount_, kind_, index_ = _columns(t)
    history = {}  # pool -> row numbers in time order
    for i in range(len(txh_)):
        history.setdefault((chain_[i], frm_[i], asset_[i]), []).append(i)
        history.setdefault((chain_[i], to_[i], asset_[i]), []).append(i)
    funded = {}  # pool -> {outgoing row: [(incoming row or None, amount)]}

    def provenance(pool):
        if pool not in funded:
            funded[pool] = _provenance(pool, history[pool], frm_, to_, txh_, amount_, kind_, rule)
        return funded[pool]

    frontier = []
    if s.address is not None:
        frontier = [(i, amount_[i], 1, [txh_[i]]) for i in _rows_of(history, s.address) if to_[i] == s.address]
    else:
        rows = [i for i in range(len(txh_)) if txh_[i] == s.tx]
        sender = frm_[rows[0]]
        for i in rows:
            utxo_out = frm_[i] == s.tx
            if (s.vout is None and ((to_[i] == s.tx) or (not utxo_out and frm_[i] == sender and kind_[i] != T.FEE))) or \
                    (s.vout is not None and utxo_out and index_[i] == s.vout):
                frontier.append((i, amount_[i], 1, [s.tx]))
    flows, ends = [], {}
    for i, x, h, path in frontier:
        flows.append((h, txh_[i], chain_[i], ts_[i], frm_[i], to_[i], asset_[i], amount_[i], x, kind_[i], path,
                      "the start received it"))
    while frontier:
        nxt = []
        for i, x, h, path in frontier:
            chain, frm, asset = chain_[i], frm_[i], asset_[i]
            is_tx = frm == txh_[i]
            why = (SERVICE if frm in stop else HEAVY if frm in heavy else
                   None if is_tx else BELOW_MIN if x < min_amount else HOP_LIMIT if h >= hops else None)
            if why:
                _end(ends, frm, asset, x, h, path, why)
                continue
            for d, n in _scale(provenance((chain, frm, asset)).get(i, []), x, rule):
                if d is None:
                    _end(ends, frm, asset, n, h, path, ORIGIN)
                    continue
                same = txh_[d] == path[-1]
                hop, new_path = (h, path) if same else (h + 1, path + [txh_[d]])
                flows.append((hop, txh_[d], chain, ts_[d], frm_[d], to_[d], asset, amount_[d], n, kind_[d], new_path,
                              f"{rule}: paid for tx {txh_[i]} out of {frm}"))
                nxt.append((d, n, hop, new_path))
        frontier = nxt
    return flows, ends


def _rows_of(history, address):
    """Every row touching ``address`` (any chain, any asset), in time order."""
    rows = set()
    for (chain, addr, asset), r in history.items():
        if addr == address:
            rows.update(r)
    return sorted(rows)


def _provenance(pool, rows, frm_, to_, txh_, amount_, kind_, rule):
    """Which incoming rows paid for each outgoing row of ``pool`` under ``rule``."""
    addr = pool[1]
    ins = [r for r in rows if to_[r] == addr and frm_[r] != addr]
    outs = [r for r in rows if frm_[r] == addr and to_[r] != addr]
    result = {}
    if outs and frm_[outs[0]] == txh_[outs[0]] and kind_[outs[0]] in (T.UTXO, T.FEE):  # a UTXO transaction
        lots = [[amount_[r], amount_[r], 0, [r], None] for r in ins]
        known = sum(amount_[r] for r in ins)
        out_values = [amount_[r] for r in outs]
        if known < sum(out_values):  # a coinbase, or inputs the data does not hold
            lots.append([sum(out_values) - known, sum(out_values) - known, 0, [None], None])
        if rule == "poison":  # every input paid for every output
            return {r: [(lot[3][0], lot[0]) for lot in lots] for r in outs}
        for r, pieces in zip(outs, P.split_tx(lots, out_values, _BACK_TX[rule])):
            result[r] = [(p[3][0] if p[3] else None, p[1]) for p in pieces if p[1]]
        return result
    account_rule = _BACK_ACCOUNT[rule]
    lots, seen = [], []
    for r in rows:
        if to_[r] == addr and frm_[r] != addr:
            lots.append([amount_[r], amount_[r], 0, [r], None])
            seen.append(r)
        elif frm_[r] == addr and to_[r] != addr:
            if account_rule == "poison":
                result[r] = [(d, amount_[d]) for d in seen] or [(None, amount_[r])]
                continue
            pieces = P.take(lots, amount_[r], account_rule)
            result[r] = [(p[3][0] if p[3] else None, p[0]) for p in pieces]
    return result


def _scale(pieces, x, rule):
    """The part ``x`` of a withdrawal being traced, taken from its sources (pro rata for haircut)."""
    total = sum(n for _, n in pieces)
    if rule == "poison" or x >= total:
        return pieces
    if rule == "haircut":
        cuts = [n * x // total for _, n in pieces]
        rest = x - sum(cuts)
        for k in range(len(cuts)):
            if rest and cuts[k] < pieces[k][1]:
                cuts[k] += 1
                rest -= 1
        return [(d, c) for (d, _), c in zip(pieces, cuts) if c]
    out = []
    for d, n in pieces:
        if not x:
            break
        out.append((d, min(n, x)))
        x -= min(n, x)
    return out
