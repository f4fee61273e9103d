"""Artifact.encode_call gives web3's calldata byte for byte."""
import pytest
from web3 import Web3

from chains.contracts import load

A, B = Web3.to_checksum_address("0x" + "ab" * 20), Web3.to_checksum_address("0x" + "cd" * 20)
H1, H2 = b"\x01" * 32, b"\x02" * 32

CALLS = [
    ("Mixer", "deposit", (H1,)),
    ("Mixer", "withdraw", (H1, H2, A, B, 3 * 10**14)),
    ("Bridge", "depositETH", (8453, B)),
    ("WETH9", "deposit", ()),
    ("WETH9", "approve", (B, 2**256 - 1)),
    ("SwapPool", "swapExactIn", (A, 10**18, 0, B)),
    ("ExchangeDeposits", "sweep", ([H1, H2], "0x" + "00" * 20)),
]


@pytest.mark.parametrize(("contract", "function", "args"), CALLS)
def test_same_bytes_as_web3(contract, function, args):
    c = Web3().eth.contract(address=B, abi=load(contract).abi)
    expected = bytes.fromhex(c.get_function_by_name(function)(*args)._encode_transaction_data()[2:])
    assert load(contract).encode_call(function, *args) == expected


def test_unknown_function_is_named():
    with pytest.raises(ValueError, match="WETH9 has 0 functions named 'steal'"):
        load("WETH9").encode_call("steal")
