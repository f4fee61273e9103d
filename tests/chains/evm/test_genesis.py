"""Accounts from a mnemonic: the fast derivation agrees with eth-account's full BIP-44 path."""
import pytest
from eth_account.hdaccount import key_from_seed, seed_from_mnemonic

from chains.evm.genesis import DEFAULT_MNEMONIC, derive_accounts

OTHER = "legal winner thank year wave sausage worth useful legal winner thank yellow"


@pytest.mark.parametrize(("mnemonic", "passphrase"), [(DEFAULT_MNEMONIC, ""), (OTHER, "TREZOR")])
def test_accounts_match_the_full_path(mnemonic, passphrase):
    seed = seed_from_mnemonic(mnemonic, passphrase)
    got = derive_accounts(mnemonic, 4, start=998, passphrase=passphrase)
    assert [a.key for a in got] == [key_from_seed(seed, f"m/44'/60'/0'/0/{i}") for i in range(998, 1002)]


def test_bad_mnemonic():
    with pytest.raises(ValueError, match="not a valid BIP-39 mnemonic"):
        derive_accounts("legal winner thank year wave sausage worth useful legal winner thank thank", 1)
