"""Module 03 through `tracelab grade`: the solution scores full marks on two fresh seeds, the exercise zero."""
import json

import nbformat
import pytest

from labs.cli import main
from labs.course.build import EXERCISES, SOLUTIONS
from labs.course.modules import get

NB = "03-tracing.ipynb"
pytestmark = pytest.mark.xdist_group("course")


@pytest.fixture(scope="module")
def graded(course_class, class_of, tmp_path_factory):
    root = tmp_path_factory.mktemp("grading03")
    klass = class_of(root / "class", ["x-exercise"])
    # a case whose cash-out is on another chain than the victims paid on (ana's, moved there)
    key = json.loads((course_class / "keys" / "ana" / "key.json").read_text())
    key["cashouts"] = [dict(c, chain="sidechain") for c in key["cashouts"]]
    (klass / "keys" / "x-hop").mkdir()
    (klass / "keys" / "x-hop" / "key.json").write_text(json.dumps(key))
    (klass / "bundles" / "x-hop").symlink_to(course_class / "bundles" / "ana")
    roster = json.loads((klass / "keys" / "class.json").read_text()) + [{"id": "x-hop"}]
    (klass / "keys" / "class.json").write_text(json.dumps(roster))
    subs = root / "submissions"
    for t, nb in (("ana", SOLUTIONS / NB), ("ben", SOLUTIONS / NB), ("x-exercise", EXERCISES / NB),
                  ("x-hop", SOLUTIONS / NB)):
        (subs / t).mkdir(parents=True)
        nbformat.write(nbformat.read(nb, 4), subs / t / NB)
    out = root / "grades"
    assert main(["grade", "--class", str(klass), "--submissions", str(subs), "--jobs", "2", "--timeout", "300",
                 "--out", str(out), "--json"]) == 0
    return out, {r["trainee"]: r for r in json.loads((out / "gradebook.json").read_text())["rows"]}


def test_solution_scores_full_marks_on_each_trainees_own_case(graded):
    _, rows = graded
    for t in ("ana", "ben"):
        r = rows[t]
        assert r["status"] == "ok" and r["points"] == r["max_points"] == get("03").max_points, r


def test_exercise_scores_zero_and_stops_with_not_done_yet(graded):
    _, rows = graded
    assert rows["x-exercise"]["points"] == 0 and rows["x-exercise"]["status"].startswith("not done yet")


def test_the_cases_differ_and_the_figures_render(graded, course_class):
    out, _ = graded
    keys = [json.loads((course_class / "keys" / t / "key.json").read_text()) for t in ("ana", "ben")]
    deposits = [get("03").expected(k, course_class / "bundles" / t)["3.cashout_deposit"]
                for k, t in zip(keys, ("ana", "ben"), strict=False)]
    assert deposits[0] != deposits[1]
    nb = nbformat.read(out / "executed" / "ana" / NB, 4)
    pngs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 3  # flow graph, timeline, Sankey


def test_a_case_the_module_is_not_for_is_not_graded_and_the_row_says_why(graded):
    out, rows = graded
    r = rows["x-hop"]
    assert r["status"].startswith("not supported: module 03-tracing (written for investment-fraud)"), r
    assert "another chain (sidechain)" in r["status"] and r["max_points"] == 0
    assert not (out / "executed" / "x-hop").exists()  # not run at all
    assert "not asked" in (out / "feedback" / "x-hop.md").read_text()


def test_the_cell_that_cites_the_deposit_address_rates_prints_the_measured_ones(graded):
    from labs import course
    from tracer.heuristics.measured import cite

    out, _ = graded
    nb = nbformat.read(out / "executed" / "ana" / NB, 4)
    [cell] = [c for c in nb.cells if c.get("id") == "c03-08b"]
    printed = "".join(o.get("text", "") for o in cell.outputs)
    assert printed == course.measured("deposit_address") + "\n"
    assert cite("deposit_address") in printed and "tracelab evaluate" in printed


def test_a_case_whose_money_passes_a_coinjoin_is_not_for_module_03():
    from labs.course.modules import get

    key = {"cashouts": [{"actor": "perpetrator", "venue": "exchange", "amount": "5", "chain": "bitcoin"}],
           "victims": [{"chain": "bitcoin"}], "steps": [{"typology": "ransomware_payment"}]}
    assert get("03").unsupported(key) is None
    key["steps"].append({"typology": "coinjoin"})
    assert "passes a CoinJoin" in get("03").unsupported(key)
