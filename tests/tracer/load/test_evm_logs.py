"""WETH9's wraps and unwraps, read from ethereum-etl logs (mainnet layouts, tests/tracer/data/ethereum_etl/weth9)."""
import csv
import json
import shutil
from pathlib import Path

import pytest

import tracer.load as L
from tracer.errors import LoadError
from tracer.load.evm_schema import DEPOSIT_TOPIC, TRANSFER_TOPIC

DATA = Path(__file__).parent.parent / "data" / "ethereum_etl" / "weth9"
WETH, ZERO = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", "0x" + "0" * 40
ROUTER_A, ROUTER_B = "0xef1c6e67703c7bd7107eed8303fbe6ec2554bf6b", "0x7a250d5630b4cf539739df2c5dacb4c659f2488d"
WAD_A, WAD_B = 750_000_000_000_000_000, 32_243_172_196_196_555


def wraps(t):
    """The WETH mints and burns of a table: (from, to, amount, log index)."""
    rows = t[(t["asset"] == WETH) & ((t["from"] == ZERO) | (t["to"] == ZERO))]
    return rows[["from", "to", "amount", "index"]].values.tolist()


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def copy(tmp_path):
    d = tmp_path / "weth9"
    shutil.copytree(DATA, d)
    (d / "expected_transfers.csv").unlink()
    return d


def word(address):
    return "0x" + address[2:].rjust(64, "0")


def test_deposit_and_withdrawal_are_a_mint_and_a_burn():
    """Mainnet WETH9 emits no Transfer when it wraps or unwraps, so ethereum-etl's token_transfers
    lack both; the loader reads them from the logs."""
    assert all(r["token_address"] != WETH or ZERO not in (r["from_address"], r["to_address"])
               for r in rows_of(DATA / "token_transfers.csv"))
    assert wraps(L.load(DATA)) == [[ZERO, ROUTER_A, WAD_A, 43], [ROUTER_B, ZERO, WAD_B, 804]]


def test_without_logs_there_is_nothing_to_read_them_from(tmp_path):
    d = copy(tmp_path)
    (d / "logs.csv").unlink()
    assert wraps(L.load(d)) == []


def test_logs_alone_give_the_token_transfers_and_the_wraps(tmp_path):
    d = copy(tmp_path)
    (d / "token_transfers.csv").unlink()
    assert L.load(d).equals(L.load(DATA))


def test_json_lines_logs_load_like_csv(tmp_path):
    d = copy(tmp_path)
    with open(d / "logs.json", "w") as out:  # ethereum-etl's JSON exporter: topics a list, numbers numbers
        for r in rows_of(d / "logs.csv"):
            item = {"type": "log", **r, "topics": r["topics"].split(",")}
            for k in ("log_index", "transaction_index", "block_number"):
                item[k] = int(item[k])
            out.write(json.dumps(item) + "\n")
    (d / "logs.csv").unlink()
    assert L.load(d).equals(L.load(DATA))


@pytest.mark.parametrize("where", ["token_transfers", "logs"])
def test_a_wrap_that_also_emits_transfer_counts_once(tmp_path, where):
    """A WETH that also emits Transfer from the zero address when it mints (as the lab's does):
    its Deposit is the same mint, not another one."""
    d = copy(tmp_path)
    logs = rows_of(d / "logs.csv")
    deposit = next(r for r in logs if r["topics"].startswith(DEPOSIT_TOPIC))
    mint = {**deposit, "log_index": "42", "topics": ",".join([TRANSFER_TOPIC, word(ZERO), word(ROUTER_A)])}
    write(d / "logs.csv", [mint] + logs)
    if where == "token_transfers":
        tt = rows_of(d / "token_transfers.csv")
        write(d / "token_transfers.csv", [{"token_address": WETH, "from_address": ZERO, "to_address": ROUTER_A,
                                            "value": str(WAD_A), "transaction_hash": deposit["transaction_hash"],
                                            "log_index": "42", "block_number": deposit["block_number"]}] + tt)
    else:
        (d / "token_transfers.csv").unlink()
    assert wraps(L.load(d)) == [[ZERO, ROUTER_A, WAD_A, 42], [ROUTER_B, ZERO, WAD_B, 804]]


def test_other_contracts_and_other_layouts_are_not_wraps(tmp_path):
    """The same event names mean other things elsewhere: a Deposit of another contract is read only
    when that contract is named as WETH9-like, and one with WETH9's name but another layout (the
    account not indexed) never."""
    d = copy(tmp_path)
    logs = rows_of(d / "logs.csv")
    deposit = next(r for r in logs if r["topics"].startswith(DEPOSIT_TOPIC))
    other = "0x" + "5" * 40
    vault = {**deposit, "log_index": "49", "address": other}
    flat = {**deposit, "log_index": "50", "topics": DEPOSIT_TOPIC, "data": word(ROUTER_A) + deposit["data"][2:]}
    write(d / "logs.csv", logs + [vault, flat])
    assert wraps(L.load(d)) == [[ZERO, ROUTER_A, WAD_A, 43], [ROUTER_B, ZERO, WAD_B, 804]]
    t = L.load(d, wrapped=[other.upper().replace("0X", "0x")])
    minted = t[(t["asset"] == other) & (t["from"] == ZERO)]
    assert minted[["to", "amount", "index"]].values.tolist() == [[ROUTER_A, WAD_A, 49]]


def test_a_bad_word_names_its_row(tmp_path):
    d = copy(tmp_path)
    logs = rows_of(d / "logs.csv")
    k = next(i for i, r in enumerate(logs) if r["topics"].startswith(DEPOSIT_TOPIC))
    logs[k]["data"] = "0x" + "zz" * 32
    write(d / "logs.csv", logs)
    with pytest.raises(LoadError, match="not a 32-byte hex word") as e:
        L.load(d)
    assert (e.value.row, e.value.column) == (k + 1, "data")
