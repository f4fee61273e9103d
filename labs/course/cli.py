"""`tracelab course ...`: build the trainees' notebooks and list the modules."""
from __future__ import annotations

import json
from pathlib import Path

import click


@click.group("course")
def course():
    """The course's notebooks: build the trainees' copies, list the modules."""


@course.command("build")
@click.option("--check", is_flag=True, help="Write nothing; fail if an exercise is out of date with its source.")
@click.option("--solutions", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Source notebooks (default: the repository's solutions/).")
@click.option("--exercises", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the trainees' copies go (default: the repository's exercises/).")
def build_cmd(check, solutions, exercises):
    """Write exercises/NN-topic.ipynb from solutions/NN-topic.ipynb with the solution parts blanked."""
    from .build import EXERCISES, SOLUTIONS, BuildError, build

    try:
        result = build(solutions or SOLUTIONS, exercises or EXERCISES, check=check)
    except BuildError as exc:
        raise click.ClickException(str(exc)) from None
    if check:
        for d in result.differ:
            click.echo(f"FAIL {d}", err=True)
        if result.differ:
            raise click.ClickException(f"{len(result.differ)} notebook(s) out of sync")
        click.echo("OK exercises are in sync with their sources")
        return
    for w in result.written:
        click.echo(f"wrote {w}")
    if not result.written:
        click.echo("exercises already up to date")


@course.command("list")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: [{id, title, max_points, cases, questions: [...]}]; cases null: every case.")
def list_cmd(as_json):
    """The course's modules, their topics, the catalog cases each is for, and their questions."""
    from labs.spec import catalog

    from . import modules as M

    entries = [{"id": m.id, "title": m.title, "max_points": m.max_points,
                "cases": list(m.cases) if m.cases is not None else None,
                "questions": [{"id": q.id, "kind": q.kind, "points": q.points, "prompt": q.prompt,
                               "self_check": q.self_checked,
                               **({"choices": q.choices_text} if q.kind == "choice" else {})} for q in m.questions]}
               for m in M.modules().values()]
    if as_json:
        click.echo(json.dumps(entries, indent=2))
        return
    for e in entries:
        cases = ", ".join(e["cases"]) if e["cases"] is not None else f"every case ({', '.join(catalog.names())})"
        click.echo(f"{e['id']}: {e['title']} ({e['max_points']} points)\n    for: {cases}")
        for q in e["questions"]:
            mark = " (self-check)" if q["self_check"] else ""
            click.echo(f"    {q['id']:<28} {q['kind']:<12} {q['points']} pt  {q['prompt']}{mark}")
