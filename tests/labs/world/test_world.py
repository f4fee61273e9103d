from chains import contracts
from chains.evm import EvmChain
from labs.world import _DEPOSIT_INIT_HASH, create2_address


def test_create2_matches_the_contract():
    with EvmChain.start("pyevm", accounts=2) as chain:
        op, hot = chain.accounts
        factory = contracts.deploy(chain, "ExchangeDeposits", op.address, hot.address, sender=op)
        for i in range(3):
            salt = bytes([i]) * 32
            assert create2_address(factory.address, salt, _DEPOSIT_INIT_HASH) == \
                factory.functions.depositAddressOf(salt).call()
