from eth_account import Account
from web3 import Web3
from hypothesis import given, settings, strategies as st

from chains.evm.genesis import DEFAULT_MNEMONIC, derive_accounts
from chains.evm.txsign import Signer

ACCT = derive_accounts(DEFAULT_MNEMONIC, 1)[0]
u256 = st.integers(min_value=0, max_value=2**256 - 1)


@settings(max_examples=60, deadline=None)
@given(chain_id=st.integers(1, 2**32), nonce=st.integers(0, 2**40), value=u256, gas=st.integers(21_000, 30_000_000),
       fee=st.integers(0, 10**12), tip=st.integers(0, 10**12), data=st.binary(max_size=64),
       to=st.one_of(st.none(), st.binary(min_size=20, max_size=20)))
def test_same_bytes_as_eth_account(chain_id, nonce, value, gas, fee, tip, data, to):
    to_hex = None if to is None else Web3.to_checksum_address(to)
    ours = Signer(ACCT.key, ACCT.address).sign(chain_id=chain_id, nonce=nonce, to=to_hex, value=value, data=data,
                                                gas=gas, max_fee_per_gas=fee, max_priority_fee_per_gas=tip)
    tx = {"chainId": chain_id, "nonce": nonce, "value": value, "data": data, "gas": gas, "maxFeePerGas": fee,
          "maxPriorityFeePerGas": tip, "type": 2, "accessList": []}
    if to_hex:
        tx["to"] = to_hex
    else:
        tx["to"] = b""
    ref = Account.sign_transaction(tx, ACCT.key)
    assert ours.raw == bytes(ref.raw_transaction)
    assert ours.hash == bytes(ref.hash)
    assert Account.recover_transaction(ours.raw) == ACCT.address
