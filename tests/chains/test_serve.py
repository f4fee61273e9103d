"""`tracelab chain serve` as a user runs it: a separate process, a standard client, SIGTERM."""
import signal
import socket
import subprocess
import sys

import pytest
from web3 import Web3

from chains.evm import find_anvil
from chains.ports import free_port

pytestmark = pytest.mark.skipif(not find_anvil(), reason="anvil not installed")


def _serve(*args):
    proc = subprocess.Popen([sys.executable, "-m", "labs.cli", "chain", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    return proc, line


def test_serve_until_sigterm():
    port = free_port()
    proc, first = _serve("--port", str(port), "--chain-id", "4242")
    try:
        assert f"EVM chain 4242 at http://127.0.0.1:{port}" in first, first + proc.stderr.read()
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
        assert w3.eth.chain_id == 4242
        dev = w3.eth.accounts[0]
        h = w3.eth.send_transaction({"from": dev, "to": w3.eth.accounts[1], "value": 10**18})
        receipt = w3.eth.wait_for_transaction_receipt(h, timeout=10)
        assert receipt["status"] == 1
        block = w3.eth.get_block(receipt["blockNumber"])
        assert block["timestamp"] - w3.eth.get_block(0)["timestamp"] == 12 * receipt["blockNumber"]
        tx_hash = h.hex() if h.hex().startswith("0x") else "0x" + h.hex()
        traces = w3.provider.make_request("trace_transaction", [tx_hash])
        assert traces["result"][0]["action"]["value"] == hex(10**18)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    assert proc.returncode == 0
    # the anvil child is gone with it: nothing listens on the port any more
    # (SO_REUSEADDR: connections the server closed may linger in TIME_WAIT, a listener may not)
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def test_serve_replay_log(tmp_path):
    from chains.evm import EvmChain

    with EvmChain.start("pyevm", accounts=2) as chain:
        h = chain.send(chain.accounts[0], chain.accounts[1].address, value=5)
        chain.mine()
        log = chain.write_replay(tmp_path / "replay.jsonl")
    port = free_port()
    proc, first = _serve("--port", str(port), "--replay", str(log))
    try:
        assert "block 1" in first
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
        assert w3.eth.get_transaction(h)["value"] == 5
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_serve_bad_replay_log(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n")
    proc = subprocess.run([sys.executable, "-m", "labs.cli", "chain", "serve", "--port", "0", "--replay", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "line 1: malformed replay log entry" in proc.stderr


def test_serve_btc_alongside_evm():
    import requests

    port, btc = free_port(), free_port()
    proc, first = _serve("--port", str(port), "--btc-port", str(btc), "--rpc-user", "u", "--rpc-password", "p")
    try:
        assert "EVM chain" in first
        lines = [proc.stdout.readline() for _ in range(11)]
        assert any(f"UTXO chain (regtest) at http://127.0.0.1:{btc}/" in line for line in lines), lines
        reply = requests.post(f"http://127.0.0.1:{btc}/", auth=("u", "p"), timeout=10,
                              json={"jsonrpc": "1.0", "id": 1, "method": "getblockchaininfo", "params": []}).json()
        assert reply["result"]["chain"] == "regtest"
        assert reply["result"]["blocks"] > 100  # a fresh chain already has history
        denied = requests.post(f"http://127.0.0.1:{btc}/", auth=("u", "wrong"), timeout=10,
                               json={"id": 1, "method": "getblockcount", "params": []})
        assert denied.status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    assert proc.returncode == 0


def test_serve_needs_something():
    proc = subprocess.run([sys.executable, "-m", "labs.cli", "chain", "serve", "--no-evm"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "nothing to serve" in proc.stderr
