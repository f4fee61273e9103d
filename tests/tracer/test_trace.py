from pathlib import Path

import tracer.load as L
from tracer.trace import trace_forward

DATA = Path(__file__).parent / "data"
A, B, C, K = ("0x" + d * 40 for d in "1234")


def test_eth_forward_reconciles():
    t = L.load(DATA / "eth")
    flows, ends = trace_forward(t, A)
    eth = ends[ends["asset"] == "ETH"]
    left = sum(t[(t["from"] == A) & (t["asset"] == "ETH")]["amount"])
    assert sum(eth["amount"]) == left
    row = ends[ends["address"] == K].iloc[0]
    assert row["amount"] == 4 * 10**17 and row["path"] == ["0xt1", "0xt2", "0xt2"]
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
    assert dict(zip(ends["address"], ends["amount"])) == {"bc1qminer": 4699999000, "bc1qvictim": 300000000, "fee": 1000}
