"""``load(..., extra=True)``: the columns the heuristics read, from real export fields."""
import json
from pathlib import Path

import pytest

import tracer.load as L
from tracer import transfers as T
from tracer.errors import LoadError
from tracer.load.bitcoin_etl import load_bitcoin_etl

DATA = Path(__file__).parent.parent / "data"
SHAPES = DATA / "bitcoin_etl" / "shapes" / "transactions.json"


def test_utxo_rows_carry_script_type_locktime_version_sequence():
    t = load_bitcoin_etl(SHAPES, extra=True)
    txs = [json.loads(line) for line in SHAPES.read_text().splitlines()]
    for tx in txs:
        rows = t[t[T.TX_HASH] == tx["hash"]]
        assert set(rows[T.VERSION]) == {tx["version"]} and set(rows[T.LOCKTIME]) == {tx["lock_time"]}
        for i in tx["inputs"]:
            row = rows[rows[T.INDEX] == -1 - i["index"]].iloc[0]
            assert (row[T.SCRIPT_TYPE], row[T.SEQUENCE]) == (i["type"], i["sequence"])
        for o in tx["outputs"]:
            row = rows[(rows[T.INDEX] == o["index"]) & (rows[T.KIND] == T.UTXO)].iloc[0]
            assert (row[T.SCRIPT_TYPE], row[T.SEQUENCE]) == (o["type"], None)
    fee = t[t[T.KIND] == T.FEE]
    assert fee[T.SCRIPT_TYPE].isna().all() and fee[T.VERSION].notna().all()
    assert t.loc[t[T.SCRIPT_TYPE] == "multisig", T.INDEX].tolist() == [0, -1]  # the bare multisig and its spend
    assert t[T.GAS_PRICE].isna().all() and t[T.SELECTOR].isna().all()


def test_an_input_without_type_takes_the_spent_outputs(tmp_path):
    lines = SHAPES.read_text().splitlines()
    spend = json.loads(lines[1])
    spend["inputs"][0]["type"] = None  # as export_blocks_and_transactions leaves it before enrich
    p = tmp_path / "transactions.json"
    p.write_text("\n".join([lines[0], json.dumps(spend)]) + "\n")
    t = load_bitcoin_etl(p, extra=True)
    assert t.loc[t[T.INDEX] == -1, T.SCRIPT_TYPE].tolist() == ["pubkeyhash"]


def test_evm_rows_carry_their_transactions_gas_price_and_selector():
    t = L.load(DATA / "ethereum_etl" / "export_all", extra=True)
    assert t[[T.KIND, T.GAS_PRICE, T.SELECTOR]].values.tolist() == [
        ["native", 20 * 10**9, None], ["fee", 20 * 10**9, None],
        ["token", 20 * 10**9, "0xa9059cbb"], ["fee", 20 * 10**9, "0xa9059cbb"],  # transfer(address,uint256)
        ["fee", 25 * 10**9, None],
        ["native", 25 * 10**9, None], ["fee", 25 * 10**9, None]]  # a creation's init code is no call
    assert t[T.UTXO_EXTRA].isna().all().all()
    geth = L.load(DATA / "ethereum_etl" / "geth", extra=True)
    assert set(geth[T.GAS_PRICE]) == {30 * 10**9}  # internal rows too, joined by block and position


def test_columns_only_when_asked_and_on_every_table():
    assert not set(T.EXTRA) & set(L.load(DATA / "eth").columns)
    mixed = L.load(DATA / "eth", DATA / "btc", extra=True)
    assert set(T.EXTRA) <= set(mixed.columns)
    btc = mixed[mixed[T.CHAIN] == "btc"]
    assert btc[T.GAS_PRICE].tolist() == [None] * len(btc)  # None, not NaN: the EVM column on UTXO rows
    assert mixed.loc[mixed[T.CHAIN] == "eth", T.SEQUENCE].tolist() == [None] * (len(mixed) - len(btc))
    assert list(L.load(DATA / "ethereum_etl" / "export_all" / "transactions" / "start_block=00000200",
                       extra=True).columns)[-6:] == T.EXTRA


def test_bad_calldata_names_its_row(tmp_path):
    p = tmp_path / "transactions.csv"
    a = "0x" + "1" * 40
    p.write_text(f"hash,block_number,from_address,to_address,value,receipt_status,input\n"
                 f"0xa,1,{a},{a},5,1,0xa9059cbb00\n0xb,1,{a},{a},5,1,0xnothexatall\n")
    assert L.load_ethereum_etl({"transactions": p})["amount"].tolist() == [5, 5]  # not read unless asked
    with pytest.raises(LoadError, match="not hex calldata") as e:
        L.load_ethereum_etl({"transactions": p}, extra=True)
    assert (e.value.row, e.value.column) == (2, "input")
