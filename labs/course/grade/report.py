"""What the grader writes: the gradebook, one feedback file per trainee, and a class summary.

``OUT/gradebook.csv``   a row per trainee and module: trainee, module, points, max_points, status,
                        then the points of every question (empty where a question is not asked)
``OUT/gradebook.json``  the same as ``tracelab grade --json`` prints
``OUT/feedback/<trainee>.md``  each question by id: right, partly right, wrong or unanswered, the
                        points, and where to look again. It never shows a right answer, so it
                        gives away nothing of any trainee's case.
``OUT/summary.md``, ``OUT/scores-per-question.png``  the class: how each question went
"""
from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

from .. import modules as M
from ..questions import show_points
from .run import Row


def _num(p: Fraction) -> int | str:
    """A point figure for JSON, exact: an int when whole, else the fraction as a string.

    The gradebook shows two decimals; JSON is what other tools add up, so it carries no rounding
    and no float (``Fraction("7/3")`` reads it back).

    Examples
    --------
    >>> _num(Fraction(4)), _num(Fraction(7, 3))
    (4, '7/3')
    """
    return p.numerator if p.denominator == 1 else str(p)


def gradebook_json(rows: list[Row]) -> dict:
    return {"rows": [{"trainee": r.trainee, "module": r.module, "points": _num(r.points),
                      "max_points": r.max_points, "status": r.status,
                      "questions": {q: _num(m.points) for q, m in r.marks.items()}} for r in rows]}


def gradebook_csv(rows: list[Row]) -> str:
    qids = list(dict.fromkeys(q for r in rows for q in r.marks))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["trainee", "module", "points", "max_points", "status", *qids])
    for r in rows:
        w.writerow([r.trainee, r.module, show_points(r.points), r.max_points, r.status,
                    *[show_points(r.marks[q].points) if q in r.marks else "" for q in qids]])
    return buf.getvalue()


_MARK = {"right": "right", "partly right": "partly right", "wrong": "wrong", "unanswered": "unanswered",
         "invalid": "not accepted", "not applicable": "not asked"}


def feedback(trainee: str, rows: list[Row]) -> str:
    """One trainee's feedback (markdown). Only that trainee's rows go in; no right answer is shown."""
    lines = [f"# Feedback for {trainee}", ""]
    for r in rows:
        mod = M.get(r.module)
        lines += [f"## {mod.id}: {mod.title}", "", f"**{show_points(r.points)} of {r.max_points} points.**", ""]
        if r.status != "ok":
            lines += [f"How your notebook ran: {r.status}.", ""]
        lines += ["| question | result | points | look again |", "| --- | --- | --- | --- |"]
        for q in mod.questions:
            m = r.marks[q.id]
            note = m.note.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {q.id} | {_MARK[m.verdict]} | {show_points(m.points)} / {m.max_points} | {note} |")
        lines.append("")
    return "\n".join(lines)


def summary(rows: list[Row], plot_name: str | None) -> str:
    lines = ["# Class summary", ""]
    for mid in dict.fromkeys(r.module for r in rows):
        mod, these = M.get(mid), [r for r in rows if r.module == mid]
        handed = [r for r in these if not r.status.startswith("missing")]
        lines += [f"## {mod.id}", "", f"{len(handed)} of {len(these)} trainees handed in; "
                  f"{sum(r.status == 'ok' for r in these)} ran without a problem.", "",
                  "| question | right | partly | wrong | unanswered | mean points |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for q in mod.questions:
            marks = [r.marks[q.id] for r in these if r.marks[q.id].verdict != "not applicable"]
            count = {v: sum(m.verdict == v for m in marks) for v in ("right", "partly right", "wrong", "unanswered",
                                                                      "invalid")}
            mean = sum((m.points for m in marks), Fraction(0)) / len(marks) if marks else Fraction(0)
            lines.append(f"| {q.id} | {count['right']} | {count['partly right']} | {count['wrong'] + count['invalid']} "
                         f"| {count['unanswered']} | {show_points(mean)} / {q.points} |")
        problems = [r for r in these if r.status != "ok"]
        if problems:
            lines += ["", "Submissions that did not run cleanly:", ""]
            lines += [f"- {r.trainee}: {r.status}" for r in problems]
        lines.append("")
    if plot_name:
        lines += [f"![scores per question]({plot_name})", ""]
    return "\n".join(lines)


def plot_scores(rows: list[Row], path: Path) -> Path:
    """A bar per question: the share of points the class earned (floats here are for drawing only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    qids, shares = [], []
    for r in rows:
        for q in r.marks:
            if q not in qids:
                qids.append(q)
    for q in qids:
        marks = [r.marks[q] for r in rows if q in r.marks and r.marks[q].max_points]
        got = sum((m.points for m in marks), Fraction(0))
        most = sum(m.max_points for m in marks)
        shares.append(float(got / most) * 100 if most else 0.0)
    fig, ax = plt.subplots(figsize=(max(5.0, 0.6 * len(qids) + 2), 3.6))
    ax.bar(range(len(qids)), shares, color="#3b6ea8")
    ax.set_xticks(range(len(qids)), qids, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("points earned (% of possible)")
    ax.set_title(f"Scores per question ({len({r.trainee for r in rows})} trainees)")
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def write(rows: list[Row], out: Path) -> dict[str, Path]:
    """Write every report into ``out``; returns what was written."""
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    (out / "gradebook.csv").write_text(gradebook_csv(rows))
    (out / "gradebook.json").write_text(json.dumps(gradebook_json(rows), indent=2) + "\n")
    for t in dict.fromkeys(r.trainee for r in rows):
        (out / "feedback" / f"{t}.md").write_text(feedback(t, [r for r in rows if r.trainee == t]))
    plot = plot_scores(rows, out / "scores-per-question.png") if rows else None
    (out / "summary.md").write_text(summary(rows, plot.name if plot else None))
    return {"gradebook": out / "gradebook.csv", "feedback": out / "feedback", "summary": out / "summary.md"}
