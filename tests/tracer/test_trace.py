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


def test_utxo_transaction_is_one_hop_and_appears_once(tmp_path):
    import json

    from tracer.load.bitcoin_etl import load_bitcoin_etl

    def tx(h, block, spent, src, outs):
        return {"hash": h, "block_number": block, "block_timestamp": 1_700_000_000 + block, "is_coinbase": False,
                "fee": 100, "inputs": [{"index": 0, "spent_transaction_hash": spent, "spent_output_index": 0,
                                        "addresses": [src], "value": sum(v for _, v in outs) + 100}],
                "outputs": [{"index": i, "addresses": [a], "value": v} for i, (a, v) in enumerate(outs)]}

    p = tmp_path / "transactions.json"
    p.write_text("\n".join(json.dumps(t) for t in [
        tx("t1", 1, "t0", "bcrt1src", [("bcrt1peel1", 1_000), ("bcrt1chg1", 8_900)]),
        tx("t2", 2, "t1", "bcrt1chg1", [("bcrt1peel2", 800), ("bcrt1chg2", 8_000)]),
    ]) + "\n")
    flows, ends = trace_forward(load_bitcoin_etl(p), "bcrt1src", rule="fifo", hops=6)
    by_addr = {e.address: e for e in ends.itertuples()}
    assert by_addr["bcrt1peel1"].hops == 1 and list(by_addr["bcrt1peel1"].path) == ["t1"]
    assert by_addr["bcrt1chg2"].hops == 2 and list(by_addr["bcrt1chg2"].path) == ["t1", "t2"]
    assert sum(e.amount for e in ends.itertuples()) == 10_000  # everything the source sent, fees included
    _, limited = trace_forward(load_bitcoin_etl(p), "bcrt1src", rule="fifo", hops=1)
    assert {e.address: e.why for e in limited.itertuples()}["bcrt1chg1"] == "hop limit"
