"""`tracelab grade`: run and score a class's submissions."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .run import DEFAULT_CELL_TIMEOUT, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT


@click.command("grade")
@click.option("--class", "class_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The class folder from `tracelab class new` (bundles/ and keys/).")
@click.option("--submissions", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="DIR/<trainee id>/<module>.ipynb (or DIR/<trainee id>/answers.json).")
@click.option("--jobs", type=click.IntRange(1), default=1, show_default=True, help="Submissions run at once.")
@click.option("--timeout", type=click.IntRange(1), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds a whole notebook may run; then it is stopped and scored on what it recorded.")
@click.option("--cell-timeout", type=click.IntRange(1), default=DEFAULT_CELL_TIMEOUT, show_default=True,
              help="Seconds one cell may run; then it is interrupted and the next cell runs.")
@click.option("--memory-mb", type=click.IntRange(0), default=DEFAULT_MEMORY_MB, show_default=True,
              help="Memory cap per submission (0: none).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("grades"), show_default=True,
              help="Where the gradebook, feedback and summary go.")
@click.option("--json", "as_json", is_flag=True, help='Print the gradebook as JSON: {"rows": [...]}.')
def grade(class_dir, submissions, jobs, timeout, cell_timeout, memory_mb, out, as_json):
    """Execute every submission headless against its trainee's case and score it against their key."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import report
    from .run import GradeError, collect, grade as run_grade

    console = Console(stderr=True)
    try:
        subs, _, strangers = collect(submissions, class_dir)
    except GradeError as exc:
        raise click.ClickException(str(exc)) from None
    for s in strangers:
        click.echo(f"note: {submissions / s} is not a trainee of {class_dir}: not graded", err=True)
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=as_json) as bar:
        task = bar.add_task("", total=len(subs))

        def done(row):
            bar.update(task, advance=1, description=f"{row.trainee} {row.module}: {row.status}")

        try:
            rows = run_grade(class_dir, submissions, out, jobs=jobs, timeout=timeout, cell_timeout=cell_timeout,
                             memory_mb=memory_mb, progress=done)
        except GradeError as exc:
            raise click.ClickException(str(exc)) from None
    written = report.write(rows, out)
    if as_json:
        click.echo(json.dumps(report.gradebook_json(rows), indent=2))
        return
    from ..questions import show_points

    for r in rows:
        click.echo(f"{r.trainee:<16} {r.module:<28} {show_points(r.points):>6} / {r.max_points:<4} {r.status}")
    click.echo(f"gradebook: {written['gradebook']}\nfeedback:  {written['feedback']}/<trainee>.md\n"
               f"summary:   {written['summary']}")
