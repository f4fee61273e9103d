"""Compile the lab's Solidity contracts into committed JSON artifacts.

``python -m chains.contracts.compile`` recompiles every ``chains/contracts/*.sol`` with py-solc-x
and rewrites ``chains/contracts/artifacts/<Name>.json``; ``--check`` only compares and exits 1 on a
difference. The compiler is a native ``solc`` of the pinned version if one is on PATH, otherwise
``chains/bin/solc``, our wrapper of the npm package ``solc`` (solc-js, needs Node.js). Settings are
fixed, so the same sources give byte-identical artifacts on any machine.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import click

CONTRACTS_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = CONTRACTS_DIR / "artifacts"
WRAPPER = CONTRACTS_DIR.parent / "bin" / "solc"

#: The compiler every artifact is built with (the npm ``solc`` version pinned in package.json).
SOLC_VERSION = "0.8.37"

#: Fixed compiler settings. ``cancun`` runs on both py-evm (eth-tester's Prague VM) and anvil,
#: and lacks nothing the contracts use.
SETTINGS: dict = {
    "evmVersion": "cancun",
    "optimizer": {"enabled": True, "runs": 200},
    "metadata": {"bytecodeHash": "ipfs"},
}

_OUTPUTS = ["abi", "metadata", "evm.bytecode.object", "evm.deployedBytecode.object"]


class CompileError(RuntimeError):
    """The compiler could not be found or rejected the sources."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_files(directory: Path = CONTRACTS_DIR) -> dict[str, bytes]:
    """The Solidity sources of ``directory`` by file name, in name order."""
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.sol"))}


def _version_of(binary: str) -> str | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60, check=False).stdout
    except OSError:
        return None
    for line in out.splitlines():
        if line.startswith("Version: "):
            return line.removeprefix("Version: ").split("+")[0]
    return None


def find_solc() -> Path:
    """A native ``solc`` of :data:`SOLC_VERSION` on PATH, else the solc-js wrapper ``chains/bin/solc``."""
    native = shutil.which("solc")
    if native and Path(native).resolve() != WRAPPER.resolve() and _version_of(native) == SOLC_VERSION:
        return Path(native)
    if shutil.which("node") is None:
        raise CompileError("no solc found: neither a native solc " + SOLC_VERSION + " on PATH nor Node.js for "
                           f"{WRAPPER} (the committed artifacts need no compiler; only recompiling does)")
    return WRAPPER


def standard_input(sources: dict[str, bytes]) -> dict:
    """The Standard JSON input for ``sources`` (source unit names are bare file names)."""
    return {
        "language": "Solidity",
        "sources": {name: {"content": text.decode("utf-8")} for name, text in sources.items()},
        "settings": {**SETTINGS, "outputSelection": {"*": {"*": _OUTPUTS}}},
    }


def compile_sources(sources: dict[str, bytes], solc: Path | None = None) -> dict[str, dict]:
    """Compile ``sources`` and return the artifact of each deployable contract, by contract name.

    Abstract contracts and interfaces (no bytecode) get no artifact. An artifact records the ABI,
    creation and runtime bytecode, the compiler version (without the platform suffix, which differs
    between native solc and solc-js but not the code), the settings, and the SHA-256 of its source
    file and of every source it was compiled from.
    """
    import solcx
    from solcx.exceptions import SolcError
    from solcx.wrapper import get_solc_version

    solc = solc or find_solc()
    try:
        out = solcx.compile_standard(standard_input(sources), solc_binary=solc)
        version = str(get_solc_version(solc, with_commit_hash=True))
    except SolcError as exc:
        raise CompileError(f"solc ({solc}) failed: {exc}") from None
    if not version.startswith(SOLC_VERSION + "+"):
        raise CompileError(f"{solc} is solc {version}; the artifacts are built with {SOLC_VERSION}")
    hashes = {name: sha256_hex(text) for name, text in sources.items()}
    artifacts: dict[str, dict] = {}
    for source_name, contracts in sorted(out.get("contracts", {}).items()):
        for name, c in sorted(contracts.items()):
            bytecode = c["evm"]["bytecode"]["object"]
            if not bytecode:
                continue
            if name in artifacts:
                raise CompileError(f"contract name {name} is defined twice: in "
                                   f"{artifacts[name]['sourceName']} and in {source_name}")
            used = sorted(json.loads(c["metadata"])["sources"])
            artifacts[name] = {
                "contractName": name,
                "sourceName": source_name,
                "abi": c["abi"],
                "bytecode": "0x" + bytecode,
                "deployedBytecode": "0x" + c["evm"]["deployedBytecode"]["object"],
                "compiler": {"name": "solc", "version": version},
                "settings": SETTINGS,
                "sourceSha256": hashes[source_name],
                "sources": {s: hashes[s] for s in used},
            }
    return artifacts


def render(artifact: dict) -> bytes:
    """The bytes of an artifact file: sorted keys, one-space indent, final newline."""
    return (json.dumps(artifact, indent=1, sort_keys=True) + "\n").encode("utf-8")


def build(directory: Path = CONTRACTS_DIR, solc: Path | None = None) -> dict[str, bytes]:
    """Compile the sources of ``directory``; return the artifact files' bytes by file name."""
    return {f"{name}.json": render(a) for name, a in compile_sources(source_files(directory), solc).items()}


def write(files: dict[str, bytes], out_dir: Path = ARTIFACTS_DIR) -> list[str]:
    """Write the artifact files, remove stale ones; return the names that changed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, data in sorted(files.items()):
        path = out_dir / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
            changed.append(name)
    for path in sorted(out_dir.glob("*.json")):
        if path.name not in files:
            path.unlink()
            changed.append(path.name)
    return changed


def diff(files: dict[str, bytes], out_dir: Path = ARTIFACTS_DIR) -> list[str]:
    """Names of artifact files that differ from, are missing from, or are extra in ``out_dir``."""
    on_disk = {p.name: p.read_bytes() for p in out_dir.glob("*.json")}
    return sorted(n for n in set(files) | set(on_disk) if files.get(n) != on_disk.get(n))


@click.command("compile")
@click.option("--check", is_flag=True, help="Compare with the committed artifacts; write nothing, exit 1 if stale.")
def main(check: bool) -> None:
    """Recompile chains/contracts/*.sol into chains/contracts/artifacts/."""
    try:
        files = build()
    except CompileError as exc:
        raise click.ClickException(str(exc)) from None
    if check:
        stale = diff(files)
        for name in stale:
            click.echo(f"differs: {ARTIFACTS_DIR / name}")
        sys.exit(1 if stale else 0)
    for name in write(files):
        click.echo(f"wrote {ARTIFACTS_DIR / name}")


if __name__ == "__main__":
    main()
