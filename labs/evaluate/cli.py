"""The ``tracelab evaluate`` command, and the markdown tables it prints (what ``docs/heuristics.md`` shows)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .cases import DIFFICULTIES, MISTAKES


@click.command("evaluate")
@click.option("--cases", default=1, show_default=True, type=click.IntRange(1), help="Cases per setting.")
@click.option("--difficulty", "difficulties", multiple=True, type=click.Choice(DIFFICULTIES),
              help="A difficulty level (repeat for several; default: standard).")
@click.option("--mistake", "mistakes", multiple=True, type=click.Choice([m.name for m in MISTAKES] + ["none"]),
              help="A setting with this launderer mistake on (repeat; default: one setting per mistake; "
                   "none: the settings without mistakes only).")
@click.option("--background", default=800, show_default=True, type=click.IntRange(0),
              help="Background transactions a case (ordinary users around the launderer).")
@click.option("--seed", default=1, show_default=True, type=click.IntRange(0),
              help="Seed of every setting's first case.")
@click.option("--backend", type=click.Choice(["auto", "anvil", "pyevm"]), default="auto", show_default=True)
@click.option("--save-rates", type=click.Path(dir_okay=False, writable=True),
              help="Also write every heuristic's counts over all cases, with this command, as JSON: what "
                   "tracer/heuristics/measured.json ships and traces cite.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"rows": [{heuristic, setting, tp, fp, fn, precision, recall, precision_ci, recall_ci}], '
                   '"cases": [...], "failed": [...]}.')
def evaluate_cmd(cases, difficulties, mistakes, background, seed, backend, save_rates, as_json):
    """Measure every heuristic's precision and recall, with 95% Wilson intervals, against the keys
    of generated cases: per difficulty, without and with each launderer mistake."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import evaluate

    if "none" in mistakes and len(mistakes) > 1:
        raise click.BadParameter("none cannot be combined with a mistake", param_hint="--mistake")
    chosen = None if not mistakes else [m for m in mistakes if m != "none"]
    with Progress(TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=Console(stderr=True), transient=as_json) as bar:
        task = bar.add_task("", total=None)

        def progress(done, total, message):
            bar.update(task, completed=done, total=total, description=message)

        r = evaluate(cases, difficulties or ("standard",), chosen, background, seed, backend, progress=progress)
    for f in r["failed"]:
        click.echo(f"case failed (left out): {f['setting']}, seed {f['seed']}: {f['error']}", err=True)
    if not r["cases"]:
        raise click.ClickException("every case failed (see above): nothing to score")
    if save_rates:
        command = " ".join(["tracelab evaluate", f"--cases {cases}", *(f"--difficulty {d}" for d in difficulties),
                            *(f"--mistake {m}" for m in mistakes), f"--background {background}", f"--seed {seed}"])
        Path(save_rates).write_text(json.dumps(rates_file(r, command), indent=1, sort_keys=True) + "\n")
    if as_json:
        click.echo(json.dumps(r, sort_keys=True))
        return
    click.echo(table(r["rows"]))
    mistaken = mistakes_table(r["rows"])
    if mistaken:
        click.echo("\n" + mistaken)


def _pct(v):
    return "n/a" if v is None else f"{100 * v:.2f}%"


def _ci(v):
    return "" if v is None else f" ({100 * v[0]:.2f}-{100 * v[1]:.2f})"


def table(rows, settings=None):
    """The rows as a markdown table, with precision and recall as percentages and their 95% intervals.

    Examples
    --------
    >>> from tracer.heuristics.rates import rates
    >>> print(table([{"heuristic": "bridge", "setting": "all", "tp": 3, "fp": 1, "fn": 0, **rates(3, 1, 0)}]))
    | heuristic | setting | tp | fp | fn | precision (95% CI) | recall (95% CI) |
    | --- | --- | ---: | ---: | ---: | --- | --- |
    | `bridge` | all | 3 | 1 | 0 | 75.00% (30.06-95.45) | 100.00% (43.85-100.00) |
    """
    lines = ["| heuristic | setting | tp | fp | fn | precision (95% CI) | recall (95% CI) |",
             "| --- | --- | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        if settings is None or r["setting"] in settings:
            lines.append(f"| `{r['heuristic']}` | {r['setting']} | {r['tp']} | {r['fp']} | {r['fn']} | "
                         f"{_pct(r['precision'])}{_ci(r['precision_ci'])} | {_pct(r['recall'])}{_ci(r['recall_ci'])} |")
    return "\n".join(lines)


def mistakes_table(rows):
    """For each mistake with a heuristic it should help: that heuristic without and with it, per difficulty."""
    at = {(r["heuristic"], r["setting"]): r for r in rows}
    lines = []
    for m in MISTAKES:
        for d in DIFFICULTIES:
            without, with_ = at.get((m.helps, d)), at.get((m.helps, f"{d}, {m.name}"))
            if without is None or with_ is None:
                continue
            lines.append(f"| `{m.name}` ({d}) | `{m.helps}` | {_pct(without['precision'])} | "
                         f"{_pct(without['recall'])} | {_pct(with_['precision'])} | {_pct(with_['recall'])} | "
                         f"{without['tp']} / {without['fp']} / {without['fn']} | "
                         f"{with_['tp']} / {with_['fp']} / {with_['fn']} |")
    if not lines:
        return ""
    return "\n".join(["| mistake | heuristic | precision without | recall without | precision with | recall with | "
                      "tp / fp / fn without | with |",
                      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |", *lines])


def rates_file(report, command):
    """What ``--save-rates`` writes: the counts of setting ``all`` per heuristic, and how they were made.

    Examples
    --------
    >>> rates_file({"rows": [{"heuristic": "bridge", "setting": "all", "tp": 3, "fp": 1, "fn": 0}],
    ...             "cases": [{}, {}], "seed": 1, "background": 800}, "tracelab evaluate")["counts"]
    {'bridge': [3, 1, 0]}
    """
    counts = {r["heuristic"]: [r["tp"], r["fp"], r["fn"]] for r in report["rows"] if r["setting"] == "all"}
    return {"command": command, "cases": len(report["cases"]), "seed": report["seed"],
            "background": report["background"], "counts": counts}
