"""Folders exactly as ethereum-etl's CLI writes them: 0-byte files, geth traces, receipts apart."""
import csv
import io
import shutil
from pathlib import Path

import pytest

import tracer.load as L
from tracer.errors import LoadError, LoadWarning
from tracer.load.ethereum_etl import COLUMNS

DATA = Path(__file__).parent.parent / "data" / "ethereum_etl"


def as_csv(table):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(["" if v is None else v for v in row] for row in table[COLUMNS].itertuples(index=False))
    return out.getvalue()


@pytest.mark.parametrize("folder", ["export_all", "geth", "weth9"])
def test_golden(folder):
    t = L.load(DATA / folder)
    assert as_csv(t) == (DATA / folder / "expected_transfers.csv").read_text()
    assert all(type(a) is int for a in t["amount"])


def test_a_block_range_without_rows_is_empty_not_an_error():
    empty = DATA / "export_all" / "transactions" / "start_block=00000200" / "end_block=00000299"
    assert (empty / "transactions_00000200_00000299.csv").stat().st_size == 0
    part = {p.name.split("_000")[0]: p for p in (DATA / "export_all").rglob("*_00000200_00000299.csv")}
    assert len(L.load_ethereum_etl(part)) == 0


@pytest.mark.filterwarnings("ignore::tracer.errors.LoadWarning")
def test_geth_traces_need_their_transactions(tmp_path):
    shutil.copy(DATA / "geth" / "traces.csv", tmp_path / "traces.csv")
    with pytest.raises(LoadError, match=r"geth traces .* carry no hash") as e:
        L.load(tmp_path)
    assert (e.value.row, e.value.column) == (2, "transaction_hash")  # the first trace that moves value
    # transactions of other blocks do not help
    elsewhere = (DATA / "geth" / "transactions.csv").read_text().replace(",300,", ",301,")
    (tmp_path / "transactions.csv").write_text(elsewhere)
    with pytest.raises(LoadError, match="no transaction at block 300, position 0"):
        L.load(tmp_path)


def test_no_export_files_found(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(LoadError, match="no export files found in this folder") as e:
        L.load(tmp_path)
    assert e.value.path == str(tmp_path)
    with pytest.raises(LoadError, match="not an export file"):
        L.load(tmp_path / "notes.txt")


def test_transactions_without_receipts_warn(tmp_path):
    shutil.copy(DATA / "geth" / "transactions.csv", tmp_path / "transactions.csv")
    with pytest.warns(LoadWarning, match="no receipt_status column and no receipts file.*cannot be told apart"):
        t = L.load(tmp_path)
    assert set(t["kind"]) == {"native"}  # the failed transaction's value counts as moved: the warning says so
    receipts = (DATA / "geth" / "receipts.csv").read_text().splitlines(keepends=True)
    (tmp_path / "receipts.csv").write_text("".join(receipts[:-1]))  # the last transaction's is missing
    with pytest.warns(LoadWarning, match="1 of 5 transactions have no receipt status"):
        L.load(tmp_path)


def test_token_transfers_beside_an_empty_transactions_file(tmp_path):
    d = tmp_path / "eth"
    d.mkdir()
    part = DATA / "export_all" / "token_transfers" / "start_block=00000100" / "end_block=00000199"
    (d / "token_transfers.csv").write_text((part / "token_transfers_00000100_00000199.csv").read_text())
    (d / "transactions.csv").write_bytes(b"")
    t = L.load(d)
    assert t[["kind", "amount", "tx_index"]].values.tolist() == [["token", 2_500_000, -1]]
