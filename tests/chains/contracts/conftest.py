"""Fixtures for the contract tests: a fresh pure-Python lab chain per test, and a revert checker."""
import pytest

from chains.evm import ChainRevert, EvmChain

ETHER = 10**18
USD = 10**6  # one stablecoin unit in base units (6 decimals)
ZERO = "0x0000000000000000000000000000000000000000"


def start_chain(backend="pyevm", chain_id=1337, accounts=8):
    chain = EvmChain.start(backend, chain_id=chain_id, accounts=accounts)
    # eth_call without a "from" would come from an unfunded default sender on py-evm.
    chain.w3.eth.default_account = chain.accounts[0].address
    return chain


@pytest.fixture
def chain():
    with start_chain() as c:
        yield c


def assert_reverts(chain, fn, sender, reason, value=0):
    """``fn`` sent by ``sender`` must revert with exactly ``reason``, and nothing is mined."""
    blocks = chain.w3.eth.block_number
    with pytest.raises(ChainRevert) as info:
        chain.transact(fn, sender=sender, value=value)
    assert info.value.reason == reason
    assert chain.w3.eth.block_number == blocks


def balance(chain, who):
    return chain.w3.eth.get_balance(who if isinstance(who, str) else who.address)


def gas_cost(receipt):
    return receipt["gasUsed"] * receipt["effectiveGasPrice"]
