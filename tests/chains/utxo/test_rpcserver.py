"""The HTTP carrying the RPC: loopback only, basic auth, JSON-RPC 1.0 and 2.0, batches, standard clients."""
import json

import bitcoin
import bitcoin.rpc
import pytest
import requests

from chains.utxo.ledger import Ledger
from chains.utxo.rpcserver import serve_rpc

bitcoin.SelectParams("regtest")


@pytest.fixture(scope="module")
def node():
    ledger = Ledger()
    server = serve_rpc(ledger, user="alice", password="s3cret")
    yield server, ledger
    server.shutdown()


def call(server, body, auth=("alice", "s3cret")):
    r = requests.post(server.url, data=body if isinstance(body, str) else json.dumps(body), auth=auth, timeout=30)
    return r.status_code, r.json() if r.text else None


def test_binds_loopback_and_needs_auth(node):
    server, ledger = node
    assert server.url.startswith("http://127.0.0.1:")
    for auth in (("alice", "wrong"), None):
        status, _ = call(server, {"method": "getblockcount", "id": 1}, auth=auth)
        assert status == 401
    with pytest.raises(ValueError, match="loopback only"):
        serve_rpc(ledger, host="0.0.0.0")


def test_legacy_and_v2_replies(node):
    server, _ = node
    assert call(server, {"method": "getblockcount", "id": 1}) == (200, {"result": 0, "error": None, "id": 1})
    assert call(server, {"jsonrpc": "2.0", "method": "getblockcount", "id": 2}) == (
        200, {"jsonrpc": "2.0", "result": 0, "id": 2})
    status, reply = call(server, {"method": "getblockhash", "params": [5], "id": 3})
    assert status == 500 and reply["error"] == {"code": -8, "message": "Block height out of range"}
    status, reply = call(server, {"jsonrpc": "2.0", "method": "nosuch", "id": 4})
    assert status == 200 and reply["error"]["code"] == -32601
    status, reply = call(server, "{not json")
    assert status == 500 and reply["error"]["code"] == -32700
    status, reply = call(server, [1, {"method": "getblockcount", "id": 5}])
    assert status == 200 and reply[0]["error"]["code"] == -32600 and reply[1]["result"] == 0


def test_batch_named_params_and_a_standard_client(node):
    server, ledger = node
    batch = [{"method": "getblockcount", "id": 1},
             {"method": "getblockhash", "params": {"height": 0}, "id": 2},
             {"method": "nosuch", "id": 3}]
    r = requests.post(server.url, json=batch, auth=("alice", "s3cret"), timeout=30)
    assert r.status_code == 200
    replies = r.json()
    assert [rep["id"] for rep in replies] == [1, 2, 3]
    assert replies[0]["result"] == ledger.height
    assert replies[1]["result"].startswith("0f9188f1")
    assert replies[2]["error"]["code"] == -32601
    url = server.url.replace("http://", "http://alice:s3cret@")
    proxy = bitcoin.rpc.RawProxy(service_url=url)
    assert proxy.getblockcount() == ledger.height
    assert proxy.getbestblockhash() == ledger.tip.hash
    tip = proxy.getblock(ledger.tip.hash)
    assert tip["height"] == ledger.height
