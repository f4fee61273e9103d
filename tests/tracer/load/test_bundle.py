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


def test_several_chains_are_in_sort_order_and_one_chain_in_two_folders_is_merged(tmp_path):
    from tracer import transfers as T

    for name, source in (("zeta", DATA / "eth"), ("bitcoin", DATA / "bitcoin_etl/mainnet"), ("eth", DATA / "eth")):
        shutil.copytree(source, tmp_path / name)
    mixed = load(*(tmp_path / name for name in ("zeta", "bitcoin", "eth")))
    assert list(dict.fromkeys(mixed["chain"])) == ["bitcoin", "eth", "zeta"]
    assert mixed.equals(T.sort(mixed.sample(frac=1, random_state=1).reset_index(drop=True)))
    # both eth folders as one chain: the loader's two sorted tables are merged, not put end to end
    one = load(tmp_path / "eth", tmp_path / "zeta", chain="eth")
    assert len(one) == 2 * len(load(DATA / "eth")) and one.equals(T.sort(one.iloc[::-1].reset_index(drop=True)))


def test_two_files_for_one_table_is_an_error(tmp_path):
    d = tmp_path / "eth"
    d.mkdir()
    shutil.copy(DATA / "eth/transactions.csv", d / "transactions.csv")
    shutil.copy(DATA / "eth/transactions.csv", d / "transactions.json")
    with pytest.raises(LoadError, match="second transactions file"):
        load(tmp_path)
