"""The RPC methods over real HTTP, their raw answers decoded by python-bitcoinlib (an independent library)."""
import json
from decimal import Decimal

import bitcoin
import bitcoin.rpc
import pytest
import requests
from bitcoin.core import CBlock, CTransaction, b2lx, x

from chains.utxo.demo import demo_ledger
from chains.utxo.rpcserver import serve_rpc
from chains.utxo.wallet import Wallet

from .conftest import MNEMONIC, START

bitcoin.SelectParams("regtest")


@pytest.fixture(scope="module")
def node():
    ledger = demo_ledger(MNEMONIC, START)
    server = serve_rpc(ledger, user="alice", password="s3cret")
    yield server, ledger
    server.shutdown()


def call(server, method, *params, auth=("alice", "s3cret"), version=None):
    body = {"method": method, "params": list(params), "id": 7}
    if version:
        body["jsonrpc"] = version
    r = requests.post(server.url, data=json.dumps(body), auth=auth, timeout=30)
    return r.status_code, json.loads(r.text, parse_float=Decimal) if r.text else None


def ok(server, method, *params):
    status, reply = call(server, method, *params)
    assert status == 200 and reply["error"] is None, reply
    return reply["result"]


def test_chain_queries(node):
    server, ledger = node
    info = ok(server, "getblockchaininfo")
    assert info["chain"] == "regtest" and info["blocks"] == ledger.height
    assert info["bestblockhash"] == ok(server, "getbestblockhash") == ledger.tip.hash
    assert ok(server, "getblockcount") == ledger.height
    assert ok(server, "getblockhash", 0) == \
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
    for height in (1, ledger.height):
        blockhash = ok(server, "getblockhash", height)
        raw = ok(server, "getblock", blockhash, 0)
        block = CBlock.deserialize(x(raw))
        assert b2lx(block.GetHash()) == blockhash
        assert b2lx(block.calc_merkle_root()) == b2lx(block.hashMerkleRoot)
        v1 = ok(server, "getblock", blockhash, 1)
        assert v1["height"] == height and v1["tx"] == [b2lx(t.GetTxid()) for t in block.vtx]
        assert v1["size"] == len(x(raw)) and v1["nTx"] == len(block.vtx)
        assert v1["confirmations"] == ledger.height - height + 1
        v2 = ok(server, "getblock", blockhash, 2)
        assert [t["txid"] for t in v2["tx"]] == v1["tx"]
        coinbase_value = sum(o["value"] for o in v2["tx"][0]["vout"])
        fees = sum(t.get("fee", 0) for t in v2["tx"][1:])
        assert coinbase_value == Decimal(50) + fees
        for t in v2["tx"][1:]:
            assert t["fee"] > 0
    v1 = ok(server, "getblock", ok(server, "getblockhash", 1), True)
    assert "previousblockhash" in v1 and "nextblockhash" in v1


def test_transactions_decode_independently(node):
    server, ledger = node
    block = ok(server, "getblock", ledger.tip.hash, 1)
    for txid in block["tx"]:
        raw = ok(server, "getrawtransaction", txid)
        tx = CTransaction.deserialize(x(raw))
        assert b2lx(tx.GetTxid()) == txid
        verbose = ok(server, "getrawtransaction", txid, True)
        assert verbose["hex"] == raw and verbose["blockhash"] == ledger.tip.hash
        assert verbose["confirmations"] == 1
        for n, out in enumerate(tx.vout):
            assert verbose["vout"][n]["value"] * 10**8 == out.nValue
            assert verbose["vout"][n]["scriptPubKey"]["hex"] == out.scriptPubKey.hex()
        decoded = ok(server, "decoderawtransaction", raw)
        assert {k: v for k, v in verbose.items() if k in decoded} == decoded
        assert decoded["size"] == len(x(raw))
    detailed = ok(server, "getrawtransaction", block["tx"][1], 2)
    fee = detailed["fee"]
    assert fee * 10**8 == ledger.fees[block["tx"][1]]
    assert sum(i["prevout"]["value"] for i in detailed["vin"]) == \
        fee + sum(o["value"] for o in detailed["vout"])
    spend = ok(server, "getrawtransaction", block["tx"][1], 1)
    assert spend["vin"][0]["txinwitness"] and spend["vin"][0]["scriptSig"]["hex"] == ""
    assert spend["vout"][0]["scriptPubKey"]["address"].startswith("bcrt1q")
    assert spend["vout"][0]["scriptPubKey"]["desc"].startswith("addr(bcrt1q")


def test_send_mempool_mine_and_errors(node):
    server, ledger = node
    lab = Wallet(MNEMONIC)
    sweep = lab.sweep(ledger, lab.new_address())
    raw = sweep.raw.hex()
    tampered = CTransaction.deserialize(x(raw))
    mutable = bitcoin.core.CMutableTransaction.from_tx(tampered)
    mutable.vout[0].nValue -= 1  # the signatures no longer commit to the outputs
    status, reply = call(server, "sendrawtransaction", mutable.serialize().hex(), version="2.0")
    assert status == 200 and reply["error"]["code"] == -26
    assert "mandatory-script-verify-flag-failed" in reply["error"]["message"]
    assert ok(server, "sendrawtransaction", raw) == sweep.txid
    assert ok(server, "getrawmempool") == [sweep.txid]
    entry = ok(server, "getrawmempool", True)[sweep.txid]
    assert entry["vsize"] == sweep.vsize and entry["fees"]["base"] > 0
    info = ok(server, "getmempoolinfo")
    assert info["size"] == 1 and info["total_fee"] == entry["fees"]["base"]
    out = ok(server, "gettxout", sweep.txid, 0)
    assert out["confirmations"] == 0
    assert ok(server, "gettxout", sweep.txid, 0, False) is None
    spent = sweep.tx.vin[0]
    assert ok(server, "gettxout", spent.txid.hex(), spent.vout) is None
    assert ok(server, "gettxout", spent.txid.hex(), spent.vout, False) is not None
    hashes = ok(server, "generatetoaddress", 2, lab.new_address())
    assert len(hashes) == 2 and ok(server, "getbestblockhash") == hashes[-1]
    assert ok(server, "getrawmempool") == []
    assert ok(server, "getrawtransaction", sweep.txid, True)["confirmations"] == 2
    assert ok(server, "gettxout", sweep.txid, 0)["value"] * 10**8 == sweep.tx.vout[0].value
    # The same transaction again: its outputs are in the UTXO set.
    status, reply = call(server, "sendrawtransaction", raw)
    assert status == 500 and reply["error"]["code"] == -27
    errors = [
        (("getblockhash", 10**6), -8), (("getblock", "00" * 32), -5),
        (("getblock", "zz"), -8), (("getrawtransaction", "11" * 32), -5),
        (("decoderawtransaction", "0011"), -22), (("sendrawtransaction", "00"), -22),
        (("generatetoaddress", 1, "bc1qnotregtest"), -5), (("getblockcount", "x"), -1),
        (("getblockhash", "1"), -3),
    ]
    for (method, *params), code in errors:
        status, reply = call(server, method, *params)
        assert status == 500 and reply["error"]["code"] == code, (method, reply)
        assert reply["result"] is None
    status, reply = call(server, "nosuchmethod")
    assert status == 404 and reply["error"]["code"] == -32601
    r = requests.post(server.url, data="{not json", auth=("alice", "s3cret"), timeout=30)
    assert r.status_code == 500 and r.json()["error"]["code"] == -32700


def test_double_spend_over_rpc(node):
    server, ledger = node
    lab = Wallet(MNEMONIC)
    a = lab.sweep(ledger, lab.new_address())
    b = lab.sweep(ledger, lab.new_address())
    c = lab.sweep(ledger, lab.new_address(), fee_rate=5)
    assert ok(server, "sendrawtransaction", a.raw.hex()) == a.txid
    status, reply = call(server, "sendrawtransaction", b.raw.hex())
    assert reply["error"]["code"] == -26 and "insufficient fee" in reply["error"]["message"]
    assert ok(server, "sendrawtransaction", c.raw.hex()) == c.txid  # replace-by-fee
    assert ok(server, "getrawmempool") == [c.txid]
    ok(server, "generateblock", lab.new_address(), [c.txid])
    status, reply = call(server, "sendrawtransaction", b.raw.hex())
    assert status == 500 and reply["error"]["code"] == -25


def test_python_bitcoinlib_proxy_unchanged(node):
    server, ledger = node
    proxy = bitcoin.rpc.Proxy(service_url=server.url.replace("http://", "http://alice:s3cret@"))
    tip = proxy.getbestblockhash()
    assert b2lx(tip) == ledger.tip.hash
    block = proxy.getblock(tip)  # fetched as raw hex, decoded by python-bitcoinlib
    assert b2lx(block.GetHash()) == ledger.tip.hash
    tx = proxy.getrawtransaction(block.vtx[0].GetTxid())
    assert tx.GetTxid() == block.vtx[0].GetTxid()
    out = proxy.gettxout(bitcoin.core.COutPoint(block.vtx[0].GetTxid(), 0))
    assert out["txout"].nValue == ledger.tip.txs[0].tx.vout[0].value


def test_maxfeerate_is_exact(node):
    server, ledger = node
    lab = Wallet(MNEMONIC)
    sweep = lab.sweep(ledger, lab.new_address(), fee_rate=20)  # 0.0002 BTC/kvB
    status, reply = call(server, "sendrawtransaction", sweep.raw.hex(), 0.00019)
    assert status == 500 and reply["error"]["code"] == -25 and "maxfeerate" in reply["error"]["message"]
    status, reply = call(server, "sendrawtransaction", sweep.raw.hex(), 0.000000001)
    assert status == 500 and reply["error"]["code"] == -3
    assert ok(server, "sendrawtransaction", sweep.raw.hex(), 0.00021) == sweep.txid
    ok(server, "generatetoaddress", 1, lab.new_address())
