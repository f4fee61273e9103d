"""The course's modules: one Python module per notebook, holding its questions and their answers.

A course module ``mNN_topic.py`` defines ``TITLE`` (one line), ``QUESTIONS`` (a list of
:class:`labs.course.questions.Question`, ids starting with ``"NN."`` without leading zeros) and
``expected(key, bundle) -> {question id: answer}``, which computes a trainee's right answers from
that trainee's instructor key (a dict, ``key.json``) and bundle folder. A question that does not
apply to a case maps to None. A module written for some cases only also defines ``CASES`` (the
catalog cases it is for, which ``tracelab course list`` shows) and ``unsupported(key) -> reason or
None`` (the grader reports the reason instead of a score). Its notebook is
``solutions/NN-topic.ipynb``. That is all a new module needs: the builder, the self-checks and the
grader find it here.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

from ..questions import Question


def _every_case(key: dict) -> str | None:
    return None


@dataclass(frozen=True)
class Module:
    id: str          # "03-tracing": the notebook's name
    number: int
    title: str
    questions: tuple[Question, ...]
    expected: Callable[[dict, Path], dict]
    cases: tuple[str, ...] | None = None  # the catalog cases it is written for; None: every case
    unsupported: Callable[[dict], str | None] = _every_case

    @property
    def max_points(self) -> int:
        return sum(q.points for q in self.questions)

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


def _load(name: str) -> Module:
    m = importlib.import_module(f"{__name__}.{name}")
    number, topic = re.fullmatch(r"m(\d\d)_(\w+)", name).groups()
    mod = Module(f"{number}-{topic.replace('_', '-')}", int(number), m.TITLE, tuple(m.QUESTIONS), m.expected,
                 getattr(m, "CASES", None), getattr(m, "unsupported", _every_case))
    ids = [q.id for q in mod.questions]
    if len(set(ids)) != len(ids) or any(not i.startswith(f"{mod.number}.") for i in ids):
        raise ValueError(f"{name}: question ids must be unique and start with '{mod.number}.'")
    return mod


def modules() -> dict[str, Module]:
    """Every course module, by id, in course order."""
    names = sorted(i.name for i in pkgutil.iter_modules(__path__) if re.fullmatch(r"m\d\d_\w+", i.name))
    return {m.id: m for m in map(_load, names)}


def get(module_id: str) -> Module:
    """The module ``module_id`` (``"03-tracing"``; ``"03"`` or ``"3"`` also work)."""
    mods = modules()
    if module_id in mods:
        return mods[module_id]
    for m in mods.values():
        if module_id.isdigit() and int(module_id) == m.number:
            return m
    raise KeyError(f"no course module {module_id!r}; the modules are: {', '.join(mods)}")


def question(qid: str) -> tuple[Module, Question]:
    """The module and question of a question id such as ``"3.cashout_deposit"``."""
    number = qid.split(".", 1)[0]
    for m in modules().values():
        if number.isdigit() and int(number) == m.number:
            q = m.question(qid)
            if q is None:
                raise KeyError(f"module {m.id} has no question {qid!r}; its questions are: "
                               f"{', '.join(q.id for q in m.questions)}")
            return m, q
    raise KeyError(f"no question {qid!r}: question ids look like '0.first_payment_tx' (module number, a dot, a name)")
