"""The HTTP server that carries the lab's Bitcoin Core JSON-RPC (:mod:`chains.utxo.rpc`) on loopback.

Requests may be JSON-RPC 1.0 (Bitcoin Core's legacy replies: ``result``, ``error``, ``id``;
HTTP 500 on errors, 404 for an unknown method) or 2.0, single or batched, behind HTTP basic
authentication (``-rpcuser``/``-rpcpassword`` in Core). Amounts in a request are parsed as
decimals, never floats.
"""
import base64
import hmac
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chains.utxo.ledger import Ledger
from chains.utxo.rpc import RPC_INVALID_REQUEST, RPC_METHOD_NOT_FOUND, RPC_PARSE_ERROR, LabRpc, RpcError
from chains.utxo.rpcjson import dumps


def _reply(rpc: LabRpc, request) -> tuple[dict, int]:
    """Answer one request object; return (reply, HTTP status for a lone legacy request)."""
    if not isinstance(request, dict):
        return {"result": None, "error": {"code": RPC_INVALID_REQUEST,
                                          "message": "Invalid Request object"}, "id": None}, 400
    req_id = request.get("id")
    v2 = request.get("jsonrpc") == "2.0"
    method = request.get("method")
    try:
        if not isinstance(method, str):
            raise RpcError(RPC_INVALID_REQUEST, "Method must be a string")
        result = rpc.call(method, request.get("params"))
    except RpcError as err:
        error = {"code": err.code, "message": err.message}
        if v2:
            return {"jsonrpc": "2.0", "error": error, "id": req_id}, 200
        status = 404 if err.code == RPC_METHOD_NOT_FOUND else 500
        return {"result": None, "error": error, "id": req_id}, status
    if v2:
        return {"jsonrpc": "2.0", "result": result, "id": req_id}, 200
    return {"result": result, "error": None, "id": req_id}, 200


class _Handler(BaseHTTPRequestHandler):
    server_version = "tracelab-utxo/0.1"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test and CLI output clean
        pass

    def _send(self, status: int, body: str, extra: dict | None = None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            given = base64.b64decode(header[6:], validate=True)
        except ValueError:
            return False
        return hmac.compare_digest(given, self.server.credentials)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if not self._authorized():
            self._send(401, "", {"WWW-Authenticate": 'Basic realm="jsonrpc"'})
            return
        try:
            # Numbers with a fraction stay exact: amounts never pass through a float.
            request = json.loads(body, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            self._send(500, dumps({"result": None, "error": {"code": RPC_PARSE_ERROR,
                                                             "message": "Parse error"},
                                   "id": None}))
            return
        rpc = self.server.rpc
        if isinstance(request, list):
            replies = [_reply(rpc, r)[0] for r in request]
            self._send(200, dumps(replies))
        else:
            reply, status = _reply(rpc, request)
            self._send(status, dumps(reply))

    def do_GET(self):
        self._send(405, "")


class RpcServer(ThreadingHTTPServer):
    """The HTTP server; ``url``, ``port`` and ``shutdown()`` are what callers need."""

    daemon_threads = True

    def __init__(self, ledger: Ledger, host: str, port: int, user: str, password: str,
                 block_interval: int = 600):
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError(f"the lab RPC binds to loopback only, not {host!r}")
        super().__init__((host, port), _Handler)
        self.rpc = LabRpc(ledger, block_interval)
        self.credentials = f"{user}:{password}".encode()
        self._thread = threading.Thread(target=self.serve_forever, name="utxo-rpc", daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.server_address[0]}:{self.port}/"

    def start(self) -> "RpcServer":
        self._thread.start()
        return self

    def shutdown(self) -> None:
        """Stop serving and close the socket."""
        super().shutdown()
        self.server_close()
        self._thread.join(timeout=5)


def serve_rpc(ledger: Ledger, host: str = "127.0.0.1", port: int = 0, user: str = "tracelab",
              password: str = "tracelab", block_interval: int = 600) -> RpcServer:
    """Serve ``ledger`` over Bitcoin Core's JSON-RPC in a background thread.

    Parameters
    ----------
    ledger : Ledger
    host : str
        Loopback address to bind.
    port : int
        TCP port (0 picks a free one; read it back from ``server.port``).
    user, password : str
        HTTP basic-auth credentials (``-rpcuser``/``-rpcpassword`` in Core).
    block_interval : int
        Seconds added to the tip's time for blocks mined on demand.

    Returns
    -------
    RpcServer
        Running; call ``shutdown()`` to stop it.
    """
    return RpcServer(ledger, host, port, user, password, block_interval).start()
