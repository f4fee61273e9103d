"""The scenario bundle: what a trainee receives, and the instructor's key, written apart.

Bundle ``DIR/``::

    bundle.json              what this folder is: format, case reference, chains, transactions
    brief.md                 the case file: the victims' statements or the incident report
    reports.csv              the reported payments of the brief, one a row, for notebooks to read
    chains/<chain>/replay.jsonl     rebuilds each chain exactly (`tracelab scenario verify`)
    exports/<chain>/...      ethereum-etl CSV (EVM) or bitcoin-etl JSON lines (UTXO)
    tags/services.yaml       attribution of known services, GraphSense TagPack YAML
    course/selfcheck.json    salted hashes of the course's exact answers (labs.course.selfcheck)
    MANIFEST.sha256          SHA-256 of every other file (`sha256sum -c` reads it)

Key ``DIR.key/`` (never inside the bundle; format in ``docs/key.md``): ``key.json``, ``spec.json``
(the spec as used), ``actors.json`` (every actor's mnemonic and KYC record), the tables
(``*.jsonl``) and its own ``MANIFEST.sha256``.

Everything is written into a temporary folder beside the target and renamed into place at the
end, so a failure leaves no half-written bundle, and an existing folder is never overwritten
unless asked, and then only if it is a bundle (or key) tracelab made.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from collections.abc import Callable

import yaml

from .casefile import brief, reports_csv
from ..errors import BundleError
from ..spec.kinds import KINDS
from .tags import tagpack

MANIFEST = "MANIFEST.sha256"
BUNDLE_FILE, KEY_FILE = "bundle.json", "key.json"
FORMAT, VERSION = "tracelab-bundle", 2


def _dumps(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def manifest(folder: Path) -> str:
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(folder).as_posix()}")
    return "\n".join(lines) + "\n"


def check_manifest(folder: Path) -> list[str]:
    """Problems with ``folder``'s manifest: files changed, missing or not listed (empty: all good)."""
    mpath = folder / MANIFEST
    if not mpath.is_file():
        return [f"{mpath}: missing"]
    problems, listed = [], set()
    for lineno, line in enumerate(mpath.read_text().splitlines(), 1):
        try:
            digest, name = line.split("  ", 1)
        except ValueError:
            problems.append(f"{mpath}: line {lineno}: not '<sha256>  <path>'")
            continue
        listed.add(name)
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: SHA-256 differs from the manifest (the file was changed)")
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        if path.relative_to(folder).as_posix() not in listed:
            problems.append(f"{path.relative_to(folder).as_posix()}: not listed in the manifest")
    return problems


def _check_target(target: Path, force: bool, marker: str, what: str) -> None:
    """Refuse to write over anything but an empty folder or, with ``force``, a tracelab ``what``."""
    target = target.resolve()
    if not target.exists():
        return
    if not target.is_dir():
        raise BundleError(f"{target} is a file, not a folder: choose another {what} folder")
    if not any(target.iterdir()):
        return
    if not force:
        raise BundleError(f"{target} exists and is not empty: choose another folder, or pass --force to replace "
                          f"a {what} made by tracelab")
    why = _not_ours(target, marker)
    if why:
        raise BundleError(f"{target} is not a tracelab {what} ({why}): --force replaces only a {what} tracelab "
                          "made, or an empty folder; nothing was written")


def _not_ours(folder: Path, marker: str) -> str | None:
    """Why ``folder`` is not a tracelab bundle or key that may be replaced (None: it is one)."""
    if not (folder / MANIFEST).is_file():
        return f"it has no {MANIFEST}"
    listed = {line.split("  ", 1)[1] for line in (folder / MANIFEST).read_text(errors="replace").splitlines()
              if "  " in line}
    if marker not in listed and not _legacy(listed, marker):
        return f"its manifest lists no {marker}"
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel != MANIFEST and rel not in listed:
            return f"{rel} is not one of its files, and would be lost"
    return None


def _legacy(listed: set[str], marker: str) -> bool:
    """A bundle or key of version 1 (before bundle.json): recognised by the files only it had."""
    if marker == BUNDLE_FILE:
        return {"spec.json", "brief.md"} <= listed
    return {"key.json", "actors.json"} <= listed


def _scratch(target: Path) -> Path:
    """A fresh hidden folder beside ``target``, renamed into place when everything is written."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)  # our own leftover: the name carries this process's id
    tmp.mkdir()
    return tmp


def _commit(tmp: Path, target: Path):
    target = target.resolve()
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old)
    else:
        tmp.rename(target)


# -- writing --------------------------------------------------------------------------------
def bundle_info(case) -> dict:
    """``bundle.json``: says the folder is a bundle (``--force`` replaces nothing else) and what chains it has."""
    world = case.world
    return {"format": FORMAT, "version": VERSION, "reference": world.reference,
            "chains": [{"name": c.name, "kind": c.kind,
                        **({"chain_id": c.chain_id} if KINDS[c.kind].numbered else {})} for c in case.spec.chains],
            "transactions": {name: lane.transactions() for name, lane in world.lanes.items()},
            "backends": {name: lane.backend for name, lane in world.lanes.items()}}


def _write_chains(case, folder: Path, progress) -> None:
    for name, lane in case.world.lanes.items():
        cdir, edir = folder / "chains" / name, folder / "exports" / name
        cdir.mkdir(parents=True)
        edir.mkdir(parents=True)
        progress(f"exporting {name}")
        lane.write(cdir, edir)


def _write_tags_and_brief(case, folder: Path, progress) -> None:
    tags = tagpack(case, case.world.reference)
    (folder / "tags").mkdir()
    (folder / "tags" / "services.yaml").write_text(yaml.safe_dump(tags, sort_keys=False, allow_unicode=True))
    (folder / "brief.md").write_text(brief(case, case.world.reference, tags))
    (folder / "reports.csv").write_text(reports_csv(case.world))


def _write_info(case, folder: Path, progress) -> None:
    (folder / BUNDLE_FILE).write_text(_dumps(bundle_info(case)))


def _write_selfcheck(case, folder: Path, progress) -> None:
    from . import key as K
    from ..course import selfcheck  # the course's self-checks, from the key's story, before the manifest

    selfcheck.write(folder, K.story(case))


#: what a bundle holds, written in this order, each ``(case, folder, progress) -> None``; a part
#: added here is hashed into the manifest like the others
BUNDLE_PARTS: list[Callable] = [_write_chains, _write_tags_and_brief, _write_info, _write_selfcheck]


def _write_key(case, folder: Path, bundle: Path, progress) -> None:
    """The key folder: key.json, spec.json, actors.json and the tables, from the case and its written bundle."""
    from tracer.load import load

    from . import key as K
    from ..difficulty import measure

    world = case.world
    progress("writing the key")
    transfers = load(bundle / "exports")
    # a token contract is on a chain when its transfers are, though it sends and receives nothing itself
    active = {c: set(g["from"]) | set(g["to"]) | set(g["asset"]) for c, g in transfers.groupby("chain")}
    rows = K.tables(world, active)
    for name, table in rows.items():
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n"
                                                      for r in table))
    digest = hashlib.sha256((bundle / MANIFEST).read_bytes()).hexdigest()
    backends = {name: lane.backend for name, lane in world.lanes.items()}
    doc = K.key_json(case, bundle_manifest_sha256=digest, backends=backends, table_rows=rows)
    doc["difficulty"] = measure(bundle, doc, rows, transfers=transfers)
    (folder / KEY_FILE).write_text(_dumps(doc))
    (folder / "spec.json").write_text(_dumps(case.spec.to_dict()))
    (folder / "actors.json").write_text(_dumps(K.actors_json(world)))


def write_bundle(case, out: Path, key_out: Path | None = None, *, force: bool = False,
                 progress: Callable[[str], None] | None = None) -> tuple[Path, Path]:
    """Write ``case`` as a bundle at ``out`` and its key at ``key_out`` (default ``out.key``).

    An existing folder is replaced only with ``force``, and only if it is empty or a tracelab
    bundle (or key) holding nothing but what its manifest lists: anything else is refused, and
    nothing is written.
    """
    progress = progress or (lambda msg: None)
    out = Path(out)
    key_out = Path(key_out) if key_out else out.with_name(out.name + ".key")
    if key_out.resolve() == out.resolve() or out.resolve() in key_out.resolve().parents \
            or key_out.resolve() in out.resolve().parents:
        raise BundleError(f"the key folder {key_out} and the bundle {out} must not be inside each other: "
                          "trainees get the bundle")
    _check_target(out, force, BUNDLE_FILE, "bundle")
    _check_target(key_out, force, KEY_FILE, "key")
    tmp = ktmp = None
    try:
        tmp, ktmp = _scratch(out), _scratch(key_out)
        for part in BUNDLE_PARTS:
            part(case, tmp, progress)
        (tmp / MANIFEST).write_text(manifest(tmp))
        _write_key(case, ktmp, tmp, progress)
        (ktmp / MANIFEST).write_text(manifest(ktmp))
    except BaseException:
        for folder in (tmp, ktmp):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        raise
    _commit(tmp, out)
    _commit(ktmp, key_out)
    return out, key_out
