import json
import shutil

import nbformat
import pytest

from labs.cli import main
from labs.course.build import EXERCISES, SOLUTIONS, BuildError, build, exercise


def test_committed_exercises_are_in_sync(capsys):
    assert main(["course", "build", "--check"]) == 0
    assert "in sync" in capsys.readouterr().out


def test_solutions_and_exercises_are_committed_clean():
    for folder in (SOLUTIONS, EXERCISES):
        for path in folder.glob("[0-9][0-9]-*.ipynb"):
            nb = nbformat.read(path, 4)
            assert all(not c.get("outputs") and c.get("execution_count") is None
                       for c in nb.cells if c.cell_type == "code"), path


def test_blanking_markers():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('rule = "fifo"  # SOLUTION: one of "fifo", "haircut"\nprint(rule)'),
        nbformat.v4.new_code_cell('x = 1\n# BEGIN SOLUTION\nsecret = 42\n# END SOLUTION\ny = 2'),
        nbformat.v4.new_markdown_cell("Why? <!-- BEGIN SOLUTION -->Because the court asks.<!-- END SOLUTION -->"),
        nbformat.v4.new_code_cell("assert secret == 42", metadata={"tags": ["solution"]}),
    ])
    ex = exercise(nb, "99-test")
    assert [c.source for c in ex.cells] == [
        'rule = ...  # one of "fifo", "haircut"\nprint(rule)',
        "x = 1\n# your work here\ny = 2",
        "Why? *Your answer here.*",
    ]
    assert "secret" not in json.dumps(ex) and "fifo\"  #" not in json.dumps(ex)


@pytest.mark.parametrize(("source", "says"), [
    ("print(1)  # SOLUTION", "must be an assignment"),
    ("# BEGIN SOLUTION\nx = 1", "without an END SOLUTION"),
    ("# END SOLUTION", "without a BEGIN"),
])
def test_bad_markers_name_cell_and_line(source, says):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("t"), nbformat.v4.new_code_cell(source)])
    with pytest.raises(BuildError, match=f"99-test, cell 2.*{says}"):
        exercise(nb, "99-test")


def test_check_fails_when_out_of_sync(tmp_path, capsys):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    shutil.copytree(SOLUTIONS, sol)
    shutil.copytree(EXERCISES, ex)
    assert build(sol, ex, check=True).differ == []
    path = sol / "00-how-this-course-works.ipynb"
    nb = nbformat.read(path, 4)
    nb.cells[0].source += "\nA new line."
    nbformat.write(nb, path)
    assert main(["course", "build", "--check", "--solutions", str(sol), "--exercises", str(ex)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["course", "build", "--solutions", str(sol), "--exercises", str(ex)]) == 0
    assert build(sol, ex, check=True).differ == []


def test_course_list_json(capsys):
    assert main(["course", "list", "--json"]) == 0
    mods = json.loads(capsys.readouterr().out)
    m0 = next(m for m in mods if m["id"] == "00-how-this-course-works")
    assert {q["id"] for q in m0["questions"]} >= {"0.first_payment_tx", "0.total_reported"}
    assert m0["max_points"] == sum(q["points"] for q in m0["questions"])
    assert m0["cases"] is None  # every case
    m3 = next(m for m in mods if m["id"] == "03-tracing")
    assert m3["cases"] == ["investment-fraud"]
    exchange = next(q for q in m3["questions"] if q["id"] == "3.exchange")
    assert exchange["choices"] == "The exchanges named in your case's tags"


def test_module_03_is_for_the_catalog_cases_whose_cash_out_is_on_the_victims_chain():
    """What `course list` says 03 is for, against the catalog's specs: the first step's chain (where
    the victims pay) and the cash-out's, parameters with their defaults, and no CoinJoin between."""
    from labs.spec import catalog
    from labs.course.modules import get
    from labs.spec import load_spec
    from labs.typologies import get_typology

    same = []
    for name in catalog.names():
        story = load_spec(catalog.path(name)).story
        chains = [get_typology(s.typology).Params(**s.params).chain for s in (story[0], story[-1])]
        assert story[-1].typology == "cash_out"
        if chains[0] == chains[1] and all(s.typology != "coinjoin" for s in story):
            same.append(name)
    assert list(get("03").cases) == same


def test_module_03_cites_what_it_reads_and_keeps_the_exchange_share_table_to_the_solution():
    ex, sol = (nbformat.read(folder / "03-tracing.ipynb", 4) for folder in (EXERCISES, SOLUTIONS))
    cells = {c.get("id"): c.source for c in ex.cells}
    # the trainee's copy cites the deposit-address heuristic's measured rates where it reads deposit addresses
    assert 'course.measured("deposit_address")' in cells["c03-08b"]
    assert "Victor" in cells["c03-08a"]
    # and does not hand over the line that reads 3.exchange_share from a table; the solution has it
    assert "sankey_groups" not in cells["c03-37b"] and "exchange_share = ..." in cells["c03-37b"]
    assert "sankey_groups" in {c.get("id"): c.source for c in sol.cells}["c03-37b"]
