"""Many sources at once: each its own colour, nothing counted twice (hypothesis)."""
import pytest
from hypothesis import assume, given, settings, strategies as st

from tracer.errors import SourceError
from tracer.handmade import account, utxo
from tracer.trace import RULES, Source, trace

ADDRS = ["a", "b", "c", "d", "e"]


@st.composite
def account_case(draw):
    rows, balance = [], {}
    for a in ADDRS:
        amt = draw(st.integers(1, 500))
        rows.append((f"g{a}", "mint", a, amt))
        balance[a] = amt
    for k in range(draw(st.integers(1, 20))):
        frm = draw(st.sampled_from(ADDRS))
        to = draw(st.sampled_from([a for a in ADDRS if a != frm]))
        if balance[frm]:
            amt = draw(st.integers(1, balance[frm]))
            balance[frm] -= amt
            balance[to] += amt
            rows.append((f"t{k}", frm, to, amt))
    t = account(rows)
    txs = [r[0] for r in rows if r[0].startswith("t")]
    picks = draw(st.lists(st.sampled_from(ADDRS + txs), min_size=2, max_size=4, unique=True))
    sources = [Source(tx=p) if p in txs else Source(address=p) for p in picks]
    return t, sources


@st.composite
def utxo_case(draw):
    txs, unspent = [], []
    for a in ADDRS[:4]:
        amt = draw(st.integers(1, 400))
        txs.append((f"g{a}", [(a, amt, None)], [(a, amt)]))
        unspent.append((f"g{a}:0", a, amt))
    for k in range(draw(st.integers(1, 10))):
        if not unspent:
            break
        n = draw(st.integers(1, min(3, len(unspent))))
        picked = [unspent.pop(draw(st.integers(0, len(unspent) - 1))) for _ in range(n)]
        total = sum(v for _, _, v in picked)
        fee = draw(st.integers(0, min(2, total - 1)))
        cuts = [] if total - fee < 2 else sorted(draw(st.lists(st.integers(1, total - fee - 1), max_size=2,
                                                                unique=True)))
        values = [b - a for a, b in zip([0] + cuts, cuts + [total - fee], strict=True)]
        outs = [(draw(st.sampled_from(ADDRS)), v) for v in values]
        h = f"t{k}"
        txs.append((h, [(addr, v, coin) for coin, addr, v in picked], outs))
        unspent += [(f"{h}:{i}", addr, v) for i, (addr, v) in enumerate(outs)]
    t = utxo(txs)
    hashes = [x[0] for x in txs if x[0].startswith("t")]
    assume(hashes)
    kinds = st.one_of(st.sampled_from(ADDRS[:4]).map(lambda a: Source(address=a)),
                      st.sampled_from(hashes).map(lambda h: Source(tx=h)),
                      st.sampled_from([(h, i) for h, _, o in txs if h in hashes for i in range(len(o))])
                      .map(lambda hv: Source(tx=hv[0], vout=hv[1])))
    sources = draw(st.lists(kinds, min_size=2, max_size=4, unique_by=lambda s: s.given))
    return t, sources


def sent(t, s):
    if s.address is not None:
        return sum(a for a, f in zip(t["amount"], t["from"], strict=True) if f == s.address)
    rows = t[t["tx_hash"] == s.tx]
    if "spent_tx_hash" in t.columns:  # UTXO: a transaction's outputs, fee included, or one output
        outs = rows[rows["from"] == s.tx]
        return sum(outs["amount"]) if s.vout is None else sum(outs[outs["index"] == s.vout]["amount"])
    return sum(rows["amount"])


def received(t):
    out = {}
    for to, a in zip(t["to"], t["amount"], strict=True):
        out[to] = out.get(to, 0) + a
    return out


def by_key(ends):
    out = {}
    for e in ends.itertuples():
        k = (e.source, e.chain, e.address, e.asset, e.why, tuple(e.path), e.entry)
        out[k] = out.get(k, 0) + e.amount
    return out


def check(t, sources, rule):
    try:
        r = trace(t, sources, rule=rule, hops=8)
    except SourceError as e:  # an address source and a transaction it sends: one value, two sources
        assume("same value" not in str(e))  # (or a transaction and one of its outputs)
        raise
    ends = r.endpoints
    for s in sources:
        got = sum(ends[ends["source"] == s.name]["amount"])
        assert (got >= sent(t, s)) if rule == "poison" else (got == sent(t, s)), (s, got, sent(t, s))
    rec, credited = received(t), {}
    for e in ends.itertuples():
        credited[e.address] = credited.get(e.address, 0) + e.amount
    assert all(v <= rec[a] for a, v in credited.items()), (credited, rec)
    assert all(0 < x <= a for x, a in zip(r.flows["tainted"], r.flows["amount"], strict=True))
    if rule in ("fifo", "lifo", "haircut") and not (ends["why"] == "at another source").any():
        singles = {}
        for s in sources:
            for k, v in by_key(trace(t, [s], rule=rule, hops=8).endpoints).items():
                singles[k] = singles.get(k, 0) + v
        if r.adjusted == 0:  # positions (FIFO, LIFO) and pro rata shares (haircut) need no one else
            assert by_key(ends) == singles
        else:  # rounding together moved a few units: never more than that between endpoints
            diff = sum(abs(by_key(ends).get(k, 0) - singles.get(k, 0)) for k in set(singles) | set(by_key(ends)))
            assert rule == "haircut" and diff > 0
    return r


def received_by(t, s):
    """What a backward trace starts from: what an address received (from others), a transaction's
    own value (UTXO: its inputs), or one output."""
    if s.address is not None:
        return sum(a for a, f, to in zip(t["amount"], t["from"], t["to"], strict=True)
                   if to == s.address and f != s.address)
    rows = t[t["tx_hash"] == s.tx]
    if "spent_tx_hash" in t.columns:
        if s.vout is not None:
            return sum(rows[(rows["from"] == s.tx) & (rows["index"] == s.vout)]["amount"])
        return sum(rows[rows["to"] == s.tx]["amount"])
    return sum(rows[rows["kind"] != "fee"]["amount"])


def check_backward(t, sources, rule):
    """Backward, each source's endpoints add up to what it received, and no address is named, over
    all sources, as the origin of more than it paid (poison names every earlier deposit in full)."""
    r = trace(t, sources, direction="backward", rule=rule, hops=8)
    ends = r.endpoints
    for s in sources:
        got = sum(ends[ends["source"] == s.name]["amount"])
        want = received_by(t, s)
        assert (got >= want) if rule == "poison" else (got == want), (s, got, want)
    if rule == "poison":
        return
    paid, named = {}, {}
    for f, a in zip(t["from"], t["amount"], strict=True):
        paid[f] = paid.get(f, 0) + a
    for e in ends.itertuples():
        named[e.address] = named.get(e.address, 0) + e.amount
    assert all(v <= paid[a] for a, v in named.items()), (named, paid)


@settings(max_examples=70, deadline=None)
@given(account_case(), st.sampled_from(RULES))
def test_account_multi_source(case, rule):
    check(*case, rule)
    check_backward(*case, rule)


@settings(max_examples=70, deadline=None)
@given(utxo_case(), st.sampled_from(RULES))
def test_utxo_multi_source(case, rule):
    check(*case, rule)
    check_backward(*case, rule)


def test_haircut_backward_names_each_unit_once():
    """Two inputs of 1 into outputs of 1 and 1: haircut backward from both outputs names each
    input once (before, each output's share went to the first input, which was named twice)."""
    t = utxo([("t1", [("s1", 1, None), ("s2", 1, None)], [("x", 1), ("y", 1)])])
    r = trace(t, ["x", "y"], direction="backward", rule="haircut")
    assert sorted(r.endpoints[["source", "address", "amount"]].values.tolist()) == [["x", "s1", 1], ["y", "s2", 1]]


def test_haircut_sources_rounded_together_never_overfill_an_output():
    """Two sources of 1 unit each into outputs of 1 and 1: alone, each would put its unit in the
    first output (tie to the earlier); together they cannot, and one unit moves."""
    t = utxo([("t1", [("s1", 1, None), ("s2", 1, None)], [("x", 1), ("y", 1)])])
    r = trace(t, ["s1", "s2"], rule="haircut")
    assert {(e.source, e.address): e.amount for e in r.endpoints.itertuples()} == {("s1", "y"): 1, ("s2", "x"): 1}
    assert r.adjusted == 1
    alone = [trace(t, [s], rule="haircut").endpoints[["address", "amount"]].values.tolist() for s in ("s1", "s2")]
    assert alone == [[["x", 1]], [["x", 1]]]


def test_value_reaching_another_source_stops_there():
    t = account([("t0", "mint", "v2", 5), ("t1", "v1", "m", 10), ("t2", "m", "v2", 4), ("t3", "v2", "x", 9)])
    r = trace(t, ["v1", "v2"])
    got = {(e.source, e.address, e.why): e.amount for e in r.endpoints.itertuples()}
    assert got == {("v1", "m", "unspent"): 6, ("v1", "v2", "at another source"): 4, ("v2", "x", "unspent"): 9}


def test_overlapping_sources_are_an_error():
    t = account([("t1", "v1", "m", 10)])
    with pytest.raises(SourceError, match="same value"):
        trace(t, ["v1", Source(tx="t1")])
    with pytest.raises(SourceError, match="given twice"):
        trace(t, ["v1", " v1 "])
