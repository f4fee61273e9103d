import pytest

from chains.utxo.demo import demo_ledger

MNEMONIC = ("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
            "abandon about")
START = 1_700_000_000


@pytest.fixture(scope="module")
def demo():
    return demo_ledger(MNEMONIC, START)
