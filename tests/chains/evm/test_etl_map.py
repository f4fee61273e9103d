"""Node JSON to ethereum-etl rows: the mappers on their own, without a chain."""
from chains.evm.etl_map import (
    extract_token_transfer,
    finish_traces,
    map_trace,
    to_bloom,
    to_int,
)

#: keccak256("Transfer(address,address,uint256)")
TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def test_quantities_from_a_node_and_from_web3_map_alike():
    assert to_int("0x1f") == to_int(31) == 31 and to_int(None) is None
    assert to_bloom("0x00") == to_bloom(b"\x00" * 256) == "0x" + "00" * 256


def test_transfer_with_unindexed_arguments():
    words = ["00" * 12 + "11" * 20, "00" * 12 + "22" * 20, f"{5:064x}"]
    log = {"topics": ["0x" + TRANSFER_TOPIC], "data": "0x" + "".join(words), "address": "0xtoken",
           "transaction_hash": "0xh", "log_index": 3, "block_number": 9}
    assert extract_token_transfer(log) == {
        "token_address": "0xtoken", "from_address": "0x" + "11" * 20, "to_address": "0x" + "22" * 20, "value": 5,
        "transaction_hash": "0xh", "log_index": 3, "block_number": 9}
    assert extract_token_transfer({**log, "data": "0x" + "".join(words[:2])}) is None  # three words: not a transfer


def test_failed_parent_fails_its_subtraces():
    def raw(addr, error=None):
        return {"type": "call", "blockNumber": 1, "transactionHash": "0xab", "transactionPosition": 0,
                "subtraces": 0, "traceAddress": addr, "error": error,
                "action": {"from": "0x1", "to": "0x2", "value": "0x1", "gas": "0x0", "input": "0x", "callType": "call"},
                "result": None if error else {"gasUsed": "0x0", "output": "0x"}}
    rows = finish_traces([map_trace(raw([0, 0])), map_trace(raw([], "Reverted")), map_trace(raw([0]))])
    assert [(r["trace_address"], r["status"], r["trace_id"]) for r in rows] == [
        ([], 0, "call_0xab_"), ([0], 0, "call_0xab_0"), ([0, 0], 0, "call_0xab_0_0")]
