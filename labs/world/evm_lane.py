"""How actions reach one EVM lab chain: blocks per slot, transfers and calls batched into the open block.

A lane is what a world acts through on one chain; the UTXO chain has its own
(:class:`labs.world.utxo_lane.UtxoLane`), and both write their chain into a bundle the same way.
"""
from __future__ import annotations

import contextlib
import math
import warnings
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from chains import contracts
from chains.evm import EvmChain
from chains.evm.chain import MAX_PRIORITY_FEE_PER_GAS

from ..spec.kinds import KINDS

#: EVM slot length: blocks come every 12 simulated seconds, as on Ethereum
SLOT = 12
#: what a plain transfer costs on a lab chain: 21,000 gas at the tip (the base fee is zero)
TRANSFER_FEE = 21_000 * MAX_PRIORITY_FEE_PER_GAS
#: gas limit of a plain transfer to a contract that accepts ETH (an exchange deposit address): its
#: empty receive() costs a little over 21,000, and only the gas used is paid
CONTRACT_TRANSFER_GAS = 30_000
#: keccak of the DepositAddress contract's init code: with a customer's salt, its CREATE2 address
DEPOSIT_INIT_HASH = keccak(bytes.fromhex(contracts.load("DepositAddress").bytecode[2:]))


def create2_address(factory: str, salt: bytes, init_code_hash: bytes) -> str:
    """The address CREATE2 gives (EIP-1014): what ExchangeDeposits.depositAddressOf computes on chain."""
    return to_checksum_address(keccak(b"\xff" + bytes.fromhex(factory[2:]) + salt + init_code_hash)[12:])


class EvmLane:
    """How actions reach one EVM chain: 12-second slots, transfers batched per slot, calls mined at once."""

    kind = "evm"
    #: the chain's own coin, as its kind's entry says
    coin = KINDS[kind].coin
    #: contracts run here: the bridge joins every two lanes that have them
    runs_contracts = True
    #: a CoinJoin coordinator runs on the UTXO chain only
    coordinator = None
    #: the key's ``utxo_transactions`` rows (a UTXO lane's transactions with their change): none here
    made = ()

    def __init__(self, name: str, chain: EvmChain, block_time: int = SLOT):
        self.name, self.chain = name, chain
        self.block_time = block_time
        self.w3 = chain.w3
        self.contracts: dict[str, Any] = {}
        #: contract key -> the name of its artifact (its ABI)
        self.artifacts: dict[str, str] = {}
        self._slot: int | None = None
        self._queued = 0
        # recipients of queued transactions: a node admits a transaction only if the sender can pay
        # it from the last block's state, so money received in the open block is spent in the next
        self._incoming: set[str] = set()
        #: addresses that are (or will be, once an exchange sweeps them) contracts accepting ETH
        self.contract_recipients: set[str] = set()
        self._unchecked: list[bytes] = []
        #: ERC-20 tokens the exchanges sweep from their deposit addresses
        self.sweep_tokens: set[str] = set()

    def _slot_for(self, t: int) -> int:
        g, bt = self.chain.genesis.timestamp, self.block_time
        slot = g + bt * max(1, math.ceil((t - g) / bt))
        return max(slot, self.chain.timestamp + bt)

    def _advance(self, t: int) -> int:
        slot = self._slot_for(t)
        if self._queued and self._slot is not None and slot > self._slot:
            self.flush()
            slot = self._slot_for(t)
        if not self._queued:
            self._slot = slot
        return self._slot

    def flush(self) -> None:
        if self._queued:
            self.chain.mine(max(self._slot, self.chain.timestamp + 1))
            self._queued = 0
            self._incoming.clear()
            unchecked, self._unchecked = self._unchecked, []
            self.chain.expect_success(unchecked, f"{self.name}: queued contract call")

    def queue_call(self, contract: str, function: str, args: tuple, sender: LocalAccount, t: int, *, gas: int,
                   value: int = 0) -> str:
        """Call ``function(*args)`` of the service ``contract`` (a key of :attr:`contracts`) without
        waiting for an answer: it joins the open block like a transfer.

        Nothing is estimated (``gas`` is the limit); its status is checked when the block is mined.
        ``contract`` may also be the address of a token the lab did not deploy itself (a bridge's
        wrapped token): it is called with the ERC-20 functions every lab token has.
        """
        if sender.address in self._incoming:
            self.flush()
        self._advance(t)
        if contract in self.contracts:
            to, artifact = self.contracts[contract].address, self.artifacts[contract]
        else:
            to, artifact = contract, "Stablecoin"
        data = contracts.load(artifact).encode_call(function, *args)
        h = self.chain.send(sender, to, value=value, data=data, gas=gas)
        self._queued += 1
        self._unchecked.append(h)
        return "0x" + h.hex()

    def transfer_gas(self, to: str) -> int:
        """Gas limit of a plain transfer to ``to``; a node needs ``value + gas x price`` in the sender's balance."""
        return CONTRACT_TRANSFER_GAS if to in self.contract_recipients else 21_000

    def max_transfer(self, balance: int, to: str) -> int:
        """The most an address holding ``balance`` wei can send to ``to`` in one plain transfer."""
        return balance - self.transfer_gas(to) * self.chain.fee_per_gas

    def transfer(self, sender: LocalAccount, to: str, value: int, t: int, *, data: bytes = b"",
                 gas: int | None = None) -> str:
        gas = gas or self.transfer_gas(to)
        if sender.address in self._incoming:
            self.flush()
        self._advance(t)
        h = self.chain.send(sender, to, value=value, data=data, gas=gas)
        self._queued += 1
        self._incoming.add(to)
        return "0x" + h.hex()

    def call(self, fn, sender: LocalAccount, t: int, *, value: int = 0, gas: int | None = None):
        slot = self._advance(t)
        self.flush()
        return self.chain.transact(fn, sender, value=value, gas=gas, timestamp=max(slot, self.chain.timestamp + 1))

    def deploy(self, name: str, *args, sender: LocalAccount, t: int, key: str | None = None):
        slot = self._advance(t)
        self.flush()
        art = contracts.load(name)
        c = self.chain.deploy(art.abi, art.bytecode, *args, sender=sender,
                              timestamp=max(slot, self.chain.timestamp + 1))
        self.contracts[key or name], self.artifacts[key or name] = c, name
        return c

    def deposit_address(self, exchange_actor, salt: bytes) -> str:
        """A customer's deposit address at an exchange: the CREATE2 address its deposit factory gives
        ``salt``, a contract only once the exchange sweeps it (so ETH sent there costs more gas)."""
        address = create2_address(self.contracts[exchange_actor.id].address, salt, DEPOSIT_INIT_HASH)
        self.contract_recipients.add(address)
        return address

    def controlled(self, actor) -> list[tuple[str, str]]:
        """``(address, role)`` of every address ``actor`` has used on this chain: its accounts in order
        (an exchange's first two are its operator and hot wallet)."""
        roles = {0: "operator", 1: "hot_wallet"} if actor.kind == "exchange" else {}
        return [(actor.account(i).address, roles.get(i, "wallet")) for i in range(actor.next_index)]

    def balance(self, address: str) -> int:
        self.flush()
        return self.w3.eth.get_balance(address)

    def close(self) -> None:
        self.chain.close()

    # -- what a bundle holds of this chain ------------------------------------------------
    @property
    def backend(self) -> str:
        return self.chain.backend.name

    def transactions(self) -> int:
        """Transactions mined on this chain so far (a write the node refused raises here)."""
        self.flush()
        self.chain.sync()
        return sum(len(b.txs) for b in self.chain.replay.blocks)

    def write(self, chain_dir: Path, export_dir: Path) -> None:
        """The replay log into ``chain_dir``, the ethereum-etl export into ``export_dir``."""
        from chains.evm.export import export_chain

        self.flush()
        self.chain.write_replay(chain_dir / "replay.jsonl")
        with no_traces_said():  # EXPORT_NOTES.txt says it; the CLI tells the instructor
            export_chain(self.chain, export_dir)

    @property
    def untraced(self) -> bool:
        """The backend has no trace API: the export lacks internal transfers."""
        return not self.chain.backend.caps.trace_api

    def token_balance(self, token: str, address: str) -> int:
        self.flush()
        return self.contracts[token].functions.balanceOf(address).call()


@contextlib.contextmanager
def no_traces_said():
    """Silence the export's warning that a backend has no trace API (a bundle records it in its notes)."""
    from chains.evm.export import MissingTracesWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingTracesWarning)
        yield
