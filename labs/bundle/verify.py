"""`tracelab scenario verify`: a bundle rebuilt from its replay logs, re-exported, and compared.

Works from the bundle alone: ``bundle.json`` names its chains, the manifest its files.
"""
from __future__ import annotations

import json
from pathlib import Path
from collections.abc import Callable

from . import BUNDLE_FILE, check_manifest


def _export_backend(exports: Path) -> str | None:
    """The EVM backend an export was made on, from its notes (None if they do not say)."""
    from chains.evm.export import NOTES_FILE

    try:
        lines = (exports / NOTES_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("backend:")), None)


def verify_bundle(folder: Path, *, backend: str = "auto", progress: Callable[[str], None] | None = None,
                  skipped: list[str] | None = None, checked: dict | None = None) -> list[str]:
    """Rebuild every chain from its replay log, re-export it, and compare with the bundle.

    Returns the problems found (empty: the bundle is intact and its exports are what its chains say).
    An EVM chain rebuilt on another backend than the one that made the bundle still has every
    block's transactions checked, but its export files cannot be compared (block hashes and traces
    differ between backends): that is said in ``skipped``, if given. On anvil the chains are
    rebuilt at the same time, each on its own node. ``checked``, if given, gets for each chain
    ``{"backend": ..., "transactions": n}``: what rebuilt it, and how many transactions it checked.
    """
    from concurrent.futures import ThreadPoolExecutor

    from chains.evm import find_anvil

    from ..world.evm_lane import no_traces_said

    progress = progress or (lambda msg: None)
    folder = Path(folder)
    problems = check_manifest(folder)
    try:
        chains = _chains(folder)
    except (OSError, ValueError, KeyError) as exc:
        return problems + [f"{BUNDLE_FILE}: cannot read its chains ({exc})"]
    on_nodes = backend == "anvil" or (backend == "auto" and find_anvil())
    # the warnings filter is process-wide: set once here, not in each thread
    with no_traces_said(), ThreadPoolExecutor(max_workers=max(1, len(chains)) if on_nodes else 1) as pool:
        results = list(pool.map(lambda c: _verify_chain(folder, c["name"], c["kind"], backend, progress), chains))
    for c, (found, notes, done) in zip(chains, results, strict=True):
        problems += found
        if skipped is not None:
            skipped += notes
        if checked is not None and done:
            checked[c["name"]] = done
    return problems


def _chains(folder: Path) -> list[dict]:
    """The chains of a bundle, ``[{"name", "kind"}]``, from bundle.json (spec.json in a version-1 bundle)."""
    info = folder / BUNDLE_FILE
    if not info.is_file() and (folder / "spec.json").is_file():
        info = folder / "spec.json"
    return [{"name": c["name"], "kind": c["kind"]} for c in json.loads(info.read_text())["chains"]]


def _verify_chain(folder: Path, name: str, kind: str, backend: str, progress) -> tuple[list[str], list[str], dict]:
    """(problems, what could not be compared, what was checked) of one chain of a bundle."""
    import filecmp
    import tempfile

    if kind not in REBUILD:
        return [f"{BUNDLE_FILE}: chain {name} has kind {kind!r} (expected one of {', '.join(REBUILD)})"], [], {}
    replay, exports = folder / "chains" / name / "replay.jsonl", folder / "exports" / name
    progress(f"rebuilding {name} from its replay log")
    problems = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmpdir = Path(tmpdir)
        try:
            done, skip = REBUILD[kind](replay, exports, tmpdir, backend)
        except Exception as exc:  # noqa: BLE001 (any error rebuilding a bundle's own log is a finding about it, not a crash)
            return [f"chains/{name}/replay.jsonl: does not rebuild: {exc}"], [], {}
        if skip:
            return [], [f"exports/{name}: {skip}"], done
        for produced in sorted(tmpdir.iterdir()):
            theirs = exports / produced.name
            if not theirs.is_file():
                problems.append(f"exports/{name}/{produced.name}: missing")
            elif not filecmp.cmp(produced, theirs, shallow=False):
                problems.append(f"exports/{name}/{produced.name}: differs from what the replayed chain exports")
    return problems, [], done


def _rebuild_evm(replay: Path, exports: Path, out: Path, backend: str) -> tuple[dict, str | None]:
    """Rebuild an EVM chain and export it into ``out``: (what was checked, why the files cannot be compared)."""
    from chains.evm import EvmChain
    from chains.evm.export import export_chain

    with EvmChain.rebuild(replay, backend, history=False) as rebuilt:  # the export reads no past state
        made_on, rebuilt_on = _export_backend(exports), rebuilt.backend.name
        done = {"backend": rebuilt_on, "transactions": sum(len(b.txs) for b in rebuilt.replay.blocks)}
        if made_on not in (None, rebuilt_on):
            return done, (f"made on {made_on}, rebuilt on {rebuilt_on}: every block's transactions checked, the "
                          "files not compared (block hashes and traces differ between backends)")
        export_chain(rebuilt, out)
    return done, None


def _rebuild_utxo(replay: Path, exports: Path, out: Path, backend: str) -> tuple[dict, str | None]:
    """Rebuild the UTXO chain and export it into ``out`` (one implementation: always comparable)."""
    from chains.utxo.export import export_jsonl
    from chains.utxo.replay import read_replay

    ledger = read_replay(replay)
    export_jsonl(ledger, out / "blocks.jsonl", out / "transactions.jsonl")
    return {"backend": "tracelab-utxo", "transactions": sum(len(b.txs) - 1 for b in ledger.blocks[1:])}, None


#: chain kind -> how a chain of that kind is rebuilt from its replay log and exported
REBUILD = {"evm": _rebuild_evm, "utxo": _rebuild_utxo}
