"""Trainee notebooks from the one source of each module: ``solutions/NN-topic.ipynb`` -> ``exercises/``.

The source holds the prompts, the given code, the reference solution and the questions. Solution
parts are marked, and the trainee's copy has them blanked:

- a code line ending in ``# SOLUTION`` (optionally ``# SOLUTION: hint``) must be an assignment
  ``name = value``; the trainee sees ``name = ...  # hint``. This is how a decision is asked for:
  the code around it is given, the trainee fills in the value (an address, a rule, an answer).
- lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` become ``# your work here``;
- in markdown, text between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` becomes
  *Your answer here.*;
- a cell tagged ``solution`` is left out of the trainee's copy altogether.

Both copies are written without outputs and execution counts, cell ids kept, so a diff shows only
what changed. ``build(check=True)`` writes nothing and reports every notebook that differs.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"

_LINE = re.compile(r"^(?P<lhs>\s*[A-Za-z_][\w.\[\]'\", ]*?\s*=)(?!=)\s*(?P<rhs>.*?)"
                   r"\s*#\s*SOLUTION(?::\s*(?P<hint>.*))?$")
_MARK = re.compile(r"#\s*SOLUTION\b")
_BEGIN, _END = re.compile(r"^\s*#\s*BEGIN SOLUTION\s*$"), re.compile(r"^\s*#\s*END SOLUTION\s*$")
_MD = re.compile(r"<!--\s*BEGIN SOLUTION\s*-->.*?<!--\s*END SOLUTION\s*-->", re.S)


class BuildError(ValueError):
    """A source notebook whose solution markers cannot be read (the message names cell and line)."""


def _blank_code(source: str, where: str) -> str:
    out, inside = [], None
    for n, line in enumerate(source.split("\n"), 1):
        if _BEGIN.match(line):
            if inside is not None:
                raise BuildError(f"{where}, line {n}: BEGIN SOLUTION inside another one")
            inside = line[: len(line) - len(line.lstrip())]
            continue
        if _END.match(line):
            if inside is None:
                raise BuildError(f"{where}, line {n}: END SOLUTION without a BEGIN SOLUTION")
            out.append(f"{inside}# your work here")
            inside = None
            continue
        if inside is not None:
            continue
        if _MARK.search(line):
            m = _LINE.match(line)
            if not m or not m["rhs"]:
                raise BuildError(f"{where}, line {n}: a '# SOLUTION' line must be an assignment 'name = value'")
            hint = (m["hint"] or "fill in").strip()
            out.append(f"{m['lhs']} ...  # {hint}")
            continue
        out.append(line)
    if inside is not None:
        raise BuildError(f"{where}: BEGIN SOLUTION without an END SOLUTION")
    return "\n".join(out)


def _clean(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    return nb


def exercise(source_nb, module_id: str):
    """The trainee's copy of a source notebook (a new notebook; the source is not changed)."""
    nb = _clean(copy.deepcopy(source_nb))
    cells = []
    for i, cell in enumerate(nb.cells):
        if "solution" in cell.metadata.get("tags", []):
            continue
        where = f"{module_id}, cell {i + 1}"
        if cell.cell_type == "code":
            cell.source = _blank_code(cell.source, where)
        elif cell.cell_type == "markdown":
            cell.source = _MD.sub("*Your answer here.*", cell.source)
        cells.append(cell)
    nb.cells = cells
    nb.metadata["tracelab"] = {"module": module_id, "generated": f"from solutions/{module_id}.ipynb by `tracelab "
                                                                 "course build`: edit that file, not this one"}
    return nb


def _text(nb) -> str:
    return nbformat.writes(nb).rstrip("\n") + "\n"


@dataclass
class Result:
    written: list[Path]
    differ: list[str]


def build(solutions: Path = SOLUTIONS, exercises: Path = EXERCISES, check: bool = False) -> Result:
    """Write (or, with ``check``, compare) every exercise from its source; sources get their outputs cleared."""
    from . import modules as M

    solutions, exercises = Path(solutions), Path(exercises)
    known = M.modules()
    written, differ = [], []
    sources = sorted(solutions.glob("[0-9][0-9]-*.ipynb"))
    for src in sources:
        mid = src.stem
        if mid not in known:
            raise BuildError(f"{src}: no course module {mid!r} in labs/course/modules (expected m{mid[:2]}_... .py)")
        text = src.read_text(encoding="utf-8")
        try:
            nb = nbformat.reads(text, as_version=4)
        except Exception as exc:  # noqa: BLE001 -- nbformat raises many kinds; all mean the same here
            raise BuildError(f"{src}: not a notebook ({exc})") from None
        clean_src = _text(_clean(copy.deepcopy(nb)))
        ex_text = _text(exercise(nb, mid))
        target = exercises / src.name
        if check:
            if clean_src != text:
                differ.append(f"{src}: has outputs or execution counts (commit it clean: `tracelab course build`)")
            if not target.is_file() or target.read_text(encoding="utf-8") != ex_text:
                differ.append(f"{target}: out of date with {src.name} (run `tracelab course build`)")
            continue
        if clean_src != text:
            src.write_text(clean_src, encoding="utf-8")
            written.append(src)
        if not target.is_file() or target.read_text(encoding="utf-8") != ex_text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(ex_text, encoding="utf-8")
            written.append(target)
    if check:
        for extra in sorted(exercises.glob("[0-9][0-9]-*.ipynb")):
            if not (solutions / extra.name).is_file():
                differ.append(f"{extra}: has no source in {solutions} (remove it, or add the source)")
    return Result(written, differ)
