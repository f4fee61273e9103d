"""The solc wrapper answers like solc; recompiling gives the committed artifacts byte for byte."""
import json
import os
import shutil
import subprocess

import pytest
from solcx.wrapper import get_solc_version

from chains.contracts import UnknownContract, load, names
from chains.contracts.compile import (ARTIFACTS_DIR, CONTRACTS_DIR, SETTINGS, SOLC_VERSION, WRAPPER, build, diff,
                                      find_solc, sha256_hex, source_files, write)

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="recompiling needs Node.js (solc-js)")


@needs_node
def test_wrapper_version_is_native_format():
    out = subprocess.run([str(WRAPPER), "--version"], capture_output=True, text=True, check=True).stdout
    first, second = out.splitlines()
    assert first == "solc, the solidity compiler commandline interface"
    assert second.startswith(f"Version: {SOLC_VERSION}+commit.")
    assert str(get_solc_version(WRAPPER)) == SOLC_VERSION


@needs_node
def test_wrapper_stdout_is_only_json_even_with_the_smt_checker():
    # solc-js's own CLI prints a line about missing SMT solvers before the JSON for this input
    source = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n" \
             "contract A { function f(uint x) public pure returns (uint) { assert(x > 0); return x; } }\n"
    request = {"language": "Solidity", "sources": {"A.sol": {"content": source}},
               "settings": {"modelChecker": {"engine": "chc", "targets": ["assert"]},
                            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}}}
    proc = subprocess.run([str(WRAPPER), "--standard-json"], input=json.dumps(request), capture_output=True,
                          text=True, check=True)
    out = json.loads(proc.stdout)  # the whole stdout, nothing before or after the JSON
    assert out["contracts"]["A.sol"]["A"]["evm"]["bytecode"]["object"]


@needs_node
def test_wrapper_reports_compile_errors_in_json():
    request = {"language": "Solidity", "sources": {"B.sol": {"content": "contract B { function }"}},
               "settings": {"outputSelection": {"*": {"*": ["abi"]}}}}
    proc = subprocess.run([str(WRAPPER), "--standard-json"], input=json.dumps(request), capture_output=True,
                          text=True, check=True)
    errors = json.loads(proc.stdout)["errors"]
    assert any(e["severity"] == "error" and e["sourceLocation"]["file"] == "B.sol" for e in errors)


@needs_node
def test_wrapper_refuses_unknown_options():
    proc = subprocess.run([str(WRAPPER), "--bin", "x.sol"], capture_output=True, text=True)
    assert proc.returncode != 0 and "unrecognised option '--bin'" in proc.stderr


@needs_node
def test_recompiling_gives_the_committed_artifacts_byte_for_byte():
    files = build()
    assert diff(files) == [], "artifacts are stale: run `python -m chains.contracts.compile`"
    assert sorted(files) == sorted(p.name for p in ARTIFACTS_DIR.glob("*.json"))


def test_source_hashes_match_the_sources():
    sources = source_files()
    for name in names():
        art = load(name)
        assert art.source_sha256 == sha256_hex(sources[art.source_name]), f"{name}: {art.source_name} changed"
        assert art.sources == {s: sha256_hex(sources[s]) for s in art.sources}
        assert art.source_name in art.sources
        assert art.compiler_version.startswith(SOLC_VERSION + "+commit.")
        assert art.settings == SETTINGS


def test_every_source_has_its_artifacts():
    expected = {"Stablecoin", "Mixer", "Bridge", "BridgedToken", "SwapPool", "WETH9", "ExchangeDeposits",
                "DepositAddress", "Custody"}
    assert set(names()) == expected
    for name in expected:
        art = load(name)
        assert art.bytecode.startswith("0x") and len(art.bytecode) > len(art.deployed_bytecode) > 2
        assert (CONTRACTS_DIR / art.source_name).is_file()


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownContract) as info:
        load("Tornado")
    assert "'Tornado'" in str(info.value) and "Mixer" in str(info.value) and "Stablecoin" in str(info.value)


@needs_node
def test_wrapper_finds_node_modules_from_the_environment(tmp_path):
    moved = tmp_path / "solc"  # a copy outside the repository: no node_modules next to it
    moved.write_bytes(WRAPPER.read_bytes())
    moved.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "TRACELAB_NODE_MODULES"}
    lost = subprocess.run([str(moved), "--version"], capture_output=True, text=True, env=env)
    assert lost.returncode == 2 and "TRACELAB_NODE_MODULES" in lost.stderr
    env["TRACELAB_NODE_MODULES"] = str(WRAPPER.parent.parent.parent / "node_modules")
    found = subprocess.run([str(moved), "--version"], capture_output=True, text=True, env=env, check=True)
    assert f"Version: {SOLC_VERSION}+" in found.stdout


@needs_node
def test_a_native_solc_of_another_version_is_not_used(tmp_path, monkeypatch):
    native = tmp_path / "solc"
    native.write_text("#!/bin/sh\necho 'solc, the solidity compiler commandline interface'\n"
                      "echo 'Version: 0.8.19+commit.7dd6d404.Linux.g++'\n")
    native.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert find_solc() == WRAPPER
    native.write_text(native.read_text().replace("0.8.19", SOLC_VERSION))
    assert find_solc() == native


def test_stale_missing_and_extra_artifacts_are_reported(tmp_path):
    files = {p.name: p.read_bytes() for p in ARTIFACTS_DIR.glob("*.json")}
    assert write(files, tmp_path) == sorted(files)
    assert diff(files, tmp_path) == []
    (tmp_path / "Mixer.json").write_bytes(files["Mixer.json"].replace(b'"Mixer"', b'"Mixer2"', 1))
    (tmp_path / "Custody.json").unlink()
    (tmp_path / "Old.json").write_text("{}")
    assert diff(files, tmp_path) == ["Custody.json", "Mixer.json", "Old.json"]
    assert sorted(write(files, tmp_path)) == ["Custody.json", "Mixer.json", "Old.json"]
    assert diff(files, tmp_path) == []
