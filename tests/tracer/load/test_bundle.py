"""Folders of exports: chains by folder, formats by content, partitions by block range."""
import shutil
from pathlib import Path

import pytest

from tracer.errors import LoadError
from tracer.load import load

DATA = Path(__file__).parent.parent / "data"


def test_bitcoin_etl_csv_in_a_folder(tmp_path):
    d = tmp_path / "btc"
    d.mkdir()
    shutil.copy(DATA / "bitcoin_etl/csv/transactions.csv", d / "transactions.csv")
    t = load(tmp_path)
    assert set(t["chain"]) == {"btc"} and set(t["kind"]) <= {"utxo", "fee"} and len(t)


def test_partitioned_exports_load_like_one_file(tmp_path):
    whole = load(DATA / "eth")
    for f in (DATA / "eth").iterdir():
        table = f.stem
        part = tmp_path / "eth" / table / "start_block=00000000" / "end_block=00099999"
        dest = part / f"{table}_00000000_00099999{f.suffix}"
        dest.parent.mkdir(parents=True)
        shutil.copy(f, dest)
    split = load(tmp_path)
    assert split.equals(whole)
    btc = tmp_path / "bitcoin"
    btc.mkdir()
    shutil.copy(DATA / "bitcoin_etl/mainnet/transactions.json", btc / "transactions_00000000_00000170.json")
    assert set(load(tmp_path)["chain"]) == {"eth", "bitcoin"}


def test_two_files_for_one_table_is_an_error(tmp_path):
    d = tmp_path / "eth"
    d.mkdir()
    shutil.copy(DATA / "eth/transactions.csv", d / "transactions.csv")
    shutil.copy(DATA / "eth/transactions.csv", d / "transactions.json")
    with pytest.raises(LoadError, match="second transactions file"):
        load(tmp_path)
