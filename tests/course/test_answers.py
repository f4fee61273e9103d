import json

import pytest

from labs import course
from labs.course import selfcheck
from labs.course.modules import get

# one worker makes the shared class once (see conftest.py)
pytestmark = pytest.mark.xdist_group("course")


@pytest.fixture
def desk(tmp_path, monkeypatch, bundle):
    """A trainee's folder: the case beside the notebook, answers.json written there."""
    (tmp_path / "case").symlink_to(bundle)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACELAB_CASE", raising=False)
    monkeypatch.delenv("TRACELAB_ANSWERS", raising=False)
    return tmp_path


def test_open_case_gives_brief_payments_transfers_tags(desk, key):
    case = course.open_case()
    assert case.folder == (desk / "case").resolve()
    assert case._repr_markdown_().startswith("# Case file ")
    assert list(case.payments.tx) == [v["tx"] for v in sorted(key["victims"], key=lambda v: (v["time"], v["tx"]))]
    assert list(case.payments.amount) == [int(v["amount"]) for v in
                                          sorted(key["victims"], key=lambda v: (v["time"], v["tx"]))]
    assert set(case.payments.tx) <= set(case.transfers.tx_hash)
    assert "exchange" in set(case.tags.category)


def test_case_not_found_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACELAB_CASE", str(tmp_path / "nowhere"))
    with pytest.raises(course.CaseNotFound) as err:
        course.open_case()
    text = err.value._render_traceback_()[0]
    assert "$TRACELAB_CASE" in text and "case/ beside the notebook" in text


def test_answer_check_never_the_answer(desk, key):
    first = min(key["victims"], key=lambda v: (v["time"], v["tx"]))["tx"]
    assert "Recorded" in repr(course.answer("0.first_payment_tx", first.upper()))
    assert course.check("0.first_payment_tx")
    course.answer("0.first_payment_tx", "ab" * 32)
    result = course.check("0.first_payment_tx")
    assert not result and "not right yet" in repr(result) and first not in repr(result)
    doc = json.loads((desk / "answers.json").read_text())
    assert doc["answers"]["0.first_payment_tx"] == {"kind": "tx_hash", "value": "ab" * 32}
    assert not course.check("0.reports") and "no self-check" in repr(course.check("0.reports"))


def test_not_done_and_not_accepted_are_plain_messages(desk):
    with pytest.raises(course.NotDone) as err:
        course.answer("0.reports", ...)
    assert err.value._render_traceback_()[0].startswith("Not done yet: fill in your answer to 0.reports")
    with pytest.raises(course.AnswerNotAccepted, match="not the decimal 0.5"):
        course.answer("0.total_reported", 0.5)
    with pytest.raises(course.AnswerNotAccepted, match="its questions are"):
        course.answer("0.no_such_question", 1)
    with pytest.raises(course.NotDone, match="record your answer"):
        course.check("0.total_reported")
    assert not (desk / "answers.json").exists()


def test_answers_survive_and_broken_files_are_kept(desk):
    course.answer("0.reports", 14)
    course.answer("0.total_reported", 10 ** 25)
    doc = json.loads((desk / "answers.json").read_text())
    assert doc["answers"]["0.total_reported"]["value"] == str(10 ** 25)  # exact, as text
    assert doc["answers"]["0.reports"]["value"] == 14
    (desk / "answers.json").write_text("{garbage")
    course.answer("0.reports", 3)
    assert (desk / "answers.json.broken").read_text() == "{garbage"
    assert list(json.loads((desk / "answers.json").read_text())["answers"]) == ["0.reports"]
    assert not list(desk.glob(".answers-*"))


def test_selfcheck_file_in_bundle_holds_no_answer(bundle, key):
    doc = selfcheck.read(bundle)
    text = (bundle / "course" / "selfcheck.json").read_text()
    expected = {**get("00").expected(key, bundle), **get("03").expected(key, bundle)}
    assert set(doc["questions"]) == {"0.first_payment_tx", "0.total_reported", "3.cashout_deposit",
                                     "3.cashout_amount", "3.victims_reached"}
    for qid in doc["questions"]:
        for secret in expected[qid] if isinstance(expected[qid], list) else [expected[qid]]:
            assert str(secret) not in text, qid
    assert doc == selfcheck.build(key, bundle)  # the same case gives the same bytes
    assert "course/selfcheck.json" in (bundle / "MANIFEST.sha256").read_text()


def test_salt_is_per_trainee(course_class):
    a = selfcheck.read(course_class / "bundles" / "ana")
    b = selfcheck.read(course_class / "bundles" / "ben")
    assert a["salt"] != b["salt"]
