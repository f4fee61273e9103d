from pathlib import Path

import pytest

import tracer.load as L
from tracer.errors import LoadError

DATA = Path(__file__).parent.parent / "data"
A, B, C, K = ("0x" + d * 40 for d in "1234")
USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"


def test_eth_folder_golden():
    t = L.load(DATA / "eth")
    got = [(r["tx_hash"], r["from"], r["to"], r["asset"], r["amount"], r["kind"]) for _, r in t.iterrows()]
    assert got == [
        ("0xt1", A, B, "ETH", 3 * 10**18, "native"),
        ("0xt1", A, B, USDT, 2**256 - 1, "token"),
        ("0xt1", A, "fee", "ETH", 210000, "fee"),
        ("0xt2", B, C, "ETH", 10**18, "native"),
        ("0xt2", C, K, "ETH", 4 * 10**17, "internal"),  # the reverted trace (status 0) moves nothing
        ("0xt2", B, "fee", "ETH", 400000, "fee"),
        ("0xt3", B, "fee", "ETH", 210000, "fee"),  # failed tx: only its gas
    ]
    assert all(type(v) is int for v in t["amount"])
    assert t.loc[t["kind"] == "token", "decimals"].tolist() == [6]
    assert t.loc[t["kind"] == "token", "timestamp"].tolist() == [1704067200]


@pytest.mark.parametrize(("name", "row", "column"), [
    ("missing_column.csv", None, "to_address"),
    ("bad_address.csv", 1, None),  # its row 1 has 6 fields for 7 columns: never padded with empties
    ("float_value.csv", 1, "value"),
])
def test_malformed_csv(name, row, column):
    with pytest.raises(LoadError) as e:
        L.load_ethereum_etl({"transactions": DATA / "bad" / name})
    assert name in str(e.value) and e.value.column == column and e.value.row == row


def test_bad_address_names_row_and_column(tmp_path):
    p = tmp_path / "transactions.csv"
    p.write_text("hash,block_number,block_timestamp,from_address,to_address,value,receipt_status\n"
                 f"0xt1,1,1,{A},{B},5,1\n0xt2,1,1,{A},0xnothex,5,1\n")
    with pytest.raises(LoadError, match="not an EVM address: '0xnothex'") as e:
        L.load_ethereum_etl({"transactions": p})
    assert (e.value.row, e.value.column) == (2, "to_address")


def test_bitcoin_golden_and_bad():
    t = L.load(DATA / "btc")
    assert t[["from", "to", "amount", "kind"]].values.tolist() == [
        ["c0", "bc1qminer", 5000000000, "utxo"],
        ["bc1qminer", "t1", 5000000000, "utxo"],
        ["t1", "bc1qvictim", 300000000, "utxo"],
        ["t1", "bc1qminer", 4699999000, "utxo"],
        ["t1", "fee", 1000, "fee"],
    ]
    with pytest.raises(LoadError, match=r"inputs.*value"):
        L.load(DATA / "bad" / "transactions.json")


def test_several_chains_at_once():
    t = L.load(DATA / "eth", DATA / "btc")
    assert sorted(set(t["chain"])) == ["btc", "eth"]


def test_missing_path():
    with pytest.raises(LoadError, match="no such"):
        L.load(DATA / "nope")


def test_symbols_native_and_from_tokens(tmp_path):
    t = L.load(DATA / "eth", DATA / "btc")
    assert dict(zip(t["asset"], t["symbol"], strict=True)) == {"ETH": "ETH", USDT: "USDT", "BTC": "BTC"}
    d = tmp_path / "eth"
    d.mkdir()
    (d / "token_transfers.csv").write_text((DATA / "eth" / "token_transfers.csv").read_text())
    assert L.load(d)["symbol"].tolist() == [None]  # no tokens file: the token is not named
    shouting = USDT.upper().replace("0X", "0x")
    (d / "tokens.csv").write_text(f"address,symbol,name,decimals\n{shouting}, \x07US\tDT ,T,6\n")
    assert L.load(d)["symbol"].tolist() == ["\ufffdUS\ufffdDT"]  # control characters cannot break a table line


def test_every_loaded_table_has_the_symbol_column(tmp_path):
    p = tmp_path / "transactions.csv"
    p.write_text("hash,block_number,from_address,to_address,value\n")
    assert "symbol" in L.load_ethereum_etl({"transactions": p}).columns
    q = tmp_path / "transactions.json"
    q.write_text("")
    from tracer.load.bitcoin_etl import load_bitcoin_etl
    assert "symbol" in load_bitcoin_etl(q).columns
