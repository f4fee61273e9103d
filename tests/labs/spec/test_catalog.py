"""Every catalog case generates and verifies; a class gets one case per trainee."""
import json

import pytest
from click.testing import CliRunner

from labs.cli.scenario import class_, scenario
from labs.bundle.verify import verify_bundle

from ..conftest import CATALOG
from ..bundle.test_bundle import SPEC


@pytest.mark.parametrize("name", CATALOG)
def test_catalog_case_generates_and_verifies(catalog_bundle, name):
    bundle, key = catalog_bundle(name)
    assert verify_bundle(bundle) == []
    truth = json.loads((key / "key.json").read_text())
    assert truth["cashouts"], "every catalog case ends somewhere a production order can go"
    assert truth["victims"]
    brief = (bundle / "brief.md").read_text()
    for victim in truth["victims"]:
        assert victim["tx"] in brief  # the starting points are given to the trainee


def test_catalog_json():
    r = CliRunner().invoke(scenario, ["catalog", "--json"])
    entries = json.loads(r.output)
    assert {e["name"] for e in entries} >= {"investment-fraud", "ransomware-mixer", "exchange-hack"}
    assert all(e["summary"] for e in entries)
    assert {e["name"]: e["difficulty"] for e in entries}["ransomware-mixer"] == "hard"
    assert [c["kind"] for c in next(e for e in entries if e["name"] == "ransomware-mixer")["chains"]] == \
        ["utxo", "evm", "evm"]
    r = CliRunner().invoke(scenario, ["catalog"])
    assert "ransomware-mixer  [hard; bitcoin (UTXO), ethereum (EVM), sidechain (EVM)]" in r.output


def test_class_of_five(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC)
    roster = tmp_path / "roster.csv"
    # as a spreadsheet saves "CSV UTF-8": a byte-order mark first
    roster.write_text("\ufeffid,name\nt1,Ana\nt2,Besnik\nt3,Jelena\nt4,Valon\nt5,Marija\n", encoding="utf-8")
    r = CliRunner().invoke(class_, ["new", "--roster", str(roster), "--spec", str(spec), "--out", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    index = json.loads((tmp_path / "c" / "keys" / "class.json").read_text())
    assert [e["id"] for e in index] == ["t1", "t2", "t3", "t4", "t5"]
    assert len({e["seed"] for e in index}) == 5
    assert (index[0]["bundle"], index[0]["key"]) == ("bundles/t1", "keys/t1")  # relative: the folder can move
    briefs = {(tmp_path / "c" / "bundles" / e["id"] / "brief.md").read_text() for e in index}
    assert len(briefs) == 5  # each trainee has a case of their own
    for e in index:
        assert not (tmp_path / "c" / "bundles" / e["id"] / "key.json").exists()
        assert (tmp_path / "c" / "keys" / e["id"] / "key.json").is_file()


def test_class_roster_errors(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("name\nAna\n")
    r = CliRunner().invoke(class_, ["new", "--roster", str(roster), "--catalog", "investment-fraud",
                                    "--out", str(tmp_path / "c")])
    assert r.exit_code == 1 and "expected a CSV header with an `id` column" in r.output
    roster.write_text("id\nt1\nt2\nt1\n")
    r = CliRunner().invoke(class_, ["new", "--roster", str(roster), "--catalog", "investment-fraud",
                                    "--out", str(tmp_path / "c")])
    assert r.exit_code == 1 and "trainee id 't1' is on line 2 and line 4" in r.output
    for text, says in (("id,name\n", "no trainees"), ("id\n..\\up\n", "cannot name a folder")):
        roster.write_text(text)
        r = CliRunner().invoke(class_, ["new", "--roster", str(roster), "--catalog", "investment-fraud",
                                        "--out", str(tmp_path / "c")])
        assert r.exit_code == 1 and says in r.output, text
    assert not (tmp_path / "c").exists()  # nothing made for a roster that cannot be used
