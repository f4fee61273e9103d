"""Recording answers (``course.answer``) and self-checking them (``course.check``).

Answers go to ``answers.json`` beside the notebook (the kernel's working folder; the environment
variable ``TRACELAB_ANSWERS`` names another file). Each answer is read as its question's kind
asks (:mod:`labs.course.questions`) before it is written, and the file is replaced atomically
(written beside, flushed, renamed over), so a kernel that dies loses nothing recorded before.

File::

    {"format": "tracelab-answers/1", "answers": {"<question id>": {"kind": "...", "value": ...}}}

Amounts are written as strings of digits (exact whatever their size).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from . import modules as M
from .questions import AnswerError, canonical_text, normalize

FORMAT = "tracelab-answers/1"
ENV = "TRACELAB_ANSWERS"


class NotDone(Exception):
    """A step the trainee has not done yet. Notebooks show its message alone, without a traceback."""

    def _render_traceback_(self):
        return [f"Not done yet: {self}"]


class AnswerNotAccepted(AnswerError):
    """An answer of the wrong kind (a decimal for an amount, a name for an address...)."""

    def _render_traceback_(self):
        return [f"Answer not recorded: {self}"]


def answers_path() -> Path:
    return Path(os.environ.get(ENV) or Path.cwd() / "answers.json")


def read_answers(path: str | os.PathLike) -> tuple[dict, str | None]:
    """``({question id: stored value}, problem)`` from an answers file; a broken file gives ``({}, why)``."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return {}, f"{p.name} is not readable JSON ({exc.__class__.__name__})"
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), dict):
        return {}, f"{p.name} is not an answers file (no \"answers\" object)"
    out = {}
    for qid, entry in doc["answers"].items():
        out[qid] = entry.get("value") if isinstance(entry, dict) else entry
    return out, None


def _stored(kind: str, value):
    return str(value) if kind == "amount" else value


def _write(path: Path, answers: dict) -> None:
    doc = {"format": FORMAT, "answers": dict(sorted(answers.items()))}
    fd, tmp = tempfile.mkstemp(prefix=".answers-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Recorded:
    """What :func:`answer` and :func:`check` return: a line of text a notebook shows as it is."""

    def __init__(self, text: str, ok: bool = True):
        self.text, self.ok = text, ok

    def __repr__(self):
        return self.text

    def __bool__(self):
        return self.ok

    def _repr_markdown_(self):
        return self.text


def answer(qid: str, value) -> Recorded:
    """Record ``value`` as your answer to question ``qid`` in ``answers.json``.

    A value still ``...`` stops the notebook with "not done yet"; a value of the wrong kind stops
    it with what is wrong. Answering again replaces the earlier answer.
    """
    try:
        _, q = M.question(qid)
    except KeyError as exc:
        raise AnswerNotAccepted(str(exc.args[0])) from None
    if value is ...:
        raise NotDone(f"fill in your answer to {qid} ({q.prompt}) where the cell has ..., then run the cell again.")
    try:
        v = normalize(q, value, _case_folder(q))
    except AnswerError as exc:
        raise AnswerNotAccepted(str(exc)) from None
    path = answers_path()
    entries = _entries(path)
    entries[qid] = {"kind": q.kind, "value": _stored(q.kind, v)}
    _write(path, entries)
    shown = f"{len(v)} addresses" if isinstance(v, list) else (v if len(str(v)) < 90 else str(v)[:87] + "...")
    more = " `course.check(%r)` tells you whether it is right." % qid if q.self_checked else ""
    return Recorded(f"Recorded **{qid}**: {shown}.{more}")


def _case_folder(q):
    """The trainee's case, for a question whose choices come from it (else None: not looked for)."""
    if not callable(q.choices):
        return None
    from .case import find_case

    return find_case()


def _entries(path: Path) -> dict:
    """The entries of an answers file; a broken one is kept as ``answers.json.broken`` and left behind."""
    if not path.exists():
        return {}
    values, problem = read_answers(path)
    if problem:
        path.replace(path.with_name(path.name + ".broken"))
        return {}
    doc = json.loads(path.read_text(encoding="utf-8"))["answers"]
    return {k: e if isinstance(e, dict) and "value" in e else {"value": e} for k, e in doc.items()}


def check(qid: str, case=None) -> Recorded:
    """Whether your recorded answer to ``qid`` is right, from the self-checks in your case bundle.

    It says right or not right, never the answer. Only answers that cannot be found by trying a
    few values have self-checks (addresses, sets of addresses, transaction hashes, exact amounts);
    for the others your instructor's grading tells.
    """
    from . import selfcheck
    from .case import find_case

    try:
        _, q = M.question(qid)
    except KeyError as exc:
        raise AnswerNotAccepted(str(exc.args[0])) from None
    if not q.self_checked:
        return Recorded(f"**{qid}** has no self-check: {q.kind} answers are graded by your instructor.", False)
    answers, problem = read_answers(answers_path())
    if qid not in answers:
        raise NotDone(f"record your answer to {qid} first, with course.answer({qid!r}, ...).")
    folder = case.folder if case is not None else find_case()
    doc = selfcheck.read(folder)
    if doc is None or qid not in doc["questions"]:
        return Recorded(f"Your case has no self-check for **{qid}**.", False)
    mine = selfcheck.digest(qid, canonical_text(q, answers[qid]), bytes.fromhex(doc["salt"]), doc["kdf"])
    if mine == doc["questions"][qid]:
        return Recorded(f"**{qid}**: right.", True)
    return Recorded(f"**{qid}**: not right yet. {q.look_again}", False)
