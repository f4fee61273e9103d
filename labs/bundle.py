"""The scenario bundle: what a trainee receives, and the instructor's key, written apart.

Bundle ``DIR/``::

    brief.md                 the case brief: who reported what, what is known at the start
    spec.json                the spec as used (seed included)
    chains/<chain>/replay.jsonl     rebuilds each chain exactly (`tracelab scenario verify`)
    exports/<chain>/...      ethereum-etl CSV (EVM) or bitcoin-etl JSON lines (UTXO)
    tags/services.yaml       attribution of known services, GraphSense TagPack YAML
    course/selfcheck.json    salted hashes of the course's exact answers (labs.course.selfcheck)
    MANIFEST.sha256          SHA-256 of every other file (`sha256sum -c` reads it)

Key ``DIR.key/`` (never inside the bundle): ``key.json`` (every laundering step with its tx
hashes, addresses and amounts; clusters; cash-outs with KYC records), ``actors.json`` (every
actor's role, mnemonic and KYC record) and its own ``MANIFEST.sha256``.

Everything is written into a temporary folder beside the target and renamed into place at the
end, so a failure leaves no half-written bundle, and an existing folder is never overwritten
unless asked.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Callable

import yaml

from .scenario import Case
from .units import fmt

MANIFEST = "MANIFEST.sha256"


class BundleError(RuntimeError):
    pass


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


def _prepare(target: Path, force: bool) -> Path:
    target = target.resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())) and not force:
        raise BundleError(f"{target} exists and is not empty: choose another folder, or pass --force to replace it")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
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


# -- what goes in -------------------------------------------------------------------------
def tagpack(case: Case) -> dict:
    """Attributions a real investigator would have for known services (never for the perpetrators)."""
    world = case.world
    tags = []

    def tag(address, chain, label, category, actor, currency="ETH"):
        # GraphSense names networks by currency code; which lab chain a tag is on goes in context
        tags.append({"address": address, "currency": currency, "label": label, "category": category,
                     "actor": actor, "network": currency, "context": json.dumps({"lab_chain": chain})})

    services = world.of_kind("merchant") + world.of_kind("gambling") + world.of_kind("otc") + \
        world.of_kind("swap_service")
    category = {"merchant": "shop", "gambling": "gambling", "otc": "exchange", "swap_service": "exchange"}
    suffix = {"otc": " (OTC desk)", "swap_service": " (instant swap service)"}
    for name, lane in world.lanes.items():
        if lane.kind == "utxo":
            # an exchange's hot wallet is public knowledge; its customers' deposit addresses are not
            for ex in world.exchanges.values():
                tag(lane.hot(ex.actor), name, f"{ex.actor.name}: hot wallet", "exchange", ex.actor.id, "BTC")
            for actor in services:
                if actor.kind == "swap_service":
                    continue  # its per-order deposit addresses are what only its records reveal
                for address in lane.addresses_of(actor):
                    tag(address, name, actor.name + suffix.get(actor.kind, ""), category[actor.kind], actor.id,
                        "BTC")
            continue
        c = lane.contracts
        for ex in world.exchanges.values():
            tag(ex.hot_wallet.address, name, f"{ex.actor.name}: hot wallet", "exchange", ex.actor.id)
            tag(c[ex.actor.id].address, name, f"{ex.actor.name}: deposit address factory", "exchange", ex.actor.id)
        for key, contract in sorted(c.items()):
            if key.startswith("mixer-"):
                denom = int(key.split("-", 1)[1])
                tag(contract.address, name, f"Lab Mixer: {fmt(denom, 18, 'ETH')} pool", "mixing_service", "lab-mixer")
        tag(c["stablecoin"].address, name, "Lab Dollar (LUSD): stablecoin token", "defi", "issuer")
        tag(c["weth"].address, name, "Wrapped Ether (WETH)", "defi", "weth")
        tag(c["pool"].address, name, "WETH/LUSD swap pool", "defi_dex", "swap-pool")
        if "bridge" in c:
            tag(c["bridge"].address, name, "Lab Bridge (lock-and-mint)", "defi_bridge", "lab-bridge")
            tag(world.actors["bridge-relayer"].address, name, "Lab Bridge relayer", "defi_bridge", "lab-bridge")
        tag(world.actors["mixer-relayer"].address, name, "Lab Mixer relayer", "mixing_service", "lab-mixer")
        for actor in services:
            tag(actor.address, name, actor.name + suffix.get(actor.kind, ""), category[actor.kind], actor.id)
    return {
        "title": f"tracelab case {case.spec.name}: known services",
        "creator": "tracelab",
        "description": "Attributions of known services on the lab chains, as a commercial tool or public "
                       "sources would provide them. Perpetrators are not tagged.",
        "lastmod": dt.datetime.fromtimestamp(case.spec.start, dt.timezone.utc).date().isoformat(),
        "confidence": "service_data",
        "source": "tracelab world model (service self-disclosure)",
        "tags": tags,
    }


def _when(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def brief(case: Case) -> str:
    """The trainee's case brief (markdown): what was reported, what is known at the start."""
    world, spec = case.world, case.spec
    victims = world.truth.victims
    lines = [f"# Case {spec.name} (seed {spec.seed})", "", spec.summary, ""]
    platform = world.notes.get("platform")
    ransom = world.notes.get("ransom")
    hack = world.notes.get("hack")
    if platform:
        lines += ["## What was reported",
                  "",
                  f"Victims in {len({v['country'] for v in victims})} countries reported losses to an online "
                  f"trading platform, **{platform['name']}**, which promised AI-driven returns. Each victim "
                  "was told to pay cryptocurrency to a deposit address the platform gave them. Their payments:", ""]
    elif ransom:
        lines += ["## What was reported", "",
                  f"**{ransom['company']}** ({ransom['country']}) was hit by ransomware and paid the ransom to the "
                  "address in the ransom note:", ""]
    elif hack:
        lines += ["## What was reported", "",
                  f"**{hack['exchange']}** ({hack['jurisdiction']}) reports that its hot wallet "
                  f"`{hack['hot_wallet']}` on {hack['chain']} sent funds it did not authorise:", ""]
    lines += ["| reported by | country | date | amount | from (victim) | to | tx hash |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for v in sorted(victims, key=lambda v: (v["time"], v["tx"])):
        asset = v.get("asset", "ETH")
        decimals = 8 if asset == "BTC" else 18
        lines.append(f"| {v['name']} | {v['country']} | {_when(v['time'])} | {fmt(v['amount'], decimals, asset)} | "
                     f"`{v['from']}` | `{v['to']}` | `{v['tx']}` |")
    chains = ", ".join(f"{c.name} ({c.kind}, chain id {c.chain_id})" if c.kind == "evm" else f"{c.name} ({c.kind})"
                       for c in spec.chains)
    lines += ["", "## What you have", "",
              f"- Chain data for {chains}: `exports/<chain>/` in the ethereum-etl (EVM) and bitcoin-etl (UTXO) "
              "schemas; `chains/<chain>/replay.jsonl` rebuilds each chain (`tracelab chain serve --replay ...`).",
              "- Attributions of known services (exchanges, mixer, swap pool, stablecoin): `tags/services.yaml` "
              "(GraphSense TagPack).",
              "- Exchanges answer production orders for the customer behind a deposit address.", "",
              "## Your tasks", "",
              "1. Trace the reported funds forward from the victims' payments.",
              "2. Identify every address the perpetrators control, and the laundering steps they used.",
              "3. Find where the funds were cashed out, how much reached each cash-out point, and whom to send a "
              "production order (which exchange, which deposit address).",
              "4. Say which assets could still be frozen or seized, where, and on what evidence.", ""]
    return "\n".join(lines)


def key(case: Case) -> dict:
    world = case.world
    truth = world.truth.to_json()
    stolen = sum(v["amount"] for v in world.truth.victims)
    return {"case": case.spec.name, "seed": case.spec.seed, "total_reported": str(stolen), **truth}


def actors(case: Case) -> dict:
    return {a.id: {"kind": a.kind, "name": a.name, "jurisdiction": a.jurisdiction, "mnemonic": a.mnemonic,
                   "kyc": a.kyc} for a in case.world.actors.values()}


# -- writing --------------------------------------------------------------------------------
def write_bundle(case: Case, out: Path, key_out: Path | None = None, *, force: bool = False,
                 progress: Callable[[str], None] | None = None) -> tuple[Path, Path]:
    """Write ``case`` as a bundle at ``out`` and its key at ``key_out`` (default ``out.key``)."""
    progress = progress or (lambda msg: None)
    out = Path(out)
    key_out = Path(key_out) if key_out else out.with_name(out.name + ".key")
    if key_out.resolve() == out.resolve() or out.resolve() in key_out.resolve().parents:
        raise BundleError(f"the key folder {key_out} must not be inside the bundle {out}: trainees get the bundle")
    tmp, ktmp = _prepare(out, force), _prepare(key_out, force)
    try:
        world = case.world
        (tmp / "spec.json").write_text(_dumps(case.spec.to_dict()))
        (tmp / "brief.md").write_text(brief(case))
        (tmp / "tags").mkdir()
        (tmp / "tags" / "services.yaml").write_text(yaml.safe_dump(tagpack(case), sort_keys=False, allow_unicode=True))
        for name, lane in world.lanes.items():
            cdir, edir = tmp / "chains" / name, tmp / "exports" / name
            cdir.mkdir(parents=True)
            edir.mkdir(parents=True)
            progress(f"exporting {name}")
            if getattr(lane, "kind", "evm") == "evm":
                from chains.evm.export import export_chain

                lane.flush()
                lane.chain.write_replay(cdir / "replay.jsonl")
                with _no_traces_said():  # EXPORT_NOTES.txt says it; the CLI tells the instructor
                    export_chain(lane.chain, edir)
            else:
                from chains.utxo.export import export_jsonl
                from chains.utxo.replay import write_replay

                lane.flush()
                write_replay(lane.ledger, cdir / "replay.jsonl")
                export_jsonl(lane.ledger, edir / "blocks.jsonl", edir / "transactions.jsonl")
        from .course import selfcheck  # the course's self-checks, from the key, before the manifest

        selfcheck.write(tmp, key(case))
        (tmp / MANIFEST).write_text(manifest(tmp))
        (ktmp / "key.json").write_text(_dumps(key(case)))
        (ktmp / "actors.json").write_text(_dumps(actors(case)))
        (ktmp / MANIFEST).write_text(manifest(ktmp))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(ktmp, ignore_errors=True)
        raise
    _commit(tmp, out)
    _commit(ktmp, key_out)
    return out, key_out


@contextlib.contextmanager
def _no_traces_said():
    """Silence the export's warning that a backend has no trace API (a bundle records it in its notes)."""
    from chains.evm.export import MissingTracesWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingTracesWarning)
        yield


def _export_backend(exports: Path) -> str | None:
    """The EVM backend an export was made on, from its notes (None if they do not say)."""
    from chains.evm.export import NOTES_FILE

    try:
        lines = (exports / NOTES_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("backend:")), None)


def verify_bundle(folder: Path, *, backend: str = "auto", progress: Callable[[str], None] | None = None,
                  skipped: list[str] | None = None) -> list[str]:
    """Rebuild every chain from its replay log, re-export it, and compare with the bundle.

    Returns the problems found (empty: the bundle is intact and its exports are what its chains say).
    An EVM chain rebuilt on another backend than the one that made the bundle still has every
    block's transactions checked, but its export files cannot be compared (block hashes and traces
    differ between backends): that is said in ``skipped``, if given. On anvil the chains are
    rebuilt at the same time, each on its own node.
    """
    from concurrent.futures import ThreadPoolExecutor

    from chains.evm import find_anvil

    progress = progress or (lambda msg: None)
    folder = Path(folder)
    problems = check_manifest(folder)
    try:
        chains = json.loads((folder / "spec.json").read_text()).get("chains", [])
    except (OSError, ValueError) as exc:
        return problems + [f"spec.json: cannot read it ({exc})"]
    on_nodes = backend == "anvil" or (backend == "auto" and find_anvil())
    # the warnings filter is process-wide: set once here, not in each thread
    with _no_traces_said(), ThreadPoolExecutor(max_workers=max(1, len(chains)) if on_nodes else 1) as pool:
        results = list(pool.map(lambda c: _verify_chain(folder, c["name"], c["kind"], backend, progress), chains))
    for found, notes in results:
        problems += found
        if skipped is not None:
            skipped += notes
    return problems


def _verify_chain(folder: Path, name: str, kind: str, backend: str, progress) -> tuple[list[str], list[str]]:
    """(problems, what could not be compared) of one chain of a bundle."""
    import filecmp
    import tempfile

    replay, exports = folder / "chains" / name / "replay.jsonl", folder / "exports" / name
    progress(f"rebuilding {name} from its replay log")
    problems = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmpdir = Path(tmpdir)
        try:
            if kind == "evm":
                from chains.evm import EvmChain
                from chains.evm.export import export_chain

                with EvmChain.rebuild(replay, backend, history=False) as rebuilt:  # the export reads no past state
                    made_on, rebuilt_on = _export_backend(exports), rebuilt.backend.name
                    if made_on not in (None, rebuilt_on):
                        return [], [f"exports/{name}: made on {made_on}, rebuilt on {rebuilt_on}: every block's "
                                    "transactions checked, the files not compared (block hashes and traces differ "
                                    "between backends)"]
                    export_chain(rebuilt, tmpdir)
            else:
                from chains.utxo.export import export_jsonl
                from chains.utxo.replay import read_replay

                export_jsonl(read_replay(replay), tmpdir / "blocks.jsonl", tmpdir / "transactions.jsonl")
        except Exception as exc:  # a broken log is a finding, not a crash
            return [f"chains/{name}/replay.jsonl: does not rebuild: {exc}"], []
        for produced in sorted(tmpdir.iterdir()):
            theirs = exports / produced.name
            if not theirs.is_file():
                problems.append(f"exports/{name}/{produced.name}: missing")
            elif not filecmp.cmp(produced, theirs, shallow=False):
                problems.append(f"exports/{name}/{produced.name}: differs from what the replayed chain exports")
    return problems, []
