"""A small deterministic chain that exercises every file of an export, for the export and backend tests."""
import json

from chains.contracts import ARTIFACTS_DIR
from chains.evm import EvmChain

from .bytecode import deploy_code, forwarder

GENESIS_TIME = 1_767_225_600
STABLECOIN = ARTIFACTS_DIR / "Stablecoin.json"
#: runtime that always reverts (PUSH1 0 PUSH1 0 REVERT): a call to it fails on chain
REVERTER = deploy_code(bytes.fromhex("60006000fd"))


def build_story(chain: EvmChain) -> dict:
    """A small deterministic chain: transfers, contract creations, an internal transfer, a failed
    transaction and ERC-20 transfers. Returns the facts the tests check the export against."""
    a, b, c, d = chain.accounts
    facts = {}
    chain.send(a, b.address, value=10**18)
    chain.send(b, c.address, value=5 * 10**17)
    chain.mine()
    h = chain.send(a, None, data=forwarder(d.address), gas=100_000)
    chain.mine()
    facts["forwarder"] = chain.w3.eth.get_transaction_receipt(h)["contractAddress"].lower()
    facts["internal_value"] = 123_456
    facts["internal_tx"] = "0x" + chain.send(c, facts["forwarder"], value=facts["internal_value"], gas=100_000).hex()
    chain.mine()
    h = chain.send(a, None, data=REVERTER, gas=100_000)
    chain.mine()
    reverter = chain.w3.eth.get_transaction_receipt(h)["contractAddress"]
    facts["failed_tx"] = "0x" + chain.send(b, reverter, value=777, gas=50_000).hex()
    chain.mine()
    art = json.loads(STABLECOIN.read_text())
    token = chain.deploy(art["abi"], art["bytecode"], "Lab Dollar", "LUSD", a.address, sender=a)
    chain.transact(token.functions.mint(b.address, 5_000_000), a)
    chain.transact(token.functions.transfer(c.address, 1_250_000), b)
    facts["token"] = token.address.lower()
    facts["token_balances"] = {x.address.lower(): token.functions.balanceOf(x.address).call() for x in (b, c)}
    facts["head"] = chain.w3.eth.block_number
    return facts
