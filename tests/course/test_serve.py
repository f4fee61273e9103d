"""``case.serve()``: a trainee's chains on loopback from the bundle's replay logs, real RPC, stopped after."""
import json

import pytest
import requests

from chains.evm import find_anvil
from labs import course
from labs.bundle import write_bundle
from labs.scenario import run_case
from labs.spec import load_spec

SPEC = """
name = "serve-small"
[chains.ethereum]
kind = "evm"
chain_id = 1
[chains.bitcoin]
kind = "utxo"
[world]
users = 6
[background]
transactions = 30
days = 2
[[story]]
typology = "investment_fraud_collection"
chain = "ethereum"
victims = 2
days = 2
[[story]]
typology = "cash_out"
chain = "ethereum"
"""

pytestmark = pytest.mark.skipif(not find_anvil(), reason="serving an EVM chain needs anvil: `make setup` installs it")


def rpc(url, method, *params, auth=None):
    reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
                          auth=auth, timeout=10).json()
    assert reply.get("error") is None, reply
    return reply["result"]


def test_serve_gives_every_chain_on_loopback_and_stop_ends_them(tmp_path):
    with run_case(load_spec("t.toml", text=SPEC)) as made:
        bundle, _ = write_bundle(made, tmp_path / "case")
    case = course.open_case(bundle)
    try:
        urls = case.serve()
        assert set(urls) == {"ethereum", "bitcoin"} and case.rpc == urls
        assert all(u.startswith("http://127.0.0.1:") for u in urls.values()), urls
        assert case.serve() is urls  # served once
        evm = json.loads((bundle / "bundle.json").read_text())["chains"]
        assert int(rpc(urls["ethereum"], "eth_chainId"), 16) == next(c["chain_id"] for c in evm if c["kind"] == "evm")
        blocks = sum(1 for _ in (bundle / "chains" / "ethereum" / "replay.jsonl").open()) - 1
        assert int(rpc(urls["ethereum"], "eth_blockNumber"), 16) == blocks
        paid = case.payments.iloc[0]
        tx = rpc(urls["ethereum"], "eth_getTransactionByHash", paid["tx"])
        assert tx["from"].lower() == paid["from"] and int(tx["value"], 16) == paid["amount"]
        btc = case.transfers[case.transfers["chain"] == "bitcoin"]
        txid = btc["tx_hash"].iloc[-1]
        got = rpc(urls["bitcoin"], "getrawtransaction", txid, True, auth=("tracelab", "tracelab"))
        assert got["txid"] == txid
        assert rpc(urls["bitcoin"], "getblockcount", auth=("tracelab", "tracelab")) == int(btc["block"].max())
    finally:
        case.stop()
    assert case.rpc == {}
    for url in urls.values():
        with pytest.raises(requests.ConnectionError):
            requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=5)


def test_a_chain_kind_it_does_not_know_is_named_and_nothing_is_left_running(tmp_path):
    from labs.course.case import Case, CaseError

    (tmp_path / "bundle.json").write_text(json.dumps({"chains": [{"name": "hub", "kind": "cosmos"}]}))
    case = Case(tmp_path)
    with pytest.raises(CaseError, match=r"bundle.json: chain hub has kind 'cosmos' \(expected one of evm, utxo\)"):
        case.serve()
    assert case.rpc == {} and case._running == []
