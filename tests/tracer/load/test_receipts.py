"""ethereum-etl CLI exports keep receipts apart: status and fees must come from receipts.csv."""
import pytest

from tracer.errors import LoadWarning
from tracer.load import load

A, B = "0x" + "1" * 40, "0x" + "2" * 40


def test_receipts_file_gives_status_and_fees(tmp_path):
    d = tmp_path / "ethereum"
    d.mkdir()
    (d / "transactions.csv").write_text(
        "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,"
        "block_timestamp\n"
        f"0xaa,0,0xb1,1,0,{A},{B},1000,21000,1000000000,0x,1700000000\n"
        f"0xbb,1,0xb1,1,1,{A},{B},5000,21000,1000000000,0x,1700000000\n")
    (d / "receipts.csv").write_text(
        "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,contract_address,"
        "root,status,effective_gas_price\n"
        "0xaa,0,0xb1,1,21000,21000,,,1,1000000000\n"
        "0xbb,1,0xb1,1,42000,21000,,,0,1000000000\n")
    t = load(d)
    native = t[t["kind"] == "native"]
    assert native["tx_hash"].tolist() == ["0xaa"]  # the failed transfer moved nothing
    fees = t[t["kind"] == "fee"].sort_values("tx_hash")
    assert fees["tx_hash"].tolist() == ["0xaa", "0xbb"]  # ... but paid its gas
    assert fees["amount"].tolist() == [21000 * 10**9, 21000 * 10**9]


def test_receipts_in_another_order_one_missing_and_a_contract_creation(tmp_path):
    d = tmp_path / "ethereum"
    d.mkdir()
    c = "0x" + "c" * 40
    (d / "transactions.csv").write_text(
        "hash,block_number,transaction_index,from_address,to_address,value,gas_price,block_timestamp\n"
        f"0xaa,1,0,{A},,7,2,1700000000\n"          # creates c, paying it 7 wei
        f"0xbb,1,1,{A},{B},5,2,1700000000\n"       # no receipt: status unknown, value moves, no fee
        f"0xcc,1,2,{B},,3,2,1700000000\n")         # a creation without a receipt: no contract known
    (d / "receipts.csv").write_text(
        "transaction_hash,gas_used,contract_address,status,effective_gas_price\n"
        "0xcc,50,,,\n"
        f"0xaa,100,{c.upper().replace('0X', '0x')},1,3\n")
    with pytest.warns(LoadWarning, match="2 of 3 transactions have no receipt status"):
        t = load(d)
    rows = sorted(zip(t["tx_hash"], t["kind"], t["from"], t["to"], t["amount"], strict=True))
    assert rows == [("0xaa", "fee", A, "fee", 300), ("0xaa", "native", A, c, 7),
                    ("0xbb", "native", A, B, 5), ("0xcc", "native", B, "", 3)]
