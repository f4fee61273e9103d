"""Grading a class: collect the submissions, run each in its own process, score it against its key.

Submissions are ``DIR/<trainee id>/<module>.ipynb`` (executed again, in a fresh folder with the
trainee's bundle as the case) or ``DIR/<trainee id>/answers.json`` alone (read as it is). The class
is a folder from ``tracelab class new``: ``bundles/<id>`` and ``keys/<id>/key.json``. Whatever a
submission does (raise, hang, eat memory, lose cells, write garbage) it is scored on what it
recorded, its row says what went wrong, and the batch goes on.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .. import modules as M
from ..answers import read_answers
from ..questions import Mark, score

DEFAULT_TIMEOUT, DEFAULT_CELL_TIMEOUT, DEFAULT_MEMORY_MB = 600, 120, 4096
#: how a row starts when no cell of the notebook ran because the kernel never started (a loaded
#: machine, a memory cap too small for a kernel): the grader's failure, never held against the trainee
NO_KERNEL = "not graded: the kernel did not start"


class GradeError(ValueError):
    """A class or submissions folder the grader cannot work with (the message says why)."""


@dataclass
class Submission:
    trainee: str
    module: M.Module
    notebook: Path | None = None
    answers: Path | None = None


@dataclass
class Row:
    """One trainee's grade for one module."""

    trainee: str
    module: str
    status: str
    marks: dict[str, Mark] = field(default_factory=dict)

    @property
    def points(self) -> Fraction:
        return sum((m.points for m in self.marks.values()), Fraction(0))

    @property
    def max_points(self) -> int:
        """What the questions that apply to this trainee's case are worth."""
        return sum(m.max_points for m in self.marks.values())


def trainees(class_dir: Path) -> list[str]:
    """The trainees of a class folder, in roster order."""
    class_dir = Path(class_dir)
    index = class_dir / "keys" / "class.json"
    if index.is_file():
        return [t["id"] for t in json.loads(index.read_text())]
    if not (class_dir / "keys").is_dir():
        raise GradeError(f"{class_dir}: not a class folder (no keys/ in it; make one with `tracelab class new`)")
    return sorted(p.name for p in (class_dir / "keys").iterdir() if (p / "key.json").is_file())


def collect(submissions: Path, class_dir: Path) -> tuple[list[Submission], list[str], list[str]]:
    """(submissions, trainees without any, folders that are no trainee of the class)."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise GradeError(f"{submissions}: no such folder of submissions")
    roster = trainees(class_dir)
    mods = M.modules()
    found, strangers = [], []
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name not in roster:
            strangers.append(folder.name)
            continue
        answers = folder / "answers.json"
        notebooks = {p.stem: p for p in folder.glob("*.ipynb") if p.stem in mods}
        for mid, nb in sorted(notebooks.items()):
            found.append(Submission(folder.name, mods[mid], nb, answers if answers.is_file() else None))
        if answers.is_file():
            recorded, _ = read_answers(answers)
            numbers = {q.split(".", 1)[0] for q in recorded}
            for m in mods.values():
                if m.id not in notebooks and str(m.number) in numbers:
                    found.append(Submission(folder.name, m, None, answers))
    have = {s.trainee for s in found}
    return found, [t for t in roster if t not in have], strangers


def _kill(pgid: int | None) -> None:
    if pgid:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # gone already, or not ours
            os.killpg(pgid, signal.SIGKILL)


def _status(status: dict | None, killed: bool, returncode: int | None, timeout: int, cell_timeout: int,
            memory_mb: int) -> str:
    if status is None:
        return f"{NO_KERNEL}: the grading process died before the kernel started (exit code {returncode})"
    if status.get("fatal", "").startswith("no kernel: "):
        return f"{NO_KERNEL}: {status['fatal'].removeprefix('no kernel: ')}"
    if status.get("fatal"):
        return status["fatal"]
    where = f"cell {status.get('current', 0)} of {status.get('cells', 0)}"
    if killed:
        return f"timeout: the notebook ran over {timeout} s (stopped in {where})"
    if not status.get("finished"):
        return f"crash: the grading process died in {where} (exit code {returncode})"
    problems = status.get("problems", [])
    if not problems:
        return "ok"
    # the first problem is the one to fix: what fails after it often only follows from it
    p, more = problems[0], f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    if p["ename"] == "NotDone":
        left = sum(q["ename"] == "NotDone" for q in problems)
        return f"not done yet: cell {p['cell']} and {left - 1} more not done" if left > 1 else \
            f"not done yet: cell {p['cell']}{more}"
    if p["ename"] in ("CellTimeout", "KeyboardInterrupt"):  # the worker's interrupt is the only one
        return f"timeout: cell {p['cell']} ran over {cell_timeout} s and was stopped{more}"
    if _out_of_memory(p):
        cap = f"went over the {memory_mb} MB cap" if memory_mb else "ran out of memory"
        return f"memory: cell {p['cell']} {cap}{more}"
    if p["ename"] == "FigureNotDrawn":
        return f"error: cell {p['cell']} made a figure that could not be drawn{more}"
    if p["ename"] == "DeadKernel":
        exit_ = re.search(r"\((exit code -?\d+|killed by SIG\w+)\)", p["evalue"])
        return f"crash: the kernel died in cell {p['cell']}{f' ({exit_[1]})' if exit_ else ''}{more}"
    said = p["evalue"].splitlines()[0][:120] if p["evalue"] else ""
    return f"error: cell {p['cell']} raised {p['ename']}: {said}{more}"


#: what running out of an address-space cap looks like outside a MemoryError: C++, the dynamic
#: loader, glibc, and C code that gives up and exits, killing the kernel (OpenBLAS, whose last
#: words the worker puts in the dead kernel's problem)
_OOM = ("bad_alloc", "failed to map segment", "cannot allocate memory", "out of memory",
        "memory allocation still failed", "memory map failed")


def _out_of_memory(problem: dict) -> bool:
    return problem["ename"].endswith("MemoryError") or any(w in problem["evalue"].lower() for w in _OOM)


def execute(sub: Submission, bundle: Path, workdir: Path, *, timeout: int, cell_timeout: int,
            memory_mb: int) -> tuple[Path, str]:
    """Run a submitted notebook in ``workdir`` in a process of its own; (answers file, status)."""
    workdir.mkdir(parents=True, exist_ok=True)
    nb = workdir / f"{sub.module.id}.ipynb"
    shutil.copyfile(sub.notebook, nb)
    status_path = workdir / "status.json"
    # the kernel's own inline backend draws figures into the executed notebook, headless
    env = {k: v for k, v in os.environ.items() if k not in ("TRACELAB_ANSWERS", "MPLBACKEND")}
    env.update(TRACELAB_CASE=str(Path(bundle).resolve()), PYDEVD_DISABLE_FILE_VALIDATION="1")
    cmd = [sys.executable, "-m", "labs.course.grade.worker", str(nb), str(workdir), str(status_path),
           "--cell-timeout", str(cell_timeout), "--memory-mb", str(memory_mb)]
    with open(workdir / "worker.log", "wb") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        killed = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            killed = True
        status = _read_status(status_path)
        if killed or proc.returncode not in (0, None):
            _kill(proc.pid)  # the worker's own group
            _kill((status or {}).get("kernel_pgid"))  # the kernel runs in a session of its own
            proc.wait()
        else:
            _kill((status or {}).get("kernel_pgid"))  # nothing left behind, whatever the notebook started
    return workdir / "answers.json", _status(status, killed, proc.returncode, timeout, cell_timeout, memory_mb)


def _read_status(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _missing_cells(sub: Submission) -> list[str]:
    """Question ids no cell of the notebook mentions: cells the trainee deleted."""
    try:
        text = sub.notebook.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [q.id for q in sub.module.questions if q.id not in text]


def mark(module: M.Module, recorded: dict, expected: dict | None, bundle: Path | None = None) -> dict[str, Mark]:
    """Every question of ``module`` scored: recorded answers against the right ones.

    ``expected`` None (no key to compare with) scores every question as unanswered; a question
    ``expected`` maps to None (or leaves out) does not apply. ``bundle`` is the trainee's case, for
    choices that come from it.
    """
    if expected is None:
        return {q.id: score(q, None, ..., recorded=False) for q in module.questions}
    return {q.id: score(q, recorded.get(q.id), expected.get(q.id), recorded=q.id in recorded, bundle=bundle)
            for q in module.questions}


class Answers:
    """The right answers of each (module, case): computed once per run however many trainees
    share a case, and each case by one thread at a time (a module's answers may take traces)."""

    def __init__(self):
        self._done: dict[tuple, dict] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, module: M.Module, key_path: Path, bundle: Path) -> tuple[dict, dict]:
        """``(key, right answers)``; raises what reading the key or computing the answers raises."""
        raw = key_path.read_bytes()
        key = json.loads(raw)
        which = (module.id, str(Path(bundle).resolve()), hashlib.sha256(raw).hexdigest())
        with self._lock:
            lock = self._locks.setdefault(which, threading.Lock())
        with lock:
            if which not in self._done:
                self._done[which] = {} if module.unsupported(key) else module.expected(key, Path(bundle))
        return key, self._done[which]


def _unsupported(module: M.Module, why: str) -> str:
    meant = f" (written for {', '.join(module.cases)})" if module.cases else ""
    return f"not supported: module {module.id}{meant} does not fit this case: {why}; not graded"


def grade_one(sub: Submission, class_dir: Path, out: Path, *, timeout: int, cell_timeout: int,
              memory_mb: int, answers: Answers | None = None) -> Row:
    class_dir = Path(class_dir)
    bundle, key_path = class_dir / "bundles" / sub.trainee, class_dir / "keys" / sub.trainee / "key.json"
    try:
        key, expected = (answers or Answers()).get(sub.module, key_path, bundle)
    except (OSError, ValueError, KeyError) as exc:
        return Row(sub.trainee, sub.module.id, f"no key: {key_path} ({exc.__class__.__name__})",
                   mark(sub.module, {}, None))
    except Exception as exc:  # noqa: BLE001 -- a broken bundle must not stop the batch; the row says why
        return Row(sub.trainee, sub.module.id, f"no right answers: the case {bundle} could not be read "
                   f"({exc.__class__.__name__}: {str(exc)[:160]})", mark(sub.module, {}, None))
    why = sub.module.unsupported(key)
    if why:
        return Row(sub.trainee, sub.module.id, _unsupported(sub.module, why), mark(sub.module, {}, {}))
    kept = out / "executed" / sub.trainee
    kept.mkdir(parents=True, exist_ok=True)
    if sub.notebook is None:
        answers_file, status = sub.answers, "answers only: no notebook to run"
    else:
        workdir = out / "work" / sub.trainee / sub.module.id
        if workdir.exists():
            shutil.rmtree(workdir)  # the grader's own scratch folder from an earlier run
        answers_file, status = execute(sub, bundle, workdir, timeout=timeout, cell_timeout=cell_timeout,
                                       memory_mb=memory_mb)
        if (workdir / "executed.ipynb").is_file():
            shutil.copyfile(workdir / "executed.ipynb", kept / f"{sub.module.id}.ipynb")
        if status == "ok" and (gone := _missing_cells(sub)):
            status = f"cells missing: no cell records {', '.join(gone)}"
        if status.startswith("malformed") and sub.answers:
            answers_file, status = sub.answers, f"{status}; graded the answers.json handed in with it"
    recorded, problem = read_answers(answers_file) if answers_file else ({}, None)
    if problem:
        status = problem if status == "ok" else f"{status}; {problem}"
    if answers_file and answers_file.is_file():
        shutil.copyfile(answers_file, kept / f"{sub.module.id}.answers.json")
    if sub.notebook is not None:
        shutil.rmtree(out / "work" / sub.trainee / sub.module.id, ignore_errors=True)
    return Row(sub.trainee, sub.module.id, status, mark(sub.module, recorded, expected, bundle))


def grade(class_dir: Path, submissions: Path, out: Path, *, jobs: int = 1, timeout: int = DEFAULT_TIMEOUT,
          cell_timeout: int = DEFAULT_CELL_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
          progress: Callable[[Row], None] | None = None) -> list[Row]:
    """Grade every submission; a row per trainee and module (trainees who handed in nothing included)."""
    out, class_dir = Path(out).resolve(), Path(class_dir).resolve()  # workers run in folders of their own
    subs, absent, _ = collect(submissions, class_dir)
    out.mkdir(parents=True, exist_ok=True)
    progress = progress or (lambda row: None)

    answers = Answers()

    def attempt(sub):
        return grade_one(sub, class_dir, out, timeout=timeout, cell_timeout=min(cell_timeout, timeout),
                         memory_mb=memory_mb, answers=answers)

    def one(sub):
        row = attempt(sub)
        if not row.status.startswith(NO_KERNEL):
            progress(row)
        return row

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = list(pool.map(one, subs))
    # a kernel that did not start gets one more try, alone, once the batch has left the machine
    for i, (sub, row) in enumerate(zip(subs, rows, strict=True)):
        if row.status.startswith(NO_KERNEL):
            rows[i] = attempt(sub)
            if rows[i].status.startswith(NO_KERNEL):
                hint = f"; is --memory-mb {memory_mb} enough for a kernel?" if memory_mb else ""
                rows[i].status += f" (tried twice: grade this notebook again{hint})"
            progress(rows[i])
    shutil.rmtree(out / "work", ignore_errors=True)
    graded = sorted({s.module.id for s in subs}) or [next(iter(M.modules()))]
    for t in absent:
        for mid in graded:
            rows.append(Row(t, mid, "missing: no submission", mark(M.get(mid), {}, None)))
    order = {t: i for i, t in enumerate(trainees(class_dir))}
    return sorted(rows, key=lambda r: (order.get(r.trainee, len(order)), r.trainee, r.module))
