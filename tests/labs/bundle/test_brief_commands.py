"""What the case file tells a trainee to run, run as the trainee would: every chain served, right."""
from __future__ import annotations

import contextlib
import json
import re
import shlex
import signal
import socket
import subprocess
import sys

import pytest
import requests

from chains.evm import find_anvil
from chains.ports import free_port
from labs.bundle import write_bundle
from labs.scenario import run_case
from labs.spec import load_spec

from ..specs import spec_text

pytestmark = pytest.mark.skipif(not find_anvil(), reason="anvil not installed")

THREE_CHAINS = spec_text("three-chains", [
    {"typology": "ransomware_payment", "chain": "bitcoin", "amount_usd": 30000},
    {"typology": "chain_hop", "chain": "bitcoin", "to_chain": "ethereum"},
    {"typology": "bridge_hop", "chain": "ethereum", "to_chain": "sidechain"},
    {"typology": "cash_out", "chain": "sidechain"}], chains=("bitcoin", "ethereum", "sidechain"), users=8,
    transactions=40, days=2)


def free_run(n: int) -> int:
    """A port ``p`` with ``p`` .. ``p + n - 1`` all free now: the server takes the ports after ``--port``."""
    while True:
        p = free_port()
        with contextlib.ExitStack() as held:
            try:
                for q in range(p, p + n):
                    held.enter_context(socket.socket()).bind(("127.0.0.1", q))
            except OSError:
                continue
        return p


def test_the_serve_command_of_the_brief_serves_every_chain(tmp_path):
    with run_case(load_spec("t.toml", text=THREE_CHAINS)) as case:
        bundle, _ = write_bundle(case, tmp_path / "case")
    brief = (bundle / "brief.md").read_text()
    command = re.search(r"## Opening the chains\n\nIn this folder, run\n\n```\n(.+)\n```", brief).group(1)
    argv = shlex.split(command)
    assert argv[0] == "tracelab"
    evm, btc = free_run(2), free_port()
    # the ports the brief names, moved to free ones so that tests can run side by side
    proc = subprocess.Popen([sys.executable, "-m", "labs.cli", *argv[1:], "--port", str(evm), "--btc-port", str(btc)],
                            cwd=bundle, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        served, lines = {}, []
        while len(served) < 3:
            line = proc.stdout.readline()  # a server that dies ends the output: the loop ends too
            if not line:
                break
            lines.append(line)
            m = re.match(r"(\w+): .* at (http://\S+)", line)
            if m:
                served[m.group(1)] = m.group(2)
        if set(served) != {"bitcoin", "ethereum", "sidechain"}:
            proc.terminate()
            pytest.fail(f"served {sorted(served)}; output: {lines}; errors: {proc.communicate(timeout=30)[1][-2000:]}")
        info = json.loads((bundle / "bundle.json").read_text())
        for name in ("ethereum", "sidechain"):
            reply = requests.post(served[name], json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId",
                                                      "params": []}, timeout=10).json()
            chain_id = next(c["chain_id"] for c in info["chains"] if c["name"] == name)
            assert int(reply["result"], 16) == chain_id
            blocks = sum(1 for _ in (bundle / "chains" / name / "replay.jsonl").open()) - 1
            reply = requests.post(served[name], json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber",
                                                      "params": []}, timeout=10).json()
            assert int(reply["result"], 16) == blocks
        assert f"{btc}" in served["bitcoin"]
        reply = requests.post(served["bitcoin"], auth=("tracelab", "tracelab"), timeout=10,
                              json={"jsonrpc": "1.0", "id": 1, "method": "getrawtransaction",
                                    "params": [case.world.truth.victims[0]["tx"], True]}).json()
        assert reply["error"] is None and reply["result"]["txid"] == case.world.truth.victims[0]["tx"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode == 0, proc.stderr.read()
    for port, where in ((8545, "ethereum"), (8546, "sidechain"), (18443, "bitcoin")):
        assert f"{where} at http://127.0.0.1:{port}" in brief
