"""Wallets: BIP-39 mnemonic, BIP-32 accounts on BIP-44/84/86 paths, payments with change, sweeps.

Which coins pay is :mod:`chains.utxo.coinselect`'s; a sweep of everything is :mod:`chains.utxo.sweep`'s.

A :class:`WalletProfile` names the behaviours that blockchain heuristics pick up (or miss):
change to a fresh address or back to a spent one, change position, round payment amounts,
Bitcoin Core's anti-fee-sniping locktime, RBF signalling, fee rate and coin selection. All
randomness comes from the ``random.Random`` passed in, so the same seed gives the same
transactions byte for byte.
"""
import functools
import random
from dataclasses import dataclass

from embit import bip32, bip39

from chains import hd
from chains.utxo import scripts
from chains.utxo.coinselect import (COIN_SELECTION, INPUT_WEIGHT, InsufficientFunds, Utxo, estimate_vsize,
                                    output_weight, select_coins)
from chains.utxo.keys import Key
from chains.utxo.ledger import Ledger
from chains.utxo.params import BIP44_COIN_TYPE, COINBASE_MATURITY, NETWORK, SEQUENCE_FINAL, SEQUENCE_RBF_MAX
from chains.utxo.sweep import sweep_utxos
from chains.utxo.tx import Tx, build, sign
from chains.utxo.validation import dust_threshold

#: BIP purpose number of each script kind's account.
PURPOSES = {"p2pkh": 44, "p2wpkh": 84, "p2tr": 86}
CHANGE_ADDRESS = ("fresh", "reuse")
CHANGE_POSITION = ("random", "last", "first")

__all__ = ["BITCOIN_CORE", "CHANGE_ADDRESS", "CHANGE_POSITION", "COIN_SELECTION", "NAIVE", "PURPOSES",
           "TAPROOT_ELECTRUM", "InsufficientFunds", "Utxo", "Wallet", "WalletProfile", "estimate_vsize",
           "round_amount"]


@dataclass(frozen=True)
class WalletProfile:
    """How a wallet builds transactions.

    Parameters
    ----------
    script_type : {"p2wpkh", "p2pkh", "p2tr"}
        Account type: BIP-84 native segwit, BIP-44 legacy, BIP-86 taproot.
    change_address : {"fresh", "reuse"}
        Change to a new internal address, or back to the address of the first input spent.
    change_position : {"random", "last", "first"}
        Where the change output goes among the outputs.
    round_payments : bool
        Round payment amounts down to a multiple of ``round_unit`` (people pay round sums).
    round_unit : int
        Rounding unit in satoshi.
    anti_fee_sniping : bool
        nLockTime = current height, as Bitcoin Core does (else 0).
    rbf : bool
        Signal BIP-125 replaceability (nSequence 0xfffffffd).
    fee_rate : int
        Fee rate in sat/vB.
    coin_selection : {"bnb", "largest_first", "oldest_first", "random"}
        Branch and bound for a changeless match then a single random draw (Bitcoin Core-like),
        largest coins first, oldest coins first (FIFO), or a single random draw.
    low_r : bool
        Grind ECDSA signatures to low R (70-byte DER), as Bitcoin Core does since 0.17.
    version : {1, 2}
        The transactions' version: 2 since Bitcoin Core 0.13 (BIP 68), 1 in older or simpler
        wallets (a fingerprint BlockSci's change heuristic reads).
    """

    script_type: str = "p2wpkh"
    change_address: str = "fresh"
    change_position: str = "random"
    round_payments: bool = False
    round_unit: int = 100_000
    anti_fee_sniping: bool = True
    rbf: bool = True
    fee_rate: int = 2
    coin_selection: str = "bnb"
    low_r: bool = True
    version: int = 2

    def __post_init__(self):
        checks = [("script_type", self.script_type, tuple(PURPOSES)),
                  ("change_address", self.change_address, CHANGE_ADDRESS),
                  ("change_position", self.change_position, CHANGE_POSITION),
                  ("coin_selection", self.coin_selection, COIN_SELECTION)]
        for name, value, allowed in checks:
            if value not in allowed:
                raise ValueError(f"WalletProfile.{name}={value!r}; expected one of {allowed}")
        if self.version not in (1, 2):
            raise ValueError(f"WalletProfile.version={self.version!r}; expected 1 or 2")
        for name in ("fee_rate", "round_unit"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"WalletProfile.{name}={value!r}; expected a positive integer")


#: Bitcoin Core's defaults.
BITCOIN_CORE = WalletProfile()
#: A careless wallet: change back to the sender, change last, no locktime, no RBF.
NAIVE = WalletProfile(change_address="reuse", change_position="last", anti_fee_sniping=False,
                      rbf=False, coin_selection="largest_first", fee_rate=5, low_r=False, version=1)
#: An Electrum-like wallet on taproot.
TAPROOT_ELECTRUM = WalletProfile(script_type="p2tr", change_position="random",
                                 coin_selection="oldest_first", fee_rate=3)


def round_amount(amount: int, profile: WalletProfile) -> int:
    """The amount a wallet with ``profile`` actually pays when asked to pay ``amount``."""
    if profile.round_payments and amount >= profile.round_unit:
        return amount - amount % profile.round_unit
    return amount


@functools.lru_cache(maxsize=4096)  # a world opens several accounts of one phrase
def _mnemonic_valid(mnemonic: str) -> bool:
    return bip39.mnemonic_is_valid(mnemonic)


class Wallet:
    """An HD wallet derived from a BIP-39 mnemonic.

    Parameters
    ----------
    mnemonic : str
        BIP-39 words (checksum verified).
    profile : WalletProfile
        Behaviour when building transactions.
    account : int
        BIP-44 account number.
    passphrase : str
        Optional BIP-39 passphrase.
    gap_limit : int
        Addresses watched past the last one used (BIP-44's 20).
    coin_type : int
        BIP-44 coin type: 1 for test networks (the lab), 0 for mainnet paths.

    Notes
    -----
    Paths are ``m/{44,84,86}'/coin_type'/account'/{0,1}/i``. Addresses are always regtest.
    """

    def __init__(self, mnemonic: str, profile: WalletProfile = BITCOIN_CORE, account: int = 0,
                 passphrase: str = "", gap_limit: int = 20, coin_type: int = BIP44_COIN_TYPE):
        if not _mnemonic_valid(mnemonic):
            raise ValueError("invalid BIP-39 mnemonic (unknown word or bad checksum)")
        self.profile = profile
        self.kind = profile.script_type
        self.gap_limit = gap_limit
        self._seed = hd.seed(mnemonic, passphrase)
        self.path = f"m/{PURPOSES[self.kind]}h/{coin_type}h/{account}h"
        account_node = hd.derive(self._seed, self.path)
        self._chains = [hd.child(*account_node, 0), hd.child(*account_node, 1)]
        self._keys: dict[tuple[int, int], Key] = {}
        self._by_script: dict[bytes, Key] = {}
        self.next_index = [0, 0]
        self._derived = [0, 0]  # keys 0..n-1 of each chain are derived (and their scripts indexed)
        self._derive_until(0, gap_limit)
        self._derive_until(1, gap_limit)

    @property
    def xpub(self) -> str:
        """Account extended public key (tpub, as the account's descriptor would show)."""
        account = bip32.HDKey.from_seed(self._seed, version=NETWORK["xprv"]).derive(self.path)
        return account.to_public().to_base58(version=NETWORK["xpub"])

    def key(self, chain: int, index: int) -> Key:
        """Key at ``chain`` (0 receive, 1 change) and ``index``."""
        if (chain, index) not in self._keys:
            key = Key(hd.child_secret(*self._chains[chain], index))
            self._keys[(chain, index)] = key
            self._by_script[key.script(self.kind)] = key
        return self._keys[(chain, index)]

    def _derive_until(self, chain: int, count: int) -> None:
        for index in range(self._derived[chain], count):
            self.key(chain, index)
        self._derived[chain] = max(self._derived[chain], count)

    def address(self, chain: int, index: int) -> str:
        """Address at ``chain``/``index``."""
        return self.key(chain, index).address(self.kind)

    def new_address(self, change: bool = False) -> str:
        """Hand out the next unused receive (or change) address."""
        chain = 1 if change else 0
        index = self.next_index[chain]
        self.next_index[chain] += 1
        self._derive_until(chain, self.next_index[chain] + self.gap_limit)
        return self.address(chain, index)

    def scan(self, ledger: Ledger) -> None:
        """Advance the address counters past every address the ledger has seen (gap limit)."""
        for chain in (0, 1):
            index = self.next_index[chain]
            while index < self.next_index[chain] + self.gap_limit:
                if ledger.script_used(self.key(chain, index).script(self.kind)):
                    self.next_index[chain] = index + 1
                    self._derive_until(chain, self.next_index[chain] + self.gap_limit)
                index += 1

    def owns(self, script: bytes) -> bool:
        """True if ``script`` is one of this wallet's derived scripts."""
        return script in self._by_script

    def utxos(self, ledger: Ledger, include_mempool: bool = False) -> list[Utxo]:
        """Spendable coins, oldest first (mature coinbase outputs included)."""
        self.scan(ledger)
        found = []
        for script, key in self._by_script.items():
            for op, coin in ledger.unspent_for_script(script, include_mempool):
                if coin.coinbase and ledger.height + 1 - coin.height < COINBASE_MATURITY:
                    continue
                found.append(Utxo(op, coin, key, self.kind))
        found.sort(key=lambda u: (u.coin.height, u.outpoint[0], u.outpoint[1]))
        return found

    def balance(self, ledger: Ledger) -> int:
        """Sum of spendable coins, in satoshi."""
        return sum(u.value for u in self.utxos(ledger))

    def create_payment(self, ledger: Ledger, payments: list[tuple[str, int]],
                       rng: random.Random) -> Tx:
        """Build and sign a transaction paying ``payments`` [(address, satoshi), ...].

        Amounts are rounded per the profile; the fee is ``fee_rate`` times the estimated size.
        The transaction is not submitted.

        Raises
        ------
        InsufficientFunds
            If the coins do not cover amounts plus fee.
        AddressError
            If an address is not a regtest address.
        """
        p = self.profile
        pay = [(scripts.script_for_address(a), round_amount(v, p)) for a, v in payments]
        for (addr, _), (script, value) in zip(payments, pay, strict=True):
            if value < dust_threshold(script):
                raise ValueError(f"payment of {value} sat to {addr} is below the dust threshold")
        total_pay = sum(v for _, v in pay)
        utxos = self.utxos(ledger)
        fresh_change = self.key(1, self.next_index[1]).script(self.kind)
        change_probe = fresh_change
        pay_scripts = [s for s, _ in pay]

        def need(chosen):
            return total_pay + p.fee_rate * estimate_vsize([u.kind for u in chosen], pay_scripts + [change_probe])

        # what a change output costs: its own bytes now, and the input that spends it later
        change_cost = p.fee_rate * ((output_weight(change_probe) + 3) // 4) \
            + p.fee_rate * ((INPUT_WEIGHT[self.kind] + 3) // 4)
        changeless = total_pay + p.fee_rate * estimate_vsize([], pay_scripts)
        chosen = select_coins(utxos, p.coin_selection, target=changeless, fee_rate=p.fee_rate,
                              cost_of_change=change_cost, need=need, rng=rng)
        if chosen is None:
            have = sum(u.value for u in utxos)
            raise InsufficientFunds(f"wallet {self.path} has {have} sat spendable, needs "
                                    f"{total_pay} sat plus fee at {p.fee_rate} sat/vB")
        change_script = chosen[0].coin.script if p.change_address == "reuse" else fresh_change
        total_in = sum(u.value for u in chosen)
        kinds = [u.kind for u in chosen]
        fee_with = p.fee_rate * estimate_vsize(kinds, pay_scripts + [change_script])
        change = total_in - total_pay - fee_with
        outputs = list(pay)
        if change >= dust_threshold(change_script) and change > 0:
            if p.change_position == "last":
                position = len(outputs)
            elif p.change_position == "first":
                position = 0
            else:
                position = rng.randrange(len(outputs) + 1)
            outputs.insert(position, (change_script, change))
            if change_script == fresh_change:
                self.new_address(change=True)
        elif total_in < total_pay + p.fee_rate * estimate_vsize(kinds, pay_scripts):
            raise InsufficientFunds(f"selected coins do not cover {total_pay} sat plus fee")
        # Bitcoin Core shuffles the selected inputs.
        chosen = list(chosen)
        rng.shuffle(chosen)
        locktime = self._locktime(ledger, rng)
        return self._sign(chosen, outputs, locktime)

    def _locktime(self, ledger: Ledger, rng: random.Random) -> int:
        if not self.profile.anti_fee_sniping:
            return 0
        height = ledger.height
        # Bitcoin Core sometimes goes up to 100 blocks back, so delayed broadcasts look alike.
        if rng.randrange(10) == 0:
            height = max(0, height - rng.randrange(100))
        return height

    def _sequence(self, locktime: int) -> int:
        if self.profile.rbf:
            return SEQUENCE_RBF_MAX
        return SEQUENCE_FINAL - 1 if locktime else SEQUENCE_FINAL

    def _sign(self, chosen: list[Utxo], outputs: list[tuple[bytes, int]], locktime: int) -> Tx:
        seq = self._sequence(locktime)
        unsigned = build([(u.outpoint[0].hex(), u.outpoint[1], seq) for u in chosen], outputs,
                         locktime=locktime, version=self.profile.version)
        return sign(unsigned, [(u.value, u.coin.script) for u in chosen], [u.key for u in chosen],
                    low_r=self.profile.low_r)

    def pay(self, ledger: Ledger, payments: list[tuple[str, int]], rng: random.Random) -> Tx:
        """Build, sign and submit a payment; return the transaction."""
        tx = self.create_payment(ledger, payments, rng)
        ledger.submit(tx)
        return tx

    def sweep(self, ledger: Ledger, destination: str, fee_rate: int | None = None) -> Tx:
        """Sign a transaction moving every spendable coin of the wallet to ``destination``."""
        return sweep_utxos(self.utxos(ledger), destination,
                           fee_rate or self.profile.fee_rate)
