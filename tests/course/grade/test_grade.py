"""One grading run over good and bad submissions of module 00; the tests read its results."""
import csv
import json
import re
from fractions import Fraction

import nbformat
import pytest

from labs.cli import main
from labs.course.build import EXERCISES, SOLUTIONS
from labs.course.questions import show_points

NB = "00-how-this-course-works.ipynb"
BAD = ["x-exercise", "x-crash", "x-hang", "x-stuck", "x-memory", "x-blas", "x-figure", "x-deleted", "x-garbage",
       "x-answers", "x-scribble"]
#: memory filled to the cap, then a figure: drawing it fails inside IPython's display code, which
#: then cannot format its traceback and prints it instead (no error output for nbclient to report)
FIGURE_WITHOUT_MEMORY = """import matplotlib.pyplot as plt
hoard = []
for size in (64 * 2**20, 2**20, 2**16):
    try:
        while True:
            hoard.append(bytearray(size))
    except MemoryError:
        pass
fig, ax = plt.subplots()
ax.plot([1, 2], [3, 4]);"""
#: memory filled to the cap but for 16 MB kept back, then a product of matrices: numpy's 2 MB
#: result fits, OpenBLAS's work buffer (32 MB or more) does not, and OpenBLAS gives up and exits,
#: killing the kernel (no MemoryError reaches the cell). What is kept back is a known amount: filled
#: to "within a few MB", the kernel's own threads sometimes took the rest and numpy's result failed
BLAS_WITHOUT_MEMORY = """import numpy as np
a = np.ones((500, 500))
kept = np.empty(2**21)
hoard = []
for size in (2**24, 2**20, 2**16):
    try:
        while True:
            hoard.append(np.empty(size))
    except MemoryError:
        pass
del kept
b = a @ a"""

# one worker makes the shared class once (see conftest.py)
pytestmark = pytest.mark.xdist_group("course")


def _with_cell(nb, after_qid, source):
    """A copy of ``nb`` with a code cell inserted after the cell that records ``after_qid``."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    i = next(i for i, c in enumerate(nb.cells) if f'course.answer("{after_qid}"' in c.source)
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell(source))
    return nb


@pytest.fixture(scope="module")
def graded(course_class, class_of, key, tmp_path_factory):
    """A class of two real trainees plus test trainees sharing ana's case, one submission each."""
    root = tmp_path_factory.mktemp("grading")
    klass = class_of(root / "class", BAD + ["cid"])
    subs = root / "submissions"
    sol = nbformat.read(SOLUTIONS / NB, 4)
    first = "0.first_payment_tx"

    def put(trainee, nb=None, text=None, answers=None):
        (subs / trainee).mkdir(parents=True)
        if nb is not None:
            nbformat.write(nb, subs / trainee / NB)
        if text is not None:
            (subs / trainee / NB).write_text(text)
        if answers is not None:
            (subs / trainee / "answers.json").write_text(json.dumps(answers))

    put("ana", sol)
    put("ben", sol)
    put("x-exercise", nbformat.read(EXERCISES / NB, 4))
    put("x-crash", _with_cell(sol, first, "import os\nos._exit(3)"))
    put("x-hang", _with_cell(sol, first, "import time\nwhile True:\n    time.sleep(0.1)"))
    put("x-stuck", _with_cell(sol, first, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                          "while True:\n    pass"))
    put("x-memory", _with_cell(sol, first, "hoard = []\nwhile True:\n    hoard.append(bytearray(64 * 2**20))"))
    put("x-blas", _with_cell(sol, first, BLAS_WITHOUT_MEMORY))
    put("x-figure", _with_cell(sol, "0.self_check", FIGURE_WITHOUT_MEMORY))
    deleted = nbformat.from_dict(json.loads(json.dumps(sol)))
    deleted.cells = [c for c in deleted.cells if "0.reports" not in c.source]
    put("x-deleted", deleted)
    victims = sorted(key["victims"], key=lambda v: (v["time"], v["tx"]))
    put("x-garbage", text="{ this is not a notebook", answers={"answers": {first: {"value": victims[0]["tx"]}}})
    put("x-answers", answers={"format": "tracelab-answers/1", "answers": {
        first: {"value": victims[0]["tx"]}, "0.total_reported": {"value": "1"}, "0.reports": {"value": "many"}}})
    put("x-scribble", _with_cell(sol, "0.self_check", "open('answers.json', 'w').write('{{{ scribble')"))
    (subs / "stranger").mkdir()
    out = root / "grades"
    code = main(["grade", "--class", str(klass), "--submissions", str(subs), "--jobs", "2", "--timeout", "45",
                 "--cell-timeout", "10", "--memory-mb", "1536", "--out", str(out), "--json"])
    assert code == 0
    return out, {r["trainee"]: r for r in json.loads((out / "gradebook.json").read_text())["rows"]}


def test_solution_scores_full_marks_on_two_fresh_seeds(graded, course_class):
    _, rows = graded
    seeds = {t["id"]: t["seed"] for t in json.loads((course_class / "keys" / "class.json").read_text())}
    assert seeds["ana"] != seeds["ben"]
    for t in ("ana", "ben"):
        assert rows[t]["status"] == "ok" and rows[t]["points"] == rows[t]["max_points"] == 4, rows[t]


def test_exercise_scores_zero_and_says_not_done_yet(graded):
    _, rows = graded
    r = rows["x-exercise"]
    assert r["points"] == 0 and r["status"].startswith("not done yet"), r
    nb = nbformat.read(graded[0] / "executed" / "x-exercise" / NB, 4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and all(e.ename == "NotDone" for e in errors)
    assert all(e.traceback == [f"Not done yet: {e.evalue}"] for e in errors)  # a message, not a traceback


@pytest.mark.parametrize(("trainee", "points", "status"), [
    ("x-crash", 1, "crash: the kernel died in cell"),
    ("x-hang", 4, "timeout: cell"),
    ("x-stuck", 1, "timeout: the notebook ran over 45 s"),
    ("x-memory", 4, "memory: cell"),
    ("x-blas", 1, "memory: cell"),
    ("x-figure", 4, "memory: cell 17 went over the 1536 MB cap"),
    ("x-deleted", 3, "cells missing: no cell records 0.reports"),
    ("x-garbage", 1, "malformed: not a readable notebook"),
    ("x-answers", 1, "answers only"),
    ("x-scribble", 0, "answers.json is not readable JSON"),
    ("cid", 0, "missing: no submission"),
])
def test_bad_submissions_score_what_they_recorded_with_a_reason(graded, trainee, points, status):
    _, rows = graded
    assert rows[trainee]["points"] == points and status in rows[trainee]["status"], rows[trainee]
    assert rows[trainee]["max_points"] == 4


def test_a_dead_kernel_says_whether_memory_killed_it(graded):
    _, rows = graded
    assert rows["x-crash"]["status"].endswith("(exit code 3)"), rows["x-crash"]
    # the kernel died (the run stopped there: no more problems), and its last words say it was memory
    assert re.fullmatch(r"memory: cell \d+ went over the 1536 MB cap", rows["x-blas"]["status"]), rows["x-blas"]


def test_gradebook_csv_and_json_agree(graded):
    out, rows = graded
    with (out / "gradebook.csv").open() as fh:
        book = list(csv.DictReader(fh))
    assert [b["trainee"] for b in book] == ["ana", "ben", *BAD, "cid"]
    for b in book:
        r = rows[b["trainee"]]
        assert (b["module"], b["status"]) == (r["module"], r["status"])
        assert b["points"] == show_points(Fraction(r["points"]))
        assert b["0.first_payment_tx"] == show_points(Fraction(r["questions"]["0.first_payment_tx"]))
    assert set(rows["x-answers"]["questions"]) == {"0.first_payment_tx", "0.reports", "0.total_reported",
                                                   "0.self_check"}


def test_feedback_gives_away_no_answer(graded, course_class):
    out, _ = graded
    secrets = []
    for t in ("ana", "ben"):
        k = json.loads((course_class / "keys" / t / "key.json").read_text())
        secrets += [v["tx"] for v in k["victims"]] + [str(sum(int(v["amount"]) for v in k["victims"]))]
    for f in (out / "feedback").glob("*.md"):
        text = f.read_text()
        assert not [s for s in secrets if s in text], f
    ben = (out / "feedback" / "ben.md").read_text()
    assert "| 0.first_payment_tx | right | 1 / 1 |" in ben and "ana" not in ben
    assert "unanswered" in (out / "feedback" / "x-exercise.md").read_text()


def test_summary_and_plot(graded):
    out, _ = graded
    text = (out / "summary.md").read_text()
    assert "| 0.first_payment_tx |" in text and "x-stuck: timeout" in text
    assert (out / "scores-per-question.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (out / "work").exists()


def test_a_folder_that_is_no_class_is_refused(tmp_path, capsys):
    assert main(["grade", "--class", str(tmp_path), "--submissions", str(tmp_path)]) == 1
    assert "not a class folder" in capsys.readouterr().err


def test_a_kernel_that_does_not_start_is_tried_again_and_not_held_against_the_trainee(class_of, tmp_path):
    # 40 MB of address space is too little for the grading process's own threads: no kernel starts
    klass = class_of(tmp_path / "class")
    (tmp_path / "subs" / "ana").mkdir(parents=True)
    nbformat.write(nbformat.read(SOLUTIONS / NB, 4), tmp_path / "subs" / "ana" / NB)
    out = tmp_path / "grades"
    assert main(["grade", "--class", str(klass), "--submissions", str(tmp_path / "subs"), "--memory-mb", "40",
                 "--out", str(out), "--json"]) == 0
    row = next(r for r in json.loads((out / "gradebook.json").read_text())["rows"] if r["trainee"] == "ana")
    assert row["status"].startswith("not graded: the kernel did not start"), row
    assert row["status"].endswith("(tried twice: grade this notebook again; is --memory-mb 40 enough for a kernel?)")
    assert "not graded: the kernel did not start" in (out / "feedback" / "ana.md").read_text()
