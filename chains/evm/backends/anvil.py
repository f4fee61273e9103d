"""The anvil backend: a real EVM node (Foundry's anvil) as a child process on a loopback port."""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from web3 import Web3
from web3.exceptions import TransactionNotFound

from ...ports import free_port
from ..genesis import DEFAULT_MNEMONIC, Genesis
from .base import Backend, BackendUnavailable, BlockData, Capabilities, TransactionRejected

_LIVE: weakref.WeakSet[AnvilBackend] = weakref.WeakSet()
#: transactions per eth_sendRawTransaction batch. anvil (1.7) admits the first 64 or so of a batch
#: in order and the rest in another order, and "FIFO" mines them in the order admitted: a block
#: would then differ from the lab's replay log. Smaller batches arrive in order.
SEND_BATCH = 50
#: an export's reads: blocks and transactions at most per JSON-RPC batch, and batches in flight at once
FETCH_BLOCKS_PER_BATCH = 50
FETCH_TXS_PER_BATCH = 500
FETCH_PARALLEL = 4


#: where ``npm ci`` installs anvil's platform package: the repository's node_modules
NODE_MODULES = Path(__file__).resolve().parents[3] / "node_modules"


def find_anvil() -> str | None:
    """Path of the anvil binary: ``$TRACELAB_ANVIL``, the project's node_modules, then ``$PATH``."""
    env = os.environ.get("TRACELAB_ANVIL")
    if env:
        return env if Path(env).exists() else None
    for cand in sorted((NODE_MODULES / "@foundry-rs").glob("anvil-*/bin/anvil")):
        if os.access(cand, os.X_OK):
            return str(cand)
    return shutil.which("anvil")


def _stop_all():
    for backend in list(_LIVE):
        backend.close()


atexit.register(_stop_all)


def _die_with_parent():
    # Linux: the child gets SIGTERM if the Python process dies, even by SIGKILL, so no anvil outlives us.
    with contextlib.suppress(OSError):  # no such libc: not Linux, the atexit hook is all there is
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class RpcError(RuntimeError):
    def __init__(self, method: str, error: dict):
        self.method, self.code, self.data = method, error.get("code"), error.get("data")
        super().__init__(f"{method}: {error.get('message')} (code {self.code})")


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxies to look up on every request
    return session


class NodeConnection:
    """JSON-RPC over one keep-alive HTTP/1.1 connection per thread, through ``http.client``.

    The lab makes a few requests per block; ``requests`` spends several hundred microseconds of
    Python on each (sessions, adapters, hooks), as much as anvil takes to answer, and holds the GIL
    meanwhile. A connection the node closed while idle is opened again once; any other failure raises.
    """

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self._local = threading.local()

    def post(self, body: bytes) -> bytes:
        conn = getattr(self._local, "conn", None)
        fresh = conn is None
        for _ in range(2):
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                conn.request("POST", "/", body, {"Content-Type": "application/json"})
                reply = conn.getresponse()
                data = reply.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                conn = self._local.conn = None
                if fresh:
                    raise
                fresh = True  # a stale keep-alive connection: once more on a new one
                continue
            if reply.status != 200:
                raise RuntimeError(f"the node answered HTTP {reply.status}: {data[:200]!r}")
            return data
        raise AssertionError("unreachable")

    def call(self, method: str, params: list):
        reply = json.loads(self.post(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                                                 "params": params}).encode()))
        if "error" in reply:
            raise RpcError(method, reply["error"])
        return reply["result"]

    def batch(self, calls: Sequence[tuple[str, list]]) -> list:
        """One JSON-RPC batch: the results in the order of ``calls``; the first error raises :class:`RpcError`."""
        body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)])
        replies = sorted(json.loads(self.post(body.encode())), key=lambda r: r["id"])
        out = []
        for (method, _), reply in zip(calls, replies, strict=True):
            if "error" in reply:
                raise RpcError(method, reply["error"])
            out.append(reply["result"])
        return out


class AnvilBackend(Backend):
    """Anvil on ``127.0.0.1``, started from a genesis, mining only on request, FIFO ordering.

    Parameters
    ----------
    genesis : Genesis
    port : int, optional
        A fixed port; by default a free one. A port already taken raises a clear error
        (with a fixed port) or is retried with another (with a free one).
    mnemonic : str
        Dev accounts anvil unlocks for ``eth_sendTransaction`` (clients of ``tracelab chain serve``).
    history : bool
        Keep the state of every block, so that calls and balances can ask about the past. Blocks,
        receipts and traces are kept either way; without history, mining is about a third faster.
    """

    name = "anvil"
    caps = Capabilities(trace_api=True, rpc_url=True, unlocked_dev_accounts=True)

    def __init__(self, genesis: Genesis, *, port: int | None = None, mnemonic: str = DEFAULT_MNEMONIC,
                 dev_accounts: int = 10, host: str = "127.0.0.1", startup_timeout: float = 30.0,
                 history: bool = True):
        binary = find_anvil()
        if not binary:
            raise BackendUnavailable(
                "anvil is not installed: run `make setup` (npm ci installs it into node_modules), "
                "set TRACELAB_ANVIL, or use the pure-Python backend (backend='pyevm')")
        self.genesis = genesis
        self._proc: subprocess.Popen | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="tracelab-anvil-")
        gpath = os.path.join(self._tmp.name, "genesis.json")
        with open(gpath, "w") as fh:
            json.dump(genesis.to_geth_json(), fh)
        attempts = 1 if port else 5
        last_err = ""
        for _ in range(attempts):
            p = port or free_port(host)
            args = [binary, "--host", host, "--port", str(p), "--init", gpath, "--no-mining",
                    "--order", "fifo", "--chain-id", str(genesis.chain_id),
                    "--gas-limit", str(genesis.gas_limit), "--base-fee", str(genesis.base_fee),
                    "--mnemonic", mnemonic, "--accounts", str(dev_accounts),
                    "--no-request-size-limit", "--transaction-block-keeper", "1000000", "--quiet"]
            if not history:
                args.append("--prune-history")
            log = Path(self._tmp.name) / f"anvil-{p}.log"
            with log.open("w") as out:  # the child keeps its own copy of the descriptor
                self._proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                              preexec_fn=_die_with_parent)
            self.url = f"http://{host}:{p}"
            self.port = p
            if self._wait_ready(startup_timeout):
                break
            last_err = log.read_text(errors="replace")[-2000:]
            self._kill()
        else:
            hint = f"port {port} is taken or anvil failed" if port else "anvil failed to start"
            raise BackendUnavailable(f"{hint}; its output:\n{last_err}")
        _LIVE.add(self)
        self._node = NodeConnection(host, self.port, timeout=300)
        # an export reads on several threads at once, each on a connection of its own, with a longer timeout
        self._reads = NodeConnection(host, self.port, timeout=600)
        self._number: int | None = None
        # web3 has a session of its own: the lab's writes may go out on another thread meanwhile.
        # web3's validation asks for the chain id before every call it checks; it never changes
        self.w3 = Web3(Web3.HTTPProvider(self.url, session=_session(), request_kwargs={"timeout": 120},
                                         cache_allowed_requests=True, cacheable_requests={"eth_chainId"}))

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            try:
                r = requests.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                                  timeout=1)
                if r.ok and "result" in r.json():
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.05)
        return False

    # -- JSON-RPC ---------------------------------------------------------------------------
    def rpc(self, method: str, *params):
        return self._node.call(method, list(params))

    def rpc_batch(self, calls: Sequence[tuple[str, list]]) -> list:
        return self._node.batch(calls)

    # -- Backend ----------------------------------------------------------------------------
    def send_raw(self, raws: Sequence[bytes]) -> list[bytes]:
        hashes = []
        for i in range(0, len(raws), SEND_BATCH):
            chunk = raws[i:i + SEND_BATCH]
            try:
                hashes += self.rpc_batch([("eth_sendRawTransaction", ["0x" + r.hex()]) for r in chunk])
            except RpcError as exc:  # anvil checks a sender's funds on arrival
                raise TransactionRejected(str(exc)) from exc
        return [bytes.fromhex(h[2:]) for h in hashes]

    def mine(self, timestamp: int) -> int:
        # one round trip a block: evm_mine takes the timestamp, and only the lab mines on this node
        self.rpc("evm_mine", hex(timestamp))
        if self._number is None:
            self._number = int(self.rpc("eth_blockNumber"), 16)
        else:
            self._number += 1
        return self._number

    def blocks_tx_hashes(self, numbers: Sequence[int]) -> list[list[bytes]]:
        heads = self.rpc_batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        return [[bytes.fromhex(h[2:]) for h in head["transactions"]] for head in heads]

    def receipt_status(self, tx_hash: bytes) -> int:
        return self.receipt_statuses([tx_hash])[0]

    def receipt_statuses(self, tx_hashes: Sequence[bytes]) -> list[int]:
        receipts = self.rpc_batch([("eth_getTransactionReceipt", ["0x" + h.hex()]) for h in tx_hashes])
        for h, receipt in zip(tx_hashes, receipts, strict=True):
            if receipt is None:
                raise TransactionNotFound(f"no receipt for 0x{h.hex()}: not mined")
        return [int(r["status"], 16) for r in receipts]

    def snapshot(self):
        return self.rpc("evm_snapshot")

    def revert(self, snapshot_id) -> None:
        self._number = None
        if not self.rpc("evm_revert", snapshot_id):
            raise RuntimeError(f"anvil could not revert to snapshot {snapshot_id}")

    def trace_block(self, number: int) -> list[dict]:
        return self.rpc("trace_block", hex(number)) or []

    def fetch_blocks(self, numbers: Sequence[int]) -> Iterator[BlockData]:
        """Batches of blocks, receipts and traces, on parallel connections.

        A node spends most of an export building full blocks and receipts, one request at a time;
        several requests in flight keep every core of the node busy.
        """
        def fetch(chunk: list[int]) -> list[BlockData]:
            k = len(chunk)
            calls = [("eth_getBlockByNumber", [hex(n), True]) for n in chunk]
            calls += [("eth_getBlockReceipts", [hex(n)]) for n in chunk]
            calls += [("trace_block", [hex(n)]) for n in chunk]
            replies = self._reads.batch(calls)
            for j, n in enumerate(chunk):
                if replies[j] is None:
                    raise RuntimeError(f"the node has no block {n}")
            return [(replies[j], replies[k + j] or [], replies[2 * k + j] or []) for j in range(k)]

        chunks = self._fetch_chunks(numbers)
        with ThreadPoolExecutor(max_workers=FETCH_PARALLEL, thread_name_prefix="tracelab-export") as pool:
            window = FETCH_PARALLEL * 2  # bounded read-ahead: memory stays flat on long chains
            for i in range(0, len(chunks), window):
                for result in pool.map(fetch, chunks[i:i + window]):
                    yield from result

    def _fetch_chunks(self, numbers: Sequence[int]) -> list[list[int]]:
        """``numbers`` cut into runs of about :data:`FETCH_TXS_PER_BATCH` transactions, from the headers (cheap)."""
        chunks, chunk, size = [], [], 0
        for i in range(0, len(numbers), 1000):
            heads = self.rpc_batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers[i:i + 1000]])
            for n, head in zip(numbers[i:i + 1000], heads, strict=True):
                count = len(head["transactions"]) if head else 0
                if chunk and (size + count > FETCH_TXS_PER_BATCH or len(chunk) >= FETCH_BLOCKS_PER_BATCH):
                    chunks.append(chunk)
                    chunk, size = [], 0
                chunk.append(n)
                size += count
        if chunk:
            chunks.append(chunk)
        return chunks

    def _kill(self):
        proc, self._proc = self._proc, None
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self) -> None:
        self._kill()
        _LIVE.discard(self)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None
