"""Cases shared by the course's tests: made once per test session (each takes seconds)."""
import json
import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def course_class(tmp_path_factory):
    """A class of two trainees (two fresh seeds) from `tracelab class new`: OUT/bundles, OUT/keys."""
    from labs.cli import main

    out = tmp_path_factory.mktemp("class") / "class1"
    roster = out.parent / "roster.csv"
    roster.write_text("id,name\nana,Ana Test\nben,Ben Test\n")
    assert main(["class", "new", "--roster", str(roster), "--catalog", "investment-fraud", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def bundle(course_class):
    return course_class / "bundles" / "ana"


@pytest.fixture(scope="session")
def key(course_class):
    return json.loads((course_class / "keys" / "ana" / "key.json").read_text())


@pytest.fixture(scope="session")
def class_of(course_class):
    """``class_of(folder, extra)``: a class folder whose trainees are ana and ben (their own cases)
    plus ``extra`` ids that all share ana's case: many submissions graded without making a case for each."""
    return lambda folder, extra=(): _class_of(course_class, folder, extra)


def _class_of(course_class, folder, extra):
    for part in ("bundles", "keys"):
        (folder / part).mkdir(parents=True)
        for t in ("ana", "ben"):
            (folder / part / t).symlink_to(course_class / part / t)
        for t in extra:
            (folder / part / t).symlink_to(course_class / part / "ana")
    (folder / "keys" / "class.json").write_text(json.dumps([{"id": t} for t in ["ana", "ben", *extra]]))
    return folder
