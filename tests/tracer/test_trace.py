from pathlib import Path

import pandas as pd
import pytest
from hypothesis import assume, given, settings, strategies as st

import tracer.load as L
from tracer.errors import SourceError
from tracer import transfers as T
from tracer.trace import RULES, Source, trace, trace_backward, trace_forward

DATA = Path(__file__).parent / "data"
A, B, C, K = ("0x" + d * 40 for d in "1234")


def test_eth_forward_reconciles():
    t = L.load(DATA / "eth")
    flows, ends = trace_forward(t, A)
    eth = ends[ends["asset"] == "ETH"]
    left = sum(t[(t["from"] == A) & (t["asset"] == "ETH")]["amount"])
    assert sum(eth["amount"]) == left
    row = ends[ends["address"] == K].iloc[0]
    assert row["amount"] == 4 * 10**17 and row["path"] == ["0xt1", "0xt2"]  # through a contract in one tx: one hop
    assert flows["reason"].str.len().gt(0).all()


def test_hop_limit_and_stop():
    t = L.load(DATA / "eth")
    _, ends = trace_forward(t, A, hops=1)
    assert set(ends["address"]) == {B, "fee"} and "hop limit" in set(ends["why"])
    _, ends = trace_forward(t, A, stop={B})
    assert set(ends[ends["address"] == B]["why"]) == {"attributed service"}
    assert C not in set(ends["address"])


def test_btc_forward():
    t = L.load(DATA / "btc")
    _, ends = trace_forward(t, "bc1qminer", rule="fifo")
    got = dict(zip(ends["address"], ends["amount"], strict=True))
    assert got == {"bc1qminer": 4699999000, "bc1qvictim": 300000000, "fee": 1000}


def test_utxo_transaction_is_one_hop_and_appears_once(tmp_path):
    import json

    from tracer.load.bitcoin_etl import load_bitcoin_etl

    def tx(h, block, spent, src, outs, vout=0):
        return {"hash": h, "block_number": block, "block_timestamp": 1_700_000_000 + block, "is_coinbase": False,
                "fee": 100, "inputs": [{"index": 0, "spent_transaction_hash": spent, "spent_output_index": vout,
                                        "addresses": [src], "value": sum(v for _, v in outs) + 100}],
                "outputs": [{"index": i, "addresses": [a], "value": v} for i, (a, v) in enumerate(outs)]}

    p = tmp_path / "transactions.json"
    p.write_text("\n".join(json.dumps(t) for t in [
        tx("t1", 1, "t0", "bcrt1src", [("bcrt1peel1", 1_000), ("bcrt1chg1", 8_900)]),
        tx("t2", 2, "t1", "bcrt1chg1", [("bcrt1peel2", 800), ("bcrt1chg2", 8_000)], vout=1),
    ]) + "\n")
    _, ends = trace_forward(load_bitcoin_etl(p), "bcrt1src", rule="fifo", hops=6)
    by_addr = {e.address: e for e in ends.itertuples()}
    assert by_addr["bcrt1peel1"].hops == 1 and list(by_addr["bcrt1peel1"].path) == ["t1"]
    assert by_addr["bcrt1chg2"].hops == 2 and list(by_addr["bcrt1chg2"].path) == ["t1", "t2"]
    assert sum(e.amount for e in ends.itertuples()) == 10_000  # everything the source sent, fees included
    _, limited = trace_forward(load_bitcoin_etl(p), "bcrt1src", rule="fifo", hops=1)
    assert {e.address: e.why for e in limited.itertuples()}["bcrt1chg1"] == "hop limit"
    _, limited = trace_forward(load_bitcoin_etl(p), "bcrt1src", rule="fifo", hops=2)
    assert set(limited[limited["address"] == "fee"]["why"]) == {"fee"}  # a fee at the hop limit is a fee


# -- every rule, hand-computed ------------------------------------------------------------------


def table(rows):
    """rows: (tx, block, from, to, amount[, kind, index])"""
    full = []
    for r in rows:
        tx, blk, frm, to, amount = r[:5]
        kind = r[5] if len(r) > 5 else "native"
        index = r[6] if len(r) > 6 else -1
        full.append(("c", tx, blk, 1_700_000_000 + 60 * blk, frm, to, "X", amount, kind, 0, index))
    return pd.DataFrame(full, columns=T.COLUMNS)


# C pays A 5 (clean), S pays A 10 (tainted), E pays A 4 (clean), A pays B 12, then D 3.
ACCOUNT = table([("t0", 0, "c", "a", 5), ("t1", 1, "s", "a", 10), ("t2", 2, "e", "a", 4),
                 ("t3", 3, "a", "b", 12), ("t4", 4, "a", "d", 3)])
ACCOUNT_GOLDEN = {
    "fifo": {"b": 7, "d": 3},               # 5 clean then 7 tainted; then 3 tainted
    "lifo": {"b": 8, "d": 2},               # 4 clean then 8 tainted; then 2 tainted + 1 clean
    "libr": {"b": 3, "d": 3, "a": 4},       # clean first: 9 clean + 3; the 7 left dips to 4
    "tiho": {"b": 10},                      # taint leaves first
    "haircut": {"b": 6, "d": 1, "a": 3},    # 10*12//19 = 6; then 4*3//7 = 1; 3 stay
    "poison": {"b": 12, "d": 3, "a": 4},    # everything A ever pays or holds after the taint
}


@pytest.mark.parametrize("rule", RULES)
def test_account_pool_golden(rule):
    _, ends = trace(ACCOUNT, "s", rule=rule)
    got = {e.address: e.amount for e in ends.itertuples() if e.amount}
    assert got == ACCOUNT_GOLDEN[rule]
    if rule != "poison":
        assert sum(got.values()) == 10


# one UTXO transaction: S's 3 (tainted) and C's 7 (clean) in; 2 to x, 7 to y, fee 1
UTXO = table([("u", 1, "s", "u", 3, "utxo", -1), ("u", 1, "c", "u", 7, "utxo", -2),
              ("u", 1, "u", "x", 2, "utxo", 0), ("u", 1, "u", "y", 7, "utxo", 1),
              ("u", 1, "u", "fee", 1, "fee", 1 << 30)])
UTXO_GOLDEN = {
    "fifo": {"x": 2, "y": 1},               # inputs in order onto outputs in order, fee last
    "lifo": {"y": 2, "fee": 1},             # clean 7 first
    "libr": {"y": 2, "fee": 1},             # clean inputs paid out first
    "tiho": {"y": 3},                       # the highest output
    "haircut": {"x": 1, "y": 2},            # 0.6, 2.1, 0.3: floors 0, 2, 0, remainder to x
    "poison": {"x": 2, "y": 7, "fee": 1},
}


@pytest.mark.parametrize("rule", RULES)
def test_utxo_transaction_golden(rule):
    _, ends = trace(UTXO, "s", rule=rule)
    assert {e.address: e.amount for e in ends.itertuples() if e.amount} == UTXO_GOLDEN[rule]
    assert set(ends["hops"]) == {1} and all(list(p) == ["u"] for p in ends["path"])


def test_min_amount_and_max_degree():
    _, ends = trace(ACCOUNT, "s", rule="fifo", min_amount=5)
    assert {(e.address, e.why) for e in ends.itertuples()} == {("b", "unspent"), ("d", "below minimum")}
    assert sum(ends["amount"]) == 10
    # a has 4 counterparties; with at most 3 it is exchange-sized and the trace stops there
    _, ends = trace(ACCOUNT, "s", max_degree=3)
    assert ends[["address", "amount", "why"]].values.tolist() == [["a", 10, "maximum degree"]]


def test_stop_takes_addresses_as_copied_and_a_typo_is_an_error():
    from tracer.handmade import account
    from tracer.load.ethereum_etl import checksum

    s, a, b = ("0x" + d * 20 for d in ("5a", "ab", "cd"))
    t = account([("t1", s, a, 10), ("t2", a, b, 4)])
    ends = trace(t, s, stop=[f" `{checksum(a)}` "]).endpoints
    assert ends[["address", "amount", "why"]].values.tolist() == [[a, 10, "attributed service"]]
    with pytest.raises(SourceError, match="bad EIP-55 checksum"):
        trace(t, s, stop=[checksum(a).swapcase().replace("0X", "0x")])


def test_time_window():
    _, ends = trace(ACCOUNT, "s", end=1_700_000_000 + 60 * 3)
    assert dict(zip(ends["address"], ends["amount"], strict=True)) == {"a": 3, "b": 7}


def test_a_source_outside_the_time_window_is_said_to_be_there_not_missing():
    with pytest.raises(SourceError, match=r"address s is outside the time window .*2023-11-14 22:14:20 UTC to "
                                          r"2023-11-14 22:14:20 UTC"):
        trace(ACCOUNT, "s", start=1_700_000_000 + 60 * 2)
    with pytest.raises(SourceError, match="transaction t1 is outside the time window"):
        trace(ACCOUNT, Source.parse(tx="t1"), end=1_700_000_000)
    with pytest.raises(SourceError, match=r"t9 does not appear in the data$"):
        trace(ACCOUNT, Source.parse(tx="t9"), end=1_700_000_000)
    with pytest.raises(SourceError, match=r"a transaction hash has 64 hex digits, this one 6 \(cut short"):
        trace(ACCOUNT, Source.parse(tx="0xab12cd"))


def test_forward_from_transaction_and_output():
    _, ends = trace(UTXO, Source.parse(tx="u"), rule="fifo")
    assert dict(zip(ends["address"], ends["amount"], strict=True)) == {"x": 2, "y": 7, "fee": 1}
    _, ends = trace(UTXO, Source.parse(tx="u:1"), rule="fifo")
    assert dict(zip(ends["address"], ends["amount"], strict=True)) == {"y": 7}
    _, ends = trace(ACCOUNT, Source.parse(tx="t3"), rule="fifo")
    assert dict(zip(ends["address"], ends["amount"], strict=True)) == {"b": 12}
    with pytest.raises(ValueError, match="has no output 5"):
        trace(UTXO, Source.parse(tx="u:5"))
    with pytest.raises(ValueError, match="does not appear"):
        trace(UTXO, Source.parse(tx="nope"))
    with pytest.raises(ValueError, match="unknown rule"):
        trace(UTXO, "s", rule="fofi")


BACK_GOLDEN = {  # where the 12 that B received came from
    "fifo": {"c": 5, "s": 7},
    "lifo": {"e": 4, "s": 8},
    "libr": {"e": 4, "s": 8},
    "tiho": {"c": 5, "s": 7},
    "haircut": {"c": 3, "s": 6, "e": 3},  # 5/19, 10/19, 4/19 of 12, floored, remainder in order
    "poison": {"c": 5, "s": 10, "e": 4},
}


@pytest.mark.parametrize("rule", RULES)
def test_backward_golden(rule):
    _, ends = trace_backward(ACCOUNT, "b", rule=rule)
    got = {e.address: e.amount for e in ends.itertuples()}
    assert got == BACK_GOLDEN[rule]
    assert set(ends["why"]) == {"origin"} and set(ends["hops"]) == {2}
    if rule != "poison":
        assert sum(got.values()) == 12


def test_backward_through_utxo_and_hop_limit():
    _, ends = trace_backward(UTXO, "y", rule="fifo")
    assert dict(zip(ends["address"], ends["amount"], strict=True)) == {"s": 1, "c": 6}
    assert all(list(p) == ["u"] for p in ends["path"])
    _, ends = trace_backward(ACCOUNT, "b", hops=1)
    assert ends[["address", "amount", "why"]].values.tolist() == [["a", 12, "hop limit"]]


@st.composite
def histories(draw):
    """Random account-model histories among 5 addresses; 's' starts with the taint."""
    addrs = ["s", "a", "b", "c", "d"]
    rows, balance = [], dict.fromkeys(addrs, 0)
    for a in addrs:
        amt = draw(st.integers(1, 1000))
        rows.append((f"g{a}", 0, "mint", a, amt))
        balance[a] += amt
    for k in range(draw(st.integers(1, 25))):
        frm = draw(st.sampled_from(addrs))
        to = draw(st.sampled_from([a for a in addrs if a != frm]))
        if not balance[frm]:
            continue
        amt = draw(st.integers(1, balance[frm]))
        balance[frm] -= amt
        balance[to] += amt
        rows.append((f"t{k}", k + 1, frm, to, amt))
    return table(rows)


@settings(max_examples=60, deadline=None)
@given(histories(), st.sampled_from(RULES), st.integers(1, 6))
def test_taint_never_created_or_lost(t, rule, hops):
    left = sum(a for a, f in zip(t["amount"], t["from"], strict=True) if f == "s")
    assume(left)
    flows, ends = trace(t, "s", rule=rule, hops=hops)
    total = sum(ends["amount"])
    assert (total >= left) if rule == "poison" else (total == left)
    assert all(0 < tk <= a for tk, a in zip(flows["tainted"], flows["amount"], strict=True))
    if rule in ("haircut", "poison"):  # one mixture per pool: at most one flow per transfer
        assert len(flows) <= len(t)
    received = sum(a for a, to in zip(t["amount"], t["to"], strict=True) if to == "d")
    if received:
        _, back = trace(t, "d", direction="backward", rule=rule, hops=hops)
        assert (sum(back["amount"]) >= received) if rule == "poison" else (sum(back["amount"]) == received)


def test_same_block_follows_the_position_in_the_block(tmp_path):
    """A transaction spending what another paid in the same block comes after it, whatever the
    hashes' order: the exports' transaction index says so (bitcoin-etl ``index``, ethereum-etl
    ``transaction_index``)."""
    import json

    from tracer.load.bitcoin_etl import load_bitcoin_etl
    from tracer.load.ethereum_etl import load_ethereum_etl

    def tx(h, index, spent, src, value, to):
        return {"hash": h, "index": index, "block_number": 5, "block_timestamp": 1_700_000_000,
                "is_coinbase": False, "fee": 100,
                "inputs": [{"index": 0, "spent_transaction_hash": spent, "spent_output_index": 0,
                            "addresses": [src], "value": value + 100}],
                "outputs": [{"index": 0, "addresses": [to], "value": value}]}

    p = tmp_path / "transactions.json"
    p.write_text(json.dumps(tx("ff-parent", 1, "t0", "src", 1_000, "mid")) + "\n"
                 + json.dumps(tx("00-child", 2, "ff-parent", "mid", 900, "dst")) + "\n")
    _, ends = trace_forward(load_bitcoin_etl(p), "src")
    assert ends.groupby("address")["amount"].sum().to_dict() == {"dst": 900, "fee": 200}

    c = tmp_path / "transactions.csv"
    c.write_text("hash,block_number,transaction_index,block_timestamp,from_address,to_address,value,receipt_status\n"
                 f"0xff,1,0,1700000000,{A},{B},10,1\n0x00,1,1,1700000000,{B},{C},10,1\n")
    _, ends = trace_forward(load_ethereum_etl({"transactions": c}), A)
    assert dict(zip(ends["address"], ends["amount"], strict=True)) == {C: 10}


@pytest.mark.parametrize("rule", ["haircut", "poison"])
def test_mixture_rules_do_not_multiply_pieces(rule):
    """Diamonds in a row: every path doubles at each one; a mixture stays one flow per transfer."""
    rows, blk, src = [], 0, "s"
    for k in range(6):
        for side in "ab":
            rows.append((f"t{blk}", blk, src, f"{side}{k}", 8))
            blk += 1
        for side in "ab":
            rows.append((f"t{blk}", blk, f"{side}{k}", f"c{k}", 8))
            blk += 1
        src = f"c{k}"
    t = table([("g", -1, "mint", "s", 10_000)] + rows)
    flows, ends = trace(t, "s", rule=rule, hops=20)
    assert len(flows) <= len(t)
    assert sum(ends["amount"]) >= 16
