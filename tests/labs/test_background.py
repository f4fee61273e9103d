"""Background activity's fixed gas limits must cover the worst case they meet."""
import pytest
from eth_utils import keccak

from chains import contracts
from chains.evm import EvmChain
from labs.background import SWEEP_BATCH, SWEEP_GAS_BASE, SWEEP_GAS_PER_ADDRESS

ETH, USD = 10**18, 10**6


@pytest.mark.parametrize("first", ["eth", "token"])
def test_sweep_gas_covers_a_full_batch_of_new_deposit_addresses(first):
    """The costliest sweep deploys every deposit address of a full batch; it must fit its limit with room."""
    with EvmChain.start("pyevm", accounts=3) as chain:
        op, hot, payer = chain.accounts
        chain.w3.eth.default_account = op.address
        ex = contracts.deploy(chain, "ExchangeDeposits", op.address, hot.address, sender=op)
        usd = contracts.deploy(chain, "Stablecoin", "Lab USD", "LUSD", op.address, sender=op)
        salts = [keccak(f"customer:{i}".encode()) for i in range(SWEEP_BATCH)]
        for salt in salts:
            addr = ex.functions.depositAddressOf(salt).call()
            chain.send(payer, addr, value=ETH, gas=40_000)
            chain.transact(usd.functions.mint(addr, 5 * USD), sender=op)
        chain.mine()
        limit = SWEEP_GAS_BASE + SWEEP_GAS_PER_ADDRESS * len(salts)
        tokens = ["0x" + "00" * 20, usd.address]
        for token in tokens if first == "eth" else tokens[::-1]:
            receipt = chain.transact(ex.functions.sweep(salts, token), op, gas=limit)
            assert receipt["status"] == 1
            assert receipt["gasUsed"] <= limit * 9 // 10
        assert chain.w3.eth.get_balance(hot.address) == 10**24 + SWEEP_BATCH * ETH
        assert usd.functions.balanceOf(hot.address).call() == SWEEP_BATCH * 5 * USD
