"""The genesis of a lab EVM chain: chain id, time, gas limit, base fee and funded accounts.

Written to the replay log as a geth-style ``genesis.json`` (a public format anvil reads with
``--init``), so a chain can be rebuilt without the mnemonic that made its accounts: the replay
log ships to trainees, the keys do not.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from eth_account import Account
from eth_account.hdaccount.mnemonic import Mnemonic
from eth_account.signers.local import LocalAccount

from chains import hd

#: BIP-44 path of Ethereum accounts; the last component is the account index.
ETH_PATH = "m/44'/60'/0'/0/{index}"

#: The mnemonic the lab uses when a caller gives none (the well-known Hardhat/anvil test phrase,
#: so the first accounts match what Ethereum developers already know from their tools).
DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"

#: 2026-01-01T00:00:00Z: the default genesis time. Block time is simulated, never the wall clock.
DEFAULT_GENESIS_TIME = 1_767_225_600
DEFAULT_GAS_LIMIT = 30_000_000
#: Zero, as on many dev chains: both backends then follow EIP-1559 from block 1 identically (anvil
#: keeps the configured fee for block 1, py-evm already lowers it), and every fee is the tip alone.
DEFAULT_BASE_FEE = 0
DEFAULT_BALANCE = 1_000_000 * 10**18


@lru_cache(maxsize=4096)
def _seed(mnemonic: str, passphrase: str) -> bytes:
    lang = Mnemonic.detect_language(mnemonic)
    words = Mnemonic(lang).expand(mnemonic)
    if not Mnemonic(lang).is_mnemonic_valid(words):
        raise ValueError(f"not a valid BIP-39 mnemonic: {mnemonic!r}")
    return hd.seed(words, passphrase)


def derive_accounts(mnemonic: str, count: int, *, start: int = 0, passphrase: str = "") -> list[LocalAccount]:
    """Accounts ``m/44'/60'/0'/0/i`` for ``i`` in ``[start, start + count)`` of a BIP-39 mnemonic.

    Examples
    --------
    >>> derive_accounts(DEFAULT_MNEMONIC, 1)[0].address
    '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
    """
    parent = _accounts_node(" ".join(mnemonic.split()), passphrase)
    return [Account.from_key(hd.child_secret(*parent, i)) for i in range(start, start + count)]


@lru_cache(maxsize=4096)
def _accounts_node(mnemonic: str, passphrase: str) -> tuple[bytes, bytes, bytes]:
    """Secret, public key and chain code of ``m/44'/60'/0'/0``: its children are the accounts."""
    return hd.derive(_seed(mnemonic, passphrase), ETH_PATH.rsplit("/", 1)[0])


@dataclass(frozen=True)
class Genesis:
    """Everything a backend needs to create block 0, in exact integers."""

    chain_id: int = 1337
    timestamp: int = DEFAULT_GENESIS_TIME
    gas_limit: int = DEFAULT_GAS_LIMIT
    base_fee: int = DEFAULT_BASE_FEE
    #: checksum address -> balance in wei
    alloc: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        for name in ("chain_id", "timestamp", "gas_limit", "base_fee"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"genesis {name} must be a non-negative integer, got {value!r}")
        for address, balance in self.alloc.items():
            if not isinstance(balance, int) or balance < 0:
                raise ValueError(f"genesis balance of {address} must be a non-negative integer (wei), got {balance!r}")

    def to_geth_json(self) -> dict:
        """The geth ``genesis.json`` form (hex quantities), as anvil's ``--init`` reads it."""
        return {
            "config": {
                "chainId": self.chain_id,
                "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0,
                "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0,
                "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0,
                "mergeNetsplitBlock": 0, "terminalTotalDifficulty": 0,
                "shanghaiTime": 0, "cancunTime": 0, "pragueTime": 0,
            },
            "nonce": "0x0",
            "timestamp": hex(self.timestamp),
            "extraData": "0x",
            "gasLimit": hex(self.gas_limit),
            "difficulty": "0x0",
            "mixHash": "0x" + "00" * 32,
            "coinbase": "0x" + "00" * 20,
            "baseFeePerGas": hex(self.base_fee),
            "number": "0x0",
            "alloc": {addr: {"balance": hex(bal)} for addr, bal in sorted(self.alloc.items())},
        }

    @classmethod
    def from_geth_json(cls, doc: dict) -> Genesis:
        try:
            return cls(
                chain_id=int(doc["config"]["chainId"]),
                timestamp=int(doc["timestamp"], 16),
                gas_limit=int(doc["gasLimit"], 16),
                base_fee=int(doc.get("baseFeePerGas", hex(DEFAULT_BASE_FEE)), 16),
                alloc={addr: int(v["balance"], 16) for addr, v in doc["alloc"].items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed genesis.json: {exc!r}") from exc

    def dumps(self) -> str:
        return json.dumps(self.to_geth_json(), sort_keys=True)


def funded_genesis(mnemonic: str = DEFAULT_MNEMONIC, accounts: int = 10, *, balance: int = DEFAULT_BALANCE,
                   chain_id: int = 1337, timestamp: int = DEFAULT_GENESIS_TIME, gas_limit: int = DEFAULT_GAS_LIMIT,
                   base_fee: int = DEFAULT_BASE_FEE,
                   extra_alloc: dict[str, int] | None = None) -> tuple[Genesis, list[LocalAccount]]:
    """A genesis funding the first ``accounts`` accounts of ``mnemonic`` with ``balance`` wei each."""
    accts = derive_accounts(mnemonic, accounts)
    alloc = {a.address: balance for a in accts}
    alloc.update(extra_alloc or {})
    return Genesis(chain_id=chain_id, timestamp=timestamp, gas_limit=gas_limit, base_fee=base_fee, alloc=alloc), accts
