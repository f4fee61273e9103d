"""ethereum-etl JSON lines load like CSV; checks name file, row and column; uint256 stays exact."""
import csv
import json
import random
from pathlib import Path

import pytest

import tracer.load as L
from tracer import transfers as T
from tracer.bench.evm import generate
from tracer.errors import LoadError, LoadWarning

DATA = Path(__file__).parent.parent / "data"
A, B, C = ("0x" + d * 40 for d in "123")
HEAD = "hash,block_number,block_timestamp,from_address,to_address,value,receipt_status\n"


def _typed(column, v):
    # as ethereum-etl's JSON lines exporter writes them: numbers, lists, null
    if column == "trace_address":
        return [int(x) for x in v.split(",")] if v else []
    if v == "":
        return None
    return int(v) if v.isdigit() and column not in ("hash", "transaction_hash") else v


def test_json_lines_load_like_csv(tmp_path):
    d = tmp_path / "eth"
    d.mkdir()
    for f in (DATA / "eth").glob("*.csv"):
        with open(f, newline="") as src, open(d / (f.stem + ".json"), "w") as out:
            for row in csv.DictReader(src):
                item = {"type": f.stem.rstrip("s"), **{k: _typed(k, v) for k, v in row.items()}}
                out.write(json.dumps(item) + "\n")
    assert '"trace_address": []' in (d / "traces.json").read_text()  # the top-level trace: not internal
    assert L.load(d).equals(L.load(DATA / "eth"))


def test_json_big_values_stay_exact_beside_nulls(tmp_path):
    # a column of ints with a null in it would become float64 in a DataFrame built from dicts
    p = tmp_path / "traces.jsonl"
    big = 2**63 - 25  # above 2**53: a float would round it
    rows = [{"transaction_hash": "0xt", "block_number": 1, "block_timestamp": 1, "from_address": A,
             "to_address": B, "value": big, "trace_type": "call", "status": 1, "trace_address": [0]},
            {"transaction_hash": "0xt", "block_number": 1, "block_timestamp": 1, "from_address": None,
             "to_address": C, "value": None, "trace_type": "reward", "status": 1, "trace_address": []}]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    t = L.load_ethereum_etl({"traces": p})
    assert t["amount"].tolist() == [big] and type(t["amount"][0]) is int


@pytest.mark.parametrize(("line", "column", "message"), [
    ('{"hash": "0xa", "block_number": 1, "from_address": "%s", "to_address": "%s", "value": 1.5e18}', "value",
     "not a non-negative integer: '1.5e18'"),
    ('{"hash": "0xa", "block_number": -1, "from_address": "%s", "to_address": "%s", "value": 1}', "block_number",
     "not a non-negative integer: '-1'"),
    ('{"hash": "0xa", "block_number": 1, "from_address": "%s", "to_address": "%s", "value": 1', None, "not JSON"),
])
def test_json_errors_name_row_and_column(tmp_path, line, column, message):
    p = tmp_path / "transactions.json"
    good = json.dumps({"hash": "0xa", "block_number": 1, "from_address": A, "to_address": B, "value": 1})
    p.write_text(good + "\n\n" + line % (A, B) + "\n")
    with pytest.raises(LoadError, match=message) as e:
        L.load_ethereum_etl({"transactions": p})
    assert (e.value.path, e.value.row, e.value.column) == (str(p), 2, column)


def test_json_missing_column(tmp_path):
    p = tmp_path / "transactions.json"
    p.write_text(json.dumps({"hash": "0xa", "block_number": 1, "from_address": A, "value": 1}) + "\n")
    with pytest.raises(LoadError, match="missing column") as e:
        L.load_ethereum_etl({"transactions": p})
    assert e.value.column == "to_address"


def test_csv_uint256_beside_small_values(tmp_path):
    p = tmp_path / "transactions.csv"
    p.write_text(HEAD + f"0xa,1,1,{A},{B},{2**256 - 1},1\n0xb,1,1,{A},{B},7,1\n0xc,1,1,{A},{B},{2**64},1\n")
    assert L.load_ethereum_etl({"transactions": p})["amount"].tolist() == [2**256 - 1, 7, 2**64]


def test_csv_quoted_trace_address_is_nested(tmp_path):
    p = tmp_path / "traces.csv"
    p.write_text("transaction_hash,block_number,block_timestamp,from_address,to_address,value,trace_type,status,"
                 f"trace_address\n0xt,1,1,{A},{B},5,call,1,\n0xt,1,1,{B},{C},3,call,1,\"0,1\"\n")
    t = L.load_ethereum_etl({"traces": p})
    assert t[["from", "amount", "kind"]].values.tolist() == [[B, 3, "internal"]]


@pytest.mark.parametrize(("body", "row", "column", "message"), [
    (f"0xa,1,1,{A},{B},5,1\n0xb,1,1,{A},{B},5\n", 2, None, "6 fields, the header has 7"),
    (f"0xa,1,1,{A},{B},5,1\n0xb,1,1,{A},{B},5,2\n", 2, "receipt_status", "must be 0 or 1"),
    (f"0xa,1,1,{A},{B},5,1\n0xb,1,yesterday,{A},{B},5,1\n", 2, "block_timestamp", "not a timestamp"),
    (f"0xa,1,1,{A},{B}, 5,1\n0xb,x,1,{A},{B},5,1\n", 2, "block_number", "not a non-negative integer: 'x'"),
    (f"0xa,1,1,{A},{B},5,1\n0xb,1,1,{A[:-1]},{B},5,1\n", 2, "from_address", "not an EVM address"),
])
def test_csv_errors_name_row_and_column(tmp_path, body, row, column, message):
    p = tmp_path / "transactions.csv"
    p.write_text(HEAD + body)
    with pytest.raises(LoadError, match=message) as e:
        L.load_ethereum_etl({"transactions": p})
    assert (e.value.path, e.value.row, e.value.column) == (str(p), row, column)


def test_empty_and_header_only_files(tmp_path):
    # ethereum-etl writes the header with the first row: a block range without rows is a 0-byte file
    for name in ("transactions.csv", "traces.json", "token_transfers.jsonl", "receipts.csv", "tokens.csv"):
        (tmp_path / name).write_bytes(b"")
    files = {f.stem: f for f in tmp_path.iterdir()}
    t = L.load_ethereum_etl(files)
    assert len(t) == 0 and list(t.columns) == T.COLUMNS + [T.TX_INDEX, T.SYMBOL]
    p = tmp_path / "transactions.csv"
    p.write_text("\n")  # not what ethereum-etl writes: a file with something in it, but no header
    with pytest.raises(LoadError, match="empty file: no header row"):
        L.load_ethereum_etl({"transactions": p})
    p.write_text(HEAD)
    assert len(L.load_ethereum_etl({"transactions": p})) == 0


def test_receipt_errors_name_the_receipts_file(tmp_path):
    tx, rc = tmp_path / "transactions.csv", tmp_path / "receipts.csv"
    tx.write_text(f"hash,block_number,block_timestamp,from_address,to_address,value,gas_price\n0xa,1,1,{A},{B},5,2\n")
    rc.write_text("transaction_hash,status,gas_used\n0xa,1,21000.5\n")
    with pytest.raises(LoadError, match=r"21000\.5") as e:
        L.load_ethereum_etl({"transactions": tx, "receipts": rc})
    assert (e.value.path, e.value.row, e.value.column) == (str(rc), 1, "gas_used")


def test_receipts_first_wins_and_missing_receipt_means_unknown(tmp_path):
    tx, rc = tmp_path / "transactions.csv", tmp_path / "receipts.csv"
    tx.write_text("hash,block_number,block_timestamp,from_address,to_address,value,gas_price\n"
                  f"0xa,1,1,{A},{B},5,2\n0xb,1,1,{A},{B},6,2\n")
    rc.write_text("transaction_hash,status,gas_used,effective_gas_price\n0xa,0,100,3\n0xa,1,100,3\n")
    with pytest.warns(LoadWarning, match="1 of 2 transactions have no receipt status"):
        t = L.load_ethereum_etl({"transactions": tx, "receipts": rc})
    assert t[["tx_hash", "amount", "kind"]].values.tolist() == [["0xa", 300, "fee"], ["0xb", 6, "native"]]


def test_loaded_table_is_in_transfers_sort_order(tmp_path):
    generate(tmp_path, 3000, random.Random(5))
    t = L.load(tmp_path)
    assert len(t) == 3000 and set(t["kind"]) == {"native", "token", "fee"}
    assert t.equals(T.sort(t))
    assert t["timestamp"].notna().all()  # token transfers took their block's time
    assert any(v > 2**63 for v in t["amount"])


def test_trace_without_transaction_hash_is_an_error_only_if_it_moves_value(tmp_path):
    p = tmp_path / "traces.csv"
    head = ("transaction_hash,block_number,block_timestamp,from_address,to_address,value,trace_type,status,"
            "trace_address\n")
    p.write_text(head + f",1,1,,{A},2000000000000000000,reward,1,\n0xt,1,1,{A},{B},3,call,1,0\n")
    assert L.load_ethereum_etl({"traces": p})["tx_hash"].tolist() == ["0xt"]
    p.write_text(head + f"0xt,1,1,{A},{B},3,call,1,0\n,1,1,{B},{C},3,call,1,0\n")  # geth traces carry no hash
    with pytest.raises(LoadError, match="empty transaction hash") as e:
        L.load_ethereum_etl({"traces": p})
    assert (e.value.row, e.value.column) == (2, "transaction_hash")


@pytest.mark.parametrize("hashes", [
    ["0x" + "0" * 20 + "b", "0x" + "0" * 20 + "a", "0x" + "0" * 19],  # one 16-character prefix: full compare
    ["0xé1", "0xe2", "0x"],  # not ASCII
])
def test_rows_sort_by_full_tx_hash(tmp_path, hashes):
    p = tmp_path / "transactions.csv"
    p.write_text(HEAD + "".join(f"{h},7,1,{A},{B},5,1\n" for h in hashes), encoding="utf-8")
    t = L.load_ethereum_etl({"transactions": p})
    assert t["tx_hash"].tolist() == sorted(hashes)
    assert t.equals(T.sort(t))


def test_token_transfers_decoded_from_logs(tmp_path):
    """Without a token_transfers file, ERC-20 Transfer logs give the same rows; ERC-721 (four
    topics) and other events are not fungible transfers and are skipped."""
    import csv

    from tracer.load.ethereum_etl import TRANSFER_TOPIC

    src = Path(__file__).parent.parent / "data" / "eth"
    with open(src / "token_transfers.csv", newline="") as fh:
        transfers = list(csv.DictReader(fh))

    def word(hexstr):
        return "0x" + hexstr[2:].lower().rjust(64, "0")

    lines = ["log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics"]
    for r in transfers:
        topics = ",".join([TRANSFER_TOPIC, word(r["from_address"]), word(r["to_address"])])
        lines.append(f'{r["log_index"]},{r["transaction_hash"]},0,0xb,{r["block_number"]},{r["token_address"]},'
                     f'0x{int(r["value"]):064x},"{topics}"')
    nft = ",".join([TRANSFER_TOPIC, word("0x" + "1" * 40), word("0x" + "2" * 40), "0x" + "0" * 63 + "7"])
    lines.append(f'9,0xt1,0,0xb,1,0x{"9" * 40},0x,"{nft}"')
    logs = tmp_path / "eth"
    logs.mkdir()
    for name in ("transactions.csv", "traces.csv", "tokens.csv"):
        (logs / name).write_text((src / name).read_text())
    (logs / "logs.csv").write_text("\n".join(lines) + "\n")
    from tracer.load import load

    cols = ["tx_hash", "from", "to", "asset", "amount", "kind", "decimals", "index"]
    via_logs = load(logs)
    assert via_logs[cols].equals(load(src)[cols])
    bad = f'0,0xt1,0,0xb,1,0x{"9" * 40},0x{5:064x},"{TRANSFER_TOPIC},0xzz,0xzz"'
    (logs / "logs.csv").write_text(lines[0] + "\n" + bad + "\n")
    with pytest.raises(LoadError, match="32-byte hex word") as e:
        load(logs)
    assert e.value.row == 1 and e.value.column == "topics"


def test_order_by_position_and_by_hash_when_positions_clash(tmp_path):
    """Rows come in T.sort order whether the positions in the block name the transactions or not
    (two hashes at one position: an export mixing forks; then the hash decides)."""
    a, b = "0x" + "1" * 40, "0x" + "2" * 40
    for positions in ((1, 0), (0, 0), ("", "")):
        p = tmp_path / f"t{positions}.csv"
        p.write_text("hash,block_number,transaction_index,block_timestamp,from_address,to_address,value,receipt_status\n"
                     f"0xaa,7,{positions[0]},1,{a},{b},5,1\n0xbb,7,{positions[1]},1,{b},{a},6,1\n")
        t = L.load_ethereum_etl({"transactions": p})
        assert t.equals(T.sort(t))
        assert list(t["tx_hash"]) == (["0xbb", "0xaa"] if positions == (1, 0) else ["0xaa", "0xbb"])
