"""`tracelab bench grade`: grading a batch of 03-tracing submissions against one executed alone."""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import click


def _class(root: Path, trainees: int, cases: int) -> Path:
    """A class of ``trainees`` ids sharing ``cases`` real cases (round robin), like a large class."""
    import contextlib
    import sys

    from labs.cli import main

    made = root / "made"
    roster = root / "roster.csv"
    roster.write_text("id\n" + "".join(f"case{i}\n" for i in range(cases)))
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries the figures
        code = main(["class", "new", "--roster", str(roster), "--catalog", "investment-fraud", "--out", str(made)])
    if code != 0:
        raise click.ClickException("could not make the cases")
    klass = root / "class"
    for part in ("bundles", "keys"):
        (klass / part).mkdir(parents=True)
        for n in range(trainees):
            (klass / part / f"t{n:03d}").symlink_to(made / part / f"case{n % cases}")
    return klass


def _submit(root: Path, trainees: list[str], notebook: Path) -> Path:
    subs = root / f"subs-{len(trainees)}"
    for t in trainees:
        (subs / t).mkdir(parents=True)
        (subs / t / notebook.name).write_bytes(notebook.read_bytes())
    return subs


@click.command("grade")
@click.option("--submissions", "n", type=click.IntRange(2), default=30, show_default=True)
@click.option("--jobs", type=click.IntRange(1), default=2, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def bench_grade(n, jobs, as_json):
    """Grade N submissions of 03-tracing with --jobs J, and one alone as the baseline, in one run."""
    from .build import SOLUTIONS
    from .grade.run import grade

    nb = SOLUTIONS / "03-tracing.ipynb"
    with tempfile.TemporaryDirectory(prefix="tracelab-bench-grade-") as tmp:
        root = Path(tmp)
        klass = _class(root, n, cases=3)
        ids = sorted(p.name for p in (klass / "keys").iterdir())
        one, many = _submit(root, ids[:1], nb), _submit(root, ids, nb)
        t0 = time.perf_counter()
        alone = grade(klass, one, root / "out-1", jobs=1)
        t1 = time.perf_counter()
        batch = grade(klass, many, root / f"out-{n}", jobs=jobs)
        t2 = time.perf_counter()
    graded = [r for r in batch if not r.status.startswith("missing")]
    full = sum(r.points == r.max_points and r.status == "ok" for r in graded)
    single, total = t1 - t0, t2 - t1
    figures = {"submissions": n, "jobs": jobs, "one_alone_seconds": round(single, 2),
               "batch_seconds": round(total, 2), "seconds_per_submission": round(total / n, 2),
               "speedup_vs_one_at_a_time": round(n * single / total, 2), "full_marks": full,
               "baseline_full_marks": sum(r.points == r.max_points for r in alone if r.trainee == ids[0])}
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"one submission alone: {single:.1f} s; {n} submissions with --jobs {jobs}: {total:.1f} s "
               f"({total / n:.1f} s each, {n * single / total:.2f}x one at a time); {full}/{n} full marks")
