"""`tracelab evaluate` end to end on two small seeded cases: the clean setting and one mistake."""
import json

import pytest
from click.testing import CliRunner

from labs.cli import cli
from labs.evaluate import MISTAKES, spec_text

FIELDS = {"heuristic", "setting", "tp", "fp", "fn", "precision", "recall", "precision_ci", "recall_ci"}


def test_every_mistake_changes_its_step_only():
    clean = spec_text()
    for m in MISTAKES:
        text = spec_text(mistake=m.name)
        value = {True: "true", False: "false"}.get(m.value, f'"{m.value}"')
        assert f"{m.param} = {value}" in text and text != clean, m.name
    with pytest.raises(ValueError, match="unknown mistake"):
        spec_text(mistake="sloppy")
    with pytest.raises(ValueError, match="unknown difficulty"):
        spec_text(difficulty="brutal")


def test_evaluate_json_clean_and_without_a_relayer(tmp_path):
    saved = tmp_path / "rates.json"
    r = CliRunner().invoke(cli, ["evaluate", "--mistake", "mixer.no_relayer", "--background", "200", "--json",
                                 "--save-rates", str(saved)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert [c["setting"] for c in out["cases"]] == ["standard", "standard, mixer.no_relayer"] and not out["failed"]
    rows = {(x["heuristic"], x["setting"]): x for x in out["rows"]}
    assert all(set(x) == FIELDS for x in out["rows"])
    assert all(isinstance(x[k], int) for x in out["rows"] for k in ("tp", "fp", "fn"))
    for name in ("multi_input", "change.address_reuse", "peel_chain", "deposit_address", "bridge", "swap"):
        row = rows[(name, "standard")]
        assert row["tp"] > 0, name
        assert 0 <= row["precision_ci"][0] <= row["precision"] <= row["precision_ci"][1] <= 1, name
        assert row["precision"] == round(row["tp"] / (row["tp"] + row["fp"]), 4)
    # a relayer pays the withdrawal's gas: nothing to see; without one, the deposit address funds it
    assert rows[("mixer.gas_funding", "standard")]["tp"] == 0
    assert rows[("mixer.gas_funding", "standard, mixer.no_relayer")]["tp"] > 0
    for (h, s), row in rows.items():
        if s == "all":
            parts = [rows[(h, p)] for p in ("standard", "standard, mixer.no_relayer") if (h, p) in rows]
            assert [row[k] for k in ("tp", "fp", "fn")] == [sum(p[k] for p in parts) for k in ("tp", "fp", "fn")]
    kept = json.loads(saved.read_text())
    assert kept["cases"] == 2 and "--mistake mixer.no_relayer --background 200" in kept["command"]
    assert kept["counts"] == {h: [x["tp"], x["fp"], x["fn"]] for (h, st), x in rows.items() if st == "all"}


def test_bad_options_are_named():
    r = CliRunner().invoke(cli, ["evaluate", "--mistake", "none", "--mistake", "mixer.hasty"])
    assert r.exit_code == 2 and "none cannot be combined" in r.output
    r = CliRunner().invoke(cli, ["evaluate", "--difficulty", "brutal"])
    assert r.exit_code == 2 and "brutal" in r.output
    r = CliRunner().invoke(cli, ["evaluate", "--cases", "0"])
    assert r.exit_code == 2 and "--cases" in r.output


def test_a_case_that_cannot_be_made_is_named_and_the_others_go_on(monkeypatch):
    import labs.evaluate as ev

    def broken(text, folder, backend="auto", progress=None):
        raise RuntimeError("the chain would not start")

    monkeypatch.setattr(ev, "generate", broken)
    r = CliRunner().invoke(cli, ["evaluate", "--mistake", "none", "--cases", "2"])
    assert r.exit_code == 1
    assert "case failed (left out): standard, seed 1: RuntimeError: the chain would not start" in r.output
    assert "seed 2" in r.output and "every case failed" in r.output
