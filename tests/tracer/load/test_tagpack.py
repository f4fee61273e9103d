"""GraphSense TagPacks: schema checks, provenance of every label, several packs at once."""
import csv
import io
import pathlib

import pytest

from tracer.errors import LoadError
from tracer.load.tagpack import TAG_COLUMNS, load_tagpacks

DATA = pathlib.Path(__file__).parent.parent / "data" / "tagpacks"
PACKS = [DATA / "early_bitcoin.yaml", DATA / "second_opinion.yaml"]
HAL = "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"


def as_csv(table):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(TAG_COLUMNS)
    for row in table.assign(pack=[pathlib.Path(p).name for p in table["pack"]]).itertuples(index=False):
        w.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def test_golden_two_packs():
    assert as_csv(load_tagpacks(*PACKS)) == (DATA / "expected_tags.csv").read_text()


def test_conflicting_labels_are_all_kept_with_their_pack_and_source():
    t = load_tagpacks(*PACKS)
    hal = t[t["address"] == HAL]
    assert sorted(zip(hal["label"], hal["pack"].map(lambda p: pathlib.Path(p).name), hal["source"], strict=True)) == [
        ("First recipient of a bitcoin transfer", "second_opinion.yaml", "https://f418.me/first-transaction/"),
        ("Hal Finney", "early_bitcoin.yaml", "https://bitcoinbegins.com/bitcoin-block-170.html"),
    ]
    # the same pair given in the other order is the same table, reordered
    assert len(load_tagpacks(*reversed(PACKS))) == len(t) == 6


def test_identical_tag_within_a_pack_is_dropped_as_the_tool_does():
    t = load_tagpacks(DATA / "second_opinion.yaml")
    assert t["row"].tolist() == [1, 2, 3]  # tag 4 repeats tag 1 (address, label, source, currency)


def test_no_packs_gives_an_empty_table():
    t = load_tagpacks()
    assert list(t.columns) == TAG_COLUMNS and len(t) == 0


GOOD = "title: T\ncreator: me\nsource: https://s\ncurrency: BTC\ntags:\n"
BAD = [  # (pack text, row, column, words)
    ("creator: me\ntags: []\n", None, "title", "missing header field"),
    ("title: T\ncreator: me\ntags: {}\n", None, "tags", "not a list"),
    ("title: T\ncreator: me\nsource: s\ntags:\n  - address: a\n", 1, "label", "missing field"),
    ("title: T\ncreator: me\nlabel: L\ntags:\n  - address: a\n", 1, "source", "missing field"),
    ("title: T\ncreator: me\nlabel: L\nsource: s\ntags:\n  - address: a\n", 1, "currency", "missing field"),
    (GOOD + "  - address: a\n    label: L\n  - label: M\n", 2, "address", "exactly one of address and tx_hash"),
    (GOOD + "  - address: a\n    tx_hash: b\n    label: L\n", 1, "address", "exactly one"),
    (GOOD + "  - address: a\n    lable: L\n", 1, "lable", "not in the TagPack schema"),
    ("title: T\ncreator: me\nauthor: x\ntags: []\n", None, "author", "not in the TagPack schema"),
    (GOOD + "  - address: a\n    label: L\n    confidence: high\n", 1, "confidence", "not in the confidence taxonomy"),
    (GOOD + "  - address: a\n    label: L\n    confidence: 80\n", 1, "confidence", "not a non-empty text"),
    (GOOD + "  - address: 0x2222222222222222222222222222222222222222\n    label: L\n", 1, "address", "quote it"),
    (GOOD + "  - address: a\n    label: L\n    lastmod: 15 Jan 2024\n", 1, "lastmod", "not a date"),
    (GOOD + "  - address: a\n    label: L\n    is_cluster_definer: yes please\n", 1, "is_cluster_definer",
     "not true/false"),
    (GOOD + "  - address: a\n    label: L\n    context: '{not json'\n", 1, "context", "not JSON"),
    (GOOD + "  - address: a\n    label:\n", 1, "label", "empty value"),
    (GOOD + "  - address: 'a b'\n    label: L\n", 1, "address", "whitespace"),
    (GOOD + "  - address: a\n    label: L\n    label: M\n", None, None, "given twice"),
    ("title: T\ncreator: me\ntags: [\n", None, None, "not YAML"),
    ("- just\n- a list\n", None, None, "not a YAML mapping"),
    (GOOD + "  - just a string\n", 1, None, "must be a mapping"),
    ("header: !include header.yaml\ntags: []\n", None, None, "!include"),
]


@pytest.mark.parametrize(("text", "row", "column", "words"), BAD, ids=[f"{b[2]}:{b[3][:16]}" for b in BAD])
def test_bad_packs_name_file_row_and_field(tmp_path, text, row, column, words):
    p = tmp_path / "pack.yaml"
    p.write_text(text)
    with pytest.raises(LoadError) as e:
        load_tagpacks(DATA / "early_bitcoin.yaml", p)
    assert str(p) in str(e.value) and words in str(e.value)
    assert (e.value.row, e.value.column) == (row, column)


def test_missing_confidence_becomes_unknown_and_network_follows_currency(tmp_path):
    p = tmp_path / "pack.yaml"
    p.write_text(GOOD + "  - address: a\n    label: L\n  - address: '0xAbC'\n    label: M\n    currency: ETH\n")
    t = load_tagpacks(p)
    assert t[["address", "confidence", "confidence_level", "network"]].values.tolist() == [
        ["a", "unknown", 5, "BTC"], ["0xabc", "unknown", 5, "ETH"]]


def test_a_folder_or_a_bundle_loads_its_packs_and_an_empty_folder_is_an_error(tmp_path):
    bundle = tmp_path / "case"
    (bundle / "tags").mkdir(parents=True)
    for p in PACKS:
        (bundle / "tags" / p.name).write_text(p.read_text())
    files = load_tagpacks(*PACKS)
    for given in (bundle, bundle / "tags"):
        t = load_tagpacks(given)
        assert t.drop(columns="pack").equals(files.drop(columns="pack"))
        assert [pathlib.Path(p).name for p in t["pack"]] == [pathlib.Path(p).name for p in files["pack"]]
    (tmp_path / "empty").mkdir()
    with pytest.raises(LoadError, match=r"empty: no TagPack files \(\*\.yaml\) in this folder"):
        load_tagpacks(tmp_path / "empty")
