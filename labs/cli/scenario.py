"""`tracelab scenario ...` and `tracelab class new`: what instructors run."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import click
from rich.console import Console

from ..errors import SpecError


def _load(spec_path: Path | None, catalog: str | None, seed: int | None):
    from ..spec import catalog as cat
    from ..spec import load_spec

    if bool(spec_path) == bool(catalog):
        raise click.UsageError("give a SPEC file or --catalog NAME (one of them)")
    try:
        spec = load_spec(spec_path or cat.path(catalog))
        return spec.with_seed(seed) if seed is not None else spec
    except SpecError as exc:
        raise click.ClickException(str(exc)) from None


def _generate(spec, out: Path, key_out: Path | None, backend: str, force: bool, console: Console, what: str = ""):
    from ..bundle import write_bundle
    from ..errors import BundleError, StoryError
    from ..scenario import run_case

    label = f"{what}{spec.name} (seed {spec.seed})"
    with console.status(f"generating {label}") as status:
        def progress(msg):
            status.update(f"{label}: {msg}")

        try:
            with run_case(spec, backend=backend, progress=progress) as case:
                written = write_bundle(case, out, key_out, force=force, progress=progress)
                lanes = case.world.lanes
                made = {name: (lane.transactions(), lane.backend) for name, lane in lanes.items()}
                untraced = [name for name, lane in lanes.items() if lane.untraced]
        except BundleError as exc:
            raise click.ClickException(str(exc)) from None
        except StoryError as exc:  # raised before anything is written
            raise click.ClickException(f"{spec.name} (seed {spec.seed}): {exc}") from None
    for name in untraced:
        click.echo(f"note: {name} ran on the pure-Python EVM, which has no trace API: its export lacks internal "
                   "transfers (a mixer's payouts, an exchange's sweeps) and traces.csv is empty. Install Node.js "
                   "and run `make setup` for anvil.", err=True)
    return written, made


def _counts(per_chain: dict[str, tuple[int, str]]) -> str:
    """``{chain: (transactions, backend)}`` as "1,234 transactions (ethereum 1,000 on anvil, ...)"."""
    total = sum(n for n, _ in per_chain.values())
    return f"{total:,} transactions (" + ", ".join(f"{name} {n:,} on {b}" for name, (n, b) in per_chain.items()) + ")"


@click.group("scenario")
def scenario():
    """Generate, verify and list cases."""


@scenario.command("new")
@click.argument("spec_path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--catalog", help="A ready case from `tracelab scenario catalog` instead of a SPEC file.")
@click.option("--seed", type=click.IntRange(0), help="Override the spec's seed: another seed, another case.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Bundle folder.")
@click.option("--key-out", type=click.Path(file_okay=False, path_type=Path),
              help="Instructor key folder (default: OUT.key beside the bundle).")
@click.option("--backend", type=click.Choice(["auto", "anvil", "pyevm"]), default="auto", show_default=True)
@click.option("--trainee", help="Whose case: another trainee, other people (a class gives each one theirs).")
@click.option("--force", is_flag=True, help="Replace a bundle and key tracelab made before (nothing else).")
def new(spec_path, catalog, seed, out, key_out, backend, trainee, force):
    """Execute a case on fresh lab chains and write its bundle and, apart, its key."""
    console = Console(stderr=True)
    spec = _load(spec_path, catalog, seed)
    if trainee:
        spec = spec.for_trainee(trainee)
    (bundle, key), made = _generate(spec, out, key_out, backend, force, console)
    click.echo(f"bundle: {bundle}  ({_counts(made)})")
    click.echo(f"key:    {key}  (instructors only: never hand it out with the bundle)")


@scenario.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--backend", type=click.Choice(["auto", "anvil", "pyevm"]), default="auto", show_default=True)
def verify(folder, backend):
    """Rebuild a bundle's chains from its replay logs and check every hash and export."""
    from ..bundle.verify import verify_bundle

    console = Console(stderr=True)
    with console.status("verifying") as status:
        skipped: list[str] = []
        checked: dict[str, dict] = {}
        problems = verify_bundle(folder, backend=backend, progress=lambda m: status.update(m), skipped=skipped,
                                 checked=checked)
    done = _counts({name: (c["transactions"], c["backend"]) for name, c in checked.items()})
    for s in skipped:
        click.echo(f"NOTE {s}", err=True)
    if problems:
        for p in problems:
            click.echo(f"FAIL {p}", err=True)
        raise click.ClickException(f"{folder}: {len(problems)} problem(s)")
    if skipped:
        click.echo(f"OK {folder}: manifest and replay logs agree; {len(skipped)} export(s) not compared (see NOTE); "
                   f"checked {done}")
    else:
        click.echo(f"OK {folder}: manifest, replay logs and exports agree; checked {done}")


@scenario.command("catalog")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {name, difficulty, chains, summary}.")
def catalog_cmd(as_json):
    """List the ready-made cases: name, difficulty, chains and what happens (instructors only)."""
    from ..spec import catalog as cat
    from ..spec import describe

    entries = [{**describe(cat.path(n)), "name": n} for n in cat.names()]
    if as_json:
        click.echo(json.dumps(entries, indent=2))
        return
    for e in entries:
        chains = ", ".join(f"{c['name']} ({c['kind'].upper()})" for c in e["chains"])
        click.echo(f"{e['name']}  [{e['difficulty']}; {chains}]\n    {e['summary']}")


@click.group("class")
def class_():
    """Cases for a whole class."""


@class_.command("new")
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with a header and at least an `id` column (optional: `name`, `seed`).")
@click.option("--catalog", help="Catalog case to give every trainee.")
@click.option("--spec", "spec_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for bundles (OUT/bundles/<id>) and keys (OUT/keys/<id>).")
@click.option("--backend", type=click.Choice(["auto", "anvil", "pyevm"]), default="auto", show_default=True)
@click.option("--force", is_flag=True)
def class_new(roster, catalog, spec_path, out, backend, force):
    """One case per trainee, each with its own seed, key and brief."""
    import hashlib

    console = Console(stderr=True)
    base = _load(spec_path, catalog, None)
    # utf-8-sig: a roster saved by a spreadsheet as "CSV UTF-8" starts with a byte-order mark
    with roster.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    if "id" not in [c.strip() for c in reader.fieldnames or []]:
        raise click.ClickException(f"{roster}: expected a CSV header with an `id` column")
    if not rows:
        raise click.ClickException(f"{roster}: no trainees (a header, and no row under it)")
    key = next(c for c in reader.fieldnames if c.strip() == "id")
    ids = [(r[key] or "").strip() for r in rows]
    bad = [i for i in ids if not i or "/" in i or "\\" in i or i.startswith(".")]
    if bad:
        raise click.ClickException(f"{roster}: trainee id {bad[0]!r} cannot name a folder")
    seen = {}
    for lineno, tid in enumerate(ids, 2):
        if tid in seen:
            raise click.ClickException(f"{roster}: trainee id {tid!r} is on line {seen[tid]} and line {lineno}")
        seen[tid] = lineno
    index = []
    for lineno, (row, tid) in enumerate(zip(rows, ids, strict=True), 2):
        if row.get("seed"):
            try:
                seed = int(row["seed"])
            except ValueError:
                raise click.ClickException(f"{roster}: line {lineno}: seed {row['seed']!r} is not an integer") from None
        else:
            # each trainee's seed derives from the spec's and the id: stable if the roster is reordered
            seed = int.from_bytes(hashlib.sha256(f"{base.seed}/{tid}".encode()).digest()[:4], "big")
        spec = base.with_seed(seed).for_trainee(tid)
        (bundle, _key), made = _generate(spec, out / "bundles" / tid, out / "keys" / tid, backend, force, console,
                                        what=f"trainee {lineno - 1} of {len(ids)}, {tid}: ")
        # relative to the class folder, so the folder can move (or be copied to another machine)
        index.append({"id": tid, "name": row.get("name", ""), "seed": seed, "trainee": tid,
                      "bundle": f"bundles/{tid}", "key": f"keys/{tid}"})
        click.echo(f"{tid}: seed {seed} -> {bundle}  ({_counts(made)})")
    (out / "keys" / "class.json").write_text(json.dumps(index, indent=2) + "\n")
    click.echo(f"{len(index)} cases; index of seeds and keys: {out / 'keys' / 'class.json'}")
