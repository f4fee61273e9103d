"""Execute one submitted notebook, cell by cell, in a process of its own (``python -m`` this module).

The grader starts one such process per submission and kills it (and its kernel) when the whole
notebook runs over its time. Here each cell gets its own time limit: a cell that runs over is
interrupted and the next one runs, as does the next after a cell that raised. The memory cap
(an address-space limit, inherited by the kernel) turns a memory hog into a MemoryError in its
cell, or, when an allocation fails in C code that gives up instead (OpenBLAS, a C++
``bad_alloc``), into a dead kernel: the kernel's own stdout and stderr go to ``kernel.log`` beside the
status, and a dead kernel's problem carries its exit and the last lines it printed there, which
say which it was (the grader reads them to tell memory from a crash). After every cell, what
happened so far is written atomically to the status file, so the grader knows how far a notebook
got even if this process is killed. The answers themselves are whatever the notebook recorded in
``answers.json`` in its working folder.

Usage: ``python -m labs.course.grade.worker NOTEBOOK WORKDIR STATUS [--cell-timeout S] [--memory-mb M]``
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import sys
from pathlib import Path


def write_status(path: Path, doc: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1))
    os.replace(tmp, path)


#: a traceback Python printed itself: IPython falls back to it when it cannot format one (out of memory)
_PRINTED = re.compile(r"^Traceback \(most recent call last\):\n(?:(?:[ \t].*)?\n)*?(?P<ename>[A-Za-z_][\w.]*)"
                      r"(?::[ ]?(?P<evalue>.*))?$", re.M)


def _error(cell) -> tuple[str, str] | None:
    """What went wrong in an executed cell, or None. Not only error outputs: code IPython runs to
    show a result (a figure drawn for display, a table's HTML) may fail without one, as when
    memory runs out. Then its traceback is only printed, and a figure shows no image."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", "Error"), str(out.get("evalue", ""))
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            m = _PRINTED.search(out.get("text", ""))
            if m:
                return m["ename"].rsplit(".", 1)[-1], (m["evalue"] or "").strip()
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if out.get("output_type") in ("display_data", "execute_result") and "image/png" not in data \
                and str(data.get("text/plain", "")).startswith("<Figure size"):
            return "FigureNotDrawn", "a figure was made but could not be drawn"
    return None


def _died(client, log: Path) -> str:
    """Why the kernel is gone, as far as it can be told: its exit status and the last lines it
    printed itself (C code that cannot allocate says so there before it exits or aborts)."""
    import signal

    process = getattr(client.km.provisioner, "process", None)
    code = process.poll() if process is not None else None
    why = "the kernel died"
    if code is not None:
        why += f" (killed by {signal.Signals(-code).name})" if code < 0 and -code in signal.valid_signals() \
            else f" (exit code {code})"
    with contextlib.suppress(OSError):
        # the kernel application's own log lines (its start-up warnings) say nothing of the death
        lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines()
                 if ln.strip() and not ln.startswith("[IPKernelApp]")][-3:]
        if lines:
            why += ": " + " / ".join(lines)[-200:]
    return why


def run(notebook: Path, workdir: Path, status_path: Path, cell_timeout: int, memory_mb: int) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    status = {"cells": 0, "ran": 0, "problems": [], "kernel_pgid": None, "finished": False}
    try:
        nb = nbformat.read(notebook, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no list of cells")
        for cell in nb.cells:  # a cell turned from code to markdown and back keeps running
            if cell.get("cell_type") == "code":
                cell.setdefault("outputs", [])
                cell.setdefault("execution_count", None)
    except Exception as exc:  # noqa: BLE001 -- a file that is not a notebook is a finding, not a crash
        status.update(finished=True, fatal=f"malformed: not a readable notebook ({exc.__class__.__name__}: "
                                            f"{str(exc).splitlines()[0][:160] if str(exc) else ''})")
        write_status(status_path, status)
        return status
    if memory_mb:
        cap = memory_mb * 2 ** 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    status["cells"] = len(nb.cells)  # cells are numbered as the trainee sees them: every cell, from 1
    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, resources={"metadata": {"path": str(workdir)}},
                            error_on_timeout={"ename": "CellTimeout",
                                              "evalue": f"the cell ran over {cell_timeout} s and was interrupted"})
    kernel_log = status_path.with_name("kernel.log")
    try:
        # the kernel's own output (not its cells'): C code that gives up prints there, OpenBLAS on stdout
        with open(kernel_log, "wb") as own, client.setup_kernel(cwd=str(workdir), stdout=own, stderr=own):
            status["kernel_pgid"] = getattr(client.km.provisioner, "pgid", None)
            write_status(status_path, status)
            for index, cell in code:
                n = index + 1
                status["current"] = n
                write_status(status_path, status)
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    status["problems"].append({"cell": n, "ename": "CellTimeout",
                                               "evalue": f"the cell ran over {cell_timeout} s"})
                    break
                except DeadKernelError:
                    status["problems"].append({"cell": n, "ename": "DeadKernel",
                                               "evalue": _died(client, kernel_log)[:300]})
                    break
                err = _error(cell)
                if err:
                    status["problems"].append({"cell": n, "ename": err[0], "evalue": err[1][:300]})
                status["ran"] = n
    except DeadKernelError:
        status["problems"].append({"cell": status.get("current", 0), "ename": "DeadKernel",
                                   "evalue": _died(client, kernel_log)[:300]})
    except Exception as exc:  # noqa: BLE001 -- the kernel would not start, or nbclient itself failed
        why = f"{exc.__class__.__name__}: {str(exc)[:200]}"
        # no cell of the trainee's has run: the grader's machine failed, not the notebook
        status["fatal"] = f"crash: {why}" if status["kernel_pgid"] else f"no kernel: {why}"
    status["finished"] = True
    with contextlib.suppress(Exception):  # the executed copy is for reading; the status is what counts
        nbformat.write(nb, workdir / "executed.ipynb")
    write_status(status_path, status)
    return status


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("notebook", type=Path)
    p.add_argument("workdir", type=Path)
    p.add_argument("status", type=Path)
    p.add_argument("--cell-timeout", type=int, default=120)
    p.add_argument("--memory-mb", type=int, default=0)
    a = p.parse_args(argv)
    run(a.notebook, a.workdir, a.status, a.cell_timeout, a.memory_mb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
