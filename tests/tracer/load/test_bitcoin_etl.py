"""bitcoin-etl transactions files as bitcoin-etl, BigQuery and bitcoin-etl's CSV writer produce them."""
import csv
import io
import json
import pathlib

import pytest

import tracer.load as L
from tracer import transfers as T
from tracer.errors import LoadError
from tracer.load.bitcoin_etl import load_bitcoin_etl, parse_timestamp

DATA = pathlib.Path(__file__).parent.parent / "data" / "bitcoin_etl"
F418 = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"


def as_csv(table):
    """The transfers table in the golden files' text form (ints written exactly, None as empty)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(T.COLUMNS)
    for row in table[T.COLUMNS].itertuples(index=False):
        w.writerow(["" if v is None else v for v in row])
    return out.getvalue()


@pytest.mark.parametrize(("source", "expected"), [
    ("mainnet/transactions.json", "mainnet"),
    ("bigquery/transactions.json", "mainnet"),  # INT64 as strings, TIMESTAMP as text
    ("csv/transactions.csv", "mainnet"),        # bitcoin-etl's CSV writer
    ("shapes/transactions.json", "shapes"),     # multisig, OP_RETURN, fees
])
def test_golden(source, expected):
    t = load_bitcoin_etl(DATA / source)
    assert as_csv(t) == (DATA / expected / "expected_transfers.csv").read_text()
    assert all(type(a) is int for a in t["amount"])


def test_first_payment_to_hal_finney():
    t = load_bitcoin_etl(DATA / "mainnet" / "transactions.json")
    tx = t[t["tx_hash"] == F418]
    assert dict(zip(tx["to"], tx["amount"], strict=True)) == {
        F418: 50 * 10**8, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3": 10 * 10**8,
        "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S": 40 * 10**8}
    assert set(tx["timestamp"]) == {1231731025}  # 2009-01-12 03:30:25 UTC


def test_folder_through_tracer_load():
    t = L.load(DATA / "mainnet")
    golden = (DATA / "mainnet" / "expected_transfers.csv").read_text().replace("\nbitcoin,", "\nmainnet,")
    assert as_csv(t) == golden


def test_multisig_output_and_its_spend_share_one_name():
    t = load_bitcoin_etl(DATA / "shapes" / "transactions.json")
    multisig = "1Kz69ZY3nviHeF1uEZHhaQqMQurjNiFNPN,1Ha5KoyXDiiyWgg6zmkSeAARe4xA5RSmDS"
    assert (t["to"] == multisig).sum() == 1 and (t["from"] == multisig).sum() == 1


def test_output_without_address_gets_bitcoin_etls_nonstandard_name():
    t = load_bitcoin_etl(DATA / "shapes" / "transactions.json")
    # addresses [] and type nulldata: the name bitcoin-etl itself gives (sha256 of the script)
    assert "nonstandard5242ca0b198447ec110caa10a2227eaee528d73f" in set(t["to"])


def lines(name="mainnet/transactions.json"):
    return [json.loads(x) for x in (DATA / name).read_text().splitlines()]


def write(tmp_path, rows, name="transactions.json"):
    p = tmp_path / name
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return p


def test_inputs_not_enriched_are_filled_from_the_same_file(tmp_path):
    rows = lines()
    i = rows[2]["inputs"][0]
    i.update(required_signatures=None, type=None, addresses=[], value=None)  # as before enrich_transactions
    rows[2].update(input_value=0, fee=-rows[2]["output_value"])
    t = load_bitcoin_etl(write(tmp_path, rows))
    assert as_csv(t) == (DATA / "mainnet" / "expected_transfers.csv").read_text()


def test_inputs_not_enriched_and_not_in_the_file_fail():
    with pytest.raises(LoadError) as e:
        load_bitcoin_etl(DATA / "unenriched" / "transactions.json")
    assert (e.value.row, e.value.column) == (2, "inputs[0].value")
    assert "enrich_transactions" in str(e.value) and "unenriched/transactions.json" in str(e.value)


def test_block_rows_are_skipped_and_fill_missing_timestamps(tmp_path):
    rows = lines()
    block = {"type": "block", "hash": "00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee",
             "number": 170, "timestamp": 1231731025, "transaction_count": 2}
    rows[2]["block_timestamp"] = None
    t = load_bitcoin_etl(write(tmp_path, [block] + rows))
    assert as_csv(t) == (DATA / "mainnet" / "expected_transfers.csv").read_text()


def test_blocks_file_alone_gives_no_transfers(tmp_path):
    block = {"hash": "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", "size": 285,
             "number": 0, "timestamp": 1231006505, "transaction_count": 1}
    assert len(load_bitcoin_etl(write(tmp_path, [block]))) == 0


def test_timestamps():
    assert parse_timestamp("2009-01-03 18:15:05 UTC") == 1231006505
    assert parse_timestamp("2009-01-03T18:15:05Z") == 1231006505
    assert parse_timestamp("2009-01-03T20:15:05+02:00") == 1231006505
    assert parse_timestamp("2009-01-03 18:15:05.000000 UTC") == 1231006505


def _f418(**changes):
    row = lines()[2]
    for key, value in changes.items():
        target = row
        *path, last = key.split("__")
        for p in path:
            target = target[int(p)] if p.isdigit() else target[p]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return row


BAD = [  # (row changes, column, words in the message)
    ({"block_number": KeyError}, "block_number", "missing field"),
    ({"outputs__1__value": KeyError}, "outputs[1].value", "missing field"),
    ({"outputs__1__value": -1}, "outputs[1].value", "negative"),
    ({"outputs__0__value": 1.5}, "outputs[0].value", "1.5"),
    ({"outputs__0__value": 1e8}, "outputs[0].value", "float"),
    ({"outputs__0__value": "1e8"}, "outputs[0].value", "not an integer"),
    ({"inputs__0__value": "5000000000.0"}, "inputs[0].value", "not an integer"),
    ({"inputs__0__spent_output_index": KeyError}, "inputs[0].spent_output_index", "missing field"),
    ({"fee": 1}, "fee", "inputs 5000000000 != outputs 5000000000 + fee 1"),
    ({"outputs__1__value": 4000000001, "output_value": 5000000001, "fee": None}, "fee", "inputs 5000000000 < outputs"),
    ({"output_value": 1}, "output_value", "output_value 1"),
    ({"input_count": 2}, "input_count", "input_count 2"),
    ({"block_timestamp": "2009-01-12 03:30:25"}, "block_timestamp", "not a timestamp"),
    ({"block_timestamp": "2009-02-30 03:30:25 UTC"}, "block_timestamp", "day is out of range"),
    ({"block_timestamp": 1231731025.5}, "block_timestamp", "not an integer"),
    ({"is_coinbase": "yes"}, "is_coinbase", "not a boolean"),
    ({"outputs__0__addresses": "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3,x"}, "outputs[0].addresses", "addresses"),
    ({"outputs": {"index": 0}}, "outputs", "not a list"),
]


@pytest.mark.parametrize(("changes", "column", "words"), BAD, ids=[b[1] + ":" + b[2][:20] for b in BAD])
def test_bad_values_name_file_row_and_column(tmp_path, changes, column, words):
    rows = lines()[:2] + [_f418(**changes)]
    p = write(tmp_path, rows)
    with pytest.raises(LoadError) as e:
        load_bitcoin_etl(p)
    message = str(e.value)
    assert str(p) in message and "row 3" in message and repr(column) in message and words in message


def test_bad_json_line(tmp_path):
    p = write(tmp_path, [lines()[0], '{"hash": "x", "outputs": [', lines()[1]])
    with pytest.raises(LoadError, match=r"transactions.json, row 2: not JSON"):
        load_bitcoin_etl(p)


def test_bad_csv_cell(tmp_path):
    text = (DATA / "csv" / "transactions.csv").read_bytes().decode()  # keep the writer's \r\n
    head, *body = text.split("\r\n")
    body[2] = body[2].replace("{'index': 0, 'spent_transaction_hash'", "{'index': 0 'spent_transaction_hash'", 1)
    p = tmp_path / "transactions.csv"
    p.write_bytes("\r\n".join([head] + body).encode())
    with pytest.raises(LoadError) as e:
        load_bitcoin_etl(p)
    assert (e.value.row, e.value.column) == (3, "inputs")
