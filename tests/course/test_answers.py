import csv
import io
import json
import re
import shutil

import pytest

from labs import course
from labs.course import case as case_module
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


def test_an_address_as_a_trainee_copies_it_is_the_case_s_address(desk):
    """Backticks from the brief's tables, or a bech32 address in upper case, name the same address."""
    case = course.open_case()
    tagged = next(a for a in case.tags["address"] if isinstance(a, str) and case.first_paid(a) is not None)
    assert case.label(f" `{tagged.upper()}` ") == case.label(tagged) != ""
    assert case.first_paid(f"`{tagged.upper()}`") == case.first_paid(tagged)
    assert case.paid_into(f" {tagged.upper()}").equals(case.paid_into(tagged)) and len(case.paid_into(tagged))


def test_open_case_gives_brief_payments_sources_transfers_tags(desk, key):
    case = course.open_case()
    assert case.folder == (desk / "case").resolve()
    assert case._repr_markdown_().startswith("# Case file ")
    victims = sorted(key["victims"], key=lambda v: (v["time"], v["tx"]))
    pay = case.payments
    assert list(pay.index) == list(range(1, len(victims) + 1))  # numbered as the sources' labels
    assert list(pay.tx) == [v["tx"] for v in victims] and list(pay.vout) == [v["vout"] for v in victims]
    assert list(pay.amount) == [int(v["amount"]) for v in victims] and all(type(a) is int for a in pay.amount)
    assert [int(d.timestamp()) // 60 for d in pay.date] == [v["time"] // 60 for v in victims]
    assert set(pay.tx) <= set(case.transfers.tx_hash)
    assert [s.name for s in case.sources][:2] == [f"#1 {victims[0]['name']}", f"#2 {victims[1]['name']}"]
    assert [s.given for s in case.sources] == [f"{v['tx']}:{v['vout']}" for v in victims]
    assert {c["exchange"] for c in key["cashouts"] if c.get("exchange")} <= set(case.exchanges)
    assert "exchange" in set(case.tags.category)


def test_reports_csv_holds_what_the_brief_says_and_no_more(bundle):
    text = (bundle / "reports.csv").read_text()
    assert text.splitlines()[0] == ",".join(case_module.PAYMENT_COLUMNS)
    brief = (bundle / "brief.md").read_text()
    for row in list(csv.DictReader(io.StringIO(text))):
        for col in ("reported_by", "date", "from", "to", "tx"):
            assert row[col].removesuffix(" UTC") in brief, (col, row[col])


@pytest.mark.parametrize(("edit", "says"), [
    (lambda t: None, "reports.csv is missing"),
    (lambda t: t.replace(",amount,", ",amt,", 1), "no column amount"),
    (lambda t: t.replace(",BTC,", ",BTC,0.5", 1), "line 2: amount '0.5"),
    (lambda t: t.replace(" UTC,", ",", 1), "line 2: date"),
])
def test_a_broken_reports_csv_says_what_is_wrong(tmp_path, bundle, edit, says):
    shutil.copytree(bundle, tmp_path / "case")
    text = edit((bundle / "reports.csv").read_text())
    (tmp_path / "case" / "reports.csv").unlink()
    if text is not None:
        (tmp_path / "case" / "reports.csv").write_text(text)
    with pytest.raises(course.CaseError, match=re.escape(says)) as err:
        _ = course.open_case(tmp_path / "case").payments
    assert err.value._render_traceback_()[0].startswith("Case not readable: ")


def test_choices_that_come_from_the_case(desk, key):
    case = course.open_case()
    theirs = next(c["exchange"] for c in key["cashouts"] if c.get("exchange"))
    assert "Recorded" in repr(course.answer("3.exchange", theirs.upper()))
    with pytest.raises(course.AnswerNotAccepted, match="is not one of the choices: " + re.escape(
            ", ".join(map(repr, case.exchanges)))):
        course.answer("3.exchange", "Binance")


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
    with pytest.raises(course.AnswerNotAccepted, match=r"not the decimal 0\.5"):
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
                                     "3.cashout_amount", "3.haircut_all_victims", "3.first_payment_fifo",
                                     "3.first_payment_haircut", "3.victims_reached"}
    for qid in doc["questions"]:
        for secret in expected[qid] if isinstance(expected[qid], list) else [expected[qid]]:
            assert str(secret) not in text, qid
    assert doc == selfcheck.build(key, bundle)  # the same case gives the same bytes
    assert "course/selfcheck.json" in (bundle / "MANIFEST.sha256").read_text()


def test_the_same_answer_hashes_apart_for_each_trainee(course_class, key):
    """Two trainees of one class, the same right answers: different self-check files. Even a
    roster that gives two trainees one seed (the key alike but for the trainee) does not share one."""
    ana, ben = (course_class / "bundles" / t for t in ("ana", "ben"))
    answers = selfcheck.expected_answers(key, ana)
    ben_key = json.loads((course_class / "keys" / "ben" / "key.json").read_text())
    docs = [selfcheck.build(key, ana, answers), selfcheck.build(ben_key, ana, answers),
            selfcheck.build({**key, "trainee": "ben"}, ana, answers)]
    assert docs[0] == selfcheck.read(ana)
    assert len({d["salt"] for d in docs}) == 3
    for qid in docs[0]["questions"]:
        assert len({d["questions"][qid] for d in docs}) == 3, qid
    assert selfcheck.read(ana)["salt"] != selfcheck.read(ben)["salt"]
