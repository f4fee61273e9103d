"""Wallets: published derivation vectors, profiles, payments and change, determinism, a wallet's sweep."""
import random

import pytest
from embit import base58, bech32, bip32

from chains import hd

from chains.utxo import scripts
from chains.utxo.keys import Key
from chains.utxo.ledger import Ledger
from chains.utxo.params import COIN, NETWORK, SEQUENCE_FINAL
from chains.utxo.wallet import NAIVE, InsufficientFunds, Wallet, WalletProfile, round_amount

from .conftest import MNEMONIC, START

# Published first addresses of the "abandon ... about" mnemonic on mainnet paths:
# BIP-84 and BIP-86 test vectors (bips bip-0084.mediawiki, bip-0086.mediawiki); BIP-44 as
# shown by common wallets (e.g. Ian Coleman's BIP-39 tool).
BIP84_RECEIVE = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
BIP84_CHANGE = "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el"
BIP86_RECEIVE = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"
BIP44_RECEIVE = "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA"


def program(addr):
    return bytes(bech32.decode("bc", addr)[1])


def test_published_derivation_vectors():
    segwit = Wallet(MNEMONIC, coin_type=0)
    assert segwit.key(0, 0).script("p2wpkh")[2:] == program(BIP84_RECEIVE)
    assert segwit.key(1, 0).script("p2wpkh")[2:] == program(BIP84_CHANGE)
    taproot = Wallet(MNEMONIC, WalletProfile(script_type="p2tr"), coin_type=0)
    assert taproot.key(0, 0).script("p2tr")[2:] == program(BIP86_RECEIVE)
    legacy = Wallet(MNEMONIC, WalletProfile(script_type="p2pkh"), coin_type=0)
    assert legacy.key(0, 0).script("p2pkh")[3:23] == base58.decode_check(BIP44_RECEIVE)[1:]
    lab = Wallet(MNEMONIC)
    assert lab.path == "m/84h/1h/0h" and lab.address(0, 0).startswith("bcrt1q")
    assert Wallet(MNEMONIC, WalletProfile(script_type="p2tr")).address(0, 0).startswith("bcrt1p")
    assert Wallet(MNEMONIC, WalletProfile(script_type="p2pkh")).address(0, 0)[0] in "mn"
    with pytest.raises(ValueError, match="mnemonic"):
        Wallet("abandon " * 12)
    # the fast CKDpriv agrees with embit's full BIP-32 derivation, hardened levels and further down the chains
    root = bip32.HDKey.from_seed(hd.seed(MNEMONIC))
    for wallet in (lab, Wallet(MNEMONIC, account=2_147_483_646), taproot):
        for chain, index in [(0, 0), (0, 7), (1, 19), (0, 1000)]:
            assert wallet.key(chain, index).secret == root.derive(f"{wallet.path}/{chain}/{index}").secret
    assert lab.xpub == root.derive(lab.path).to_public().to_base58(version=NETWORK["xpub"])


def test_profile_validation_names_the_field():
    with pytest.raises(ValueError, match="change_position"):
        WalletProfile(change_position="middle")
    with pytest.raises(ValueError, match="fee_rate"):
        WalletProfile(fee_rate=0)
    with pytest.raises(ValueError, match="version=3"):
        WalletProfile(version=3)


def chain_with(wallet: Wallet, coins: int = 4) -> Ledger:
    ledger = Ledger()
    miner = Key(bytes(31) + b"\x99").script("p2wpkh")
    for i in range(coins):
        ledger.mine_block(START + 600 * i, wallet.new_address())
    for i in range(coins, coins + 100):
        ledger.mine_block(START + 600 * i, miner)
    return ledger


@pytest.mark.parametrize("kind", ["p2wpkh", "p2pkh", "p2tr"])
def test_core_like_payment(kind):
    wallet = Wallet(MNEMONIC, WalletProfile(script_type=kind, fee_rate=3))
    ledger = chain_with(wallet)
    dest = Wallet(MNEMONIC, account=5).new_address()
    tx = wallet.pay(ledger, [(dest, 7 * COIN + 12_345)], random.Random(3))
    fee = ledger.mempool[tx.txid].fee
    assert fee >= 3 * tx.vsize and fee <= 3 * (tx.vsize + 2)
    spent_scripts = {ledger.outputs[op].script for op in tx.outpoints()}
    outs = [(o.script_pubkey.data, o.value) for o in tx.tx.vout]
    assert (scripts.script_for_address(dest), 7 * COIN + 12_345) in outs
    change = [s for s, _ in outs if wallet.owns(s)]
    assert len(change) == 1 and change[0] not in spent_scripts  # fresh change address
    assert ledger.height - 100 <= tx.tx.locktime <= ledger.height  # anti-fee-sniping
    assert all(i.sequence == 0xFFFFFFFD for i in tx.tx.vin)  # RBF


def test_naive_profile_reuses_change_and_does_not_signal():
    wallet = Wallet(MNEMONIC, NAIVE)
    ledger = chain_with(wallet)
    dest = Wallet(MNEMONIC, account=5).new_address()
    tx = wallet.pay(ledger, [(dest, 3 * COIN)], random.Random(1))
    spent = ledger.coin(tx.outpoints()[0], include_mempool=False) or \
        ledger.outputs[tx.outpoints()[0]]
    assert tx.tx.vout[-1].script_pubkey.data == spent.script  # change back to the sender, last
    assert tx.tx.locktime == 0 and all(i.sequence == SEQUENCE_FINAL for i in tx.tx.vin)
    # version 1, as older and simpler wallets write (Core's is 2): a fingerprint of the sender's wallet
    assert tx.tx.version == 1 and ledger.get_transaction(tx.txid) is not None
    assert Wallet(MNEMONIC).pay(ledger, [(dest, COIN)], random.Random(2)).tx.version == 2


def test_change_position_round_amounts_and_bnb_changeless():
    profile = WalletProfile(change_position="first", round_payments=True, round_unit=1_000_000)
    assert round_amount(123_456_789, profile) == 123_000_000
    assert round_amount(999, profile) == 999
    wallet = Wallet(MNEMONIC, profile)
    ledger = chain_with(wallet)
    tx = wallet.create_payment(ledger, [(Wallet(MNEMONIC, account=5).new_address(),
                                         123_456_789)], random.Random(0))
    assert wallet.owns(tx.tx.vout[0].script_pubkey.data)
    assert tx.tx.vout[1].value == 123_000_000
    # A payment that exactly uses one coin minus its fee needs no change (branch and bound).
    coin = wallet.utxos(ledger)[0].value
    core = Wallet(MNEMONIC)
    exact = coin - 2 * 110  # one P2WPKH input, one P2WPKH output: 110 vB at 2 sat/vB
    tx = core.create_payment(ledger, [(Wallet(MNEMONIC, account=5).new_address(), exact)],
                             random.Random(0))
    assert len(tx.tx.vout) == 1 and len(tx.tx.vin) == 1


def test_deterministic_given_the_seed():
    def run(seed):
        wallet = Wallet(MNEMONIC)
        ledger = chain_with(wallet, coins=6)
        dest = Wallet(MNEMONIC, account=5)
        return [wallet.pay(ledger, [(dest.new_address(), (i + 1) * 3 * COIN)],
                           random.Random(seed)).raw for i in range(3)]
    assert run(7) == run(7)


def test_insufficient_funds_and_sweeps():
    wallet = Wallet(MNEMONIC)
    ledger = chain_with(wallet, coins=2)
    with pytest.raises(InsufficientFunds, match="sat"):
        wallet.create_payment(ledger, [(wallet.new_address(), 500 * COIN)], random.Random(0))
    police = Wallet(MNEMONIC, account=9)
    seized = police.new_address()
    sweep = wallet.sweep(ledger, seized, fee_rate=4)
    assert len(sweep.tx.vout) == 1 and len(sweep.tx.vin) == 2
    ledger.submit(sweep)
    assert ledger.mempool[sweep.txid].fee == 4 * sweep.vsize or \
        ledger.mempool[sweep.txid].fee <= 4 * (sweep.vsize + 1)
    ledger.mine_block(START + 600 * 500, police.new_address())
    assert wallet.balance(ledger) == 0
    assert police.balance(ledger) == sweep.tx.vout[0].value


def test_recovered_wallet_finds_its_funds(demo):
    # A fresh wallet object from the seed phrase alone finds every coin of the demo chain.
    assert Wallet(MNEMONIC).balance(demo) > 200 * COIN
    assert Wallet(MNEMONIC, NAIVE, account=1).balance(demo) > 0


def test_low_r_grinding_is_a_profile_choice():
    from chains.utxo.tx import ecdsa_sign
    import hashlib
    key = Key(bytes(31) + b"\x42")
    digests = [hashlib.sha256(b"%d" % i).digest() for i in range(40)]
    ground = [ecdsa_sign(key.secret, d, low_r=True) for d in digests]
    plain = [ecdsa_sign(key.secret, d, low_r=False) for d in digests]
    assert max(len(s) for s in ground) <= 70
    assert max(len(s) for s in plain) == 71  # about half of plain RFC 6979 signatures
    # Grinding starts from the plain signature, as in Bitcoin Core.
    assert all(g == p for g, p in zip(ground, plain, strict=True) if len(p) <= 70)
