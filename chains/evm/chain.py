"""A lab EVM chain: accounts from a mnemonic, simulated time, deterministic signing, a replay log.

About 400 lines, one class: :class:`EvmChain` is what the lab drives on every backend (the seam is
:mod:`chains.evm.backends`); signing lives in :mod:`chains.evm.txsign`, the writes' worker thread
in :mod:`chains.evm.writes`, the log in :mod:`chains.evm.replay`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3.contract.contract import Contract, ContractFunction
from web3.exceptions import ContractLogicError, TransactionNotFound

from .backends import Backend, TransactionRejected, open_backend
from .genesis import DEFAULT_BALANCE, DEFAULT_GENESIS_TIME, DEFAULT_GAS_LIMIT, DEFAULT_MNEMONIC, Genesis, funded_genesis
from .replay import ReplayBlock, ReplayLog
from .txsign import SignedTx, Signer
from .writes import OrderedWrites, ReadBarrier

#: Fees every lab transaction carries: fixed, so the same inputs sign to the same bytes. The base
#: fee stays zero (blocks never exceed the gas target), so the cap is the tip: a node checks that
#: a sender can pay gas x cap, and an address can then send "everything but the fee" exactly.
MAX_PRIORITY_FEE_PER_GAS = 10**9
MAX_FEE_PER_GAS = MAX_PRIORITY_FEE_PER_GAS
DEFAULT_BLOCK_TIME = 12
#: transactions per JSON-RPC batch
_RPC_CHUNK = 500
#: mined blocks whose contents a node process is asked for in one batch (every block is checked)
_VERIFY_BATCH = 100


class ChainRevert(RuntimeError):
    """A transaction would revert; ``reason`` is the contract's revert string."""

    def __init__(self, reason: str, tx: dict | None = None):
        self.reason, self.tx = reason, tx
        super().__init__(f"transaction reverted: {reason}")


class ReplayMismatch(RuntimeError):
    """A replayed chain diverged from its log."""


def _revert_reason(exc: Exception) -> str:
    msg = getattr(exc, "message", None) or (exc.args[0] if exc.args else str(exc))
    return str(msg).removeprefix("execution reverted: ").removeprefix("execution reverted")


try:  # the pure-Python backend raises its own error where a node answers with a revert
    from eth_tester.exceptions import TransactionFailed as _TesterRevert
except ImportError:  # pragma: no cover
    _TesterRevert = ContractLogicError
_REVERTS = (ContractLogicError, _TesterRevert)


class EvmChain:
    """A running lab EVM chain.

    Transactions are signed here with explicit nonces, gas and fees, queued on the node, and
    mined into a block at a timestamp the caller chooses (or ``block_time`` seconds after the
    last). Every mined block is appended to :attr:`replay`.

    Examples
    --------
    >>> with EvmChain.start("pyevm", accounts=2) as chain:
    ...     alice, bob = chain.accounts
    ...     h = chain.send(alice, bob.address, value=10**18)
    ...     chain.mine()
    ...     chain.w3.eth.get_balance(bob.address) - 10**6 * 10**18
    1
    1000000000000000000
    """

    def __init__(self, backend: Backend, accounts: Sequence[LocalAccount] = (), *,
                 block_time: int = DEFAULT_BLOCK_TIME):
        self.backend = backend
        self.w3 = backend.w3
        self.genesis = backend.genesis
        self.chain_id = backend.genesis.chain_id
        self.accounts = list(accounts)
        self.block_time = block_time
        self.replay = ReplayLog(backend.genesis)
        self.timestamp = backend.genesis.timestamp
        self._signers: dict[str, Signer] = {}
        self._nonces: dict[str, int] = {}
        self._pending: list[SignedTx] = []
        self._pending_gas = 0
        self._unsent: list[SignedTx] = []
        #: blocks the node mined whose transactions are not checked yet: (number, what the lab sent)
        self._unverified: list[tuple[int, list[SignedTx]]] = []
        #: the node is at its genesis, and every transaction it gets will be signed here (not so
        #: for a chain rebuilt from a log, or one whose node is served to other clients)
        self._sole_writer = self.w3.eth.block_number == 0
        # On a node process, writes (sends, mining, receipt checks) run in order on one worker
        # thread, so the node works while Python goes on; every read through ``w3`` first waits
        # for them (the barrier middleware), so a read always sees every write made before it.
        self._pipelined = backend.caps.rpc_url
        self._writes = OrderedWrites()
        self._unsynced_read = False
        if self._pipelined:
            self.w3.middleware_onion.add(lambda w3: ReadBarrier(w3, self._before_read), name="tracelab-barrier")

    @classmethod
    def start(cls, backend: str = "auto", *, chain_id: int = 1337, mnemonic: str = DEFAULT_MNEMONIC,
              accounts: int = 10, balance: int = DEFAULT_BALANCE, genesis_time: int = DEFAULT_GENESIS_TIME,
              gas_limit: int = DEFAULT_GAS_LIMIT, block_time: int = DEFAULT_BLOCK_TIME,
              extra_alloc: dict[str, int] | None = None, **backend_options) -> EvmChain:
        """Start a chain whose first ``accounts`` accounts of ``mnemonic`` hold ``balance`` wei."""
        genesis, accts = funded_genesis(mnemonic, accounts, balance=balance, chain_id=chain_id,
                                        timestamp=genesis_time, gas_limit=gas_limit, extra_alloc=extra_alloc)
        return cls(open_backend(backend, genesis, mnemonic=mnemonic, **backend_options), accts, block_time=block_time)

    @classmethod
    def from_genesis(cls, genesis: Genesis, backend: str = "auto", **backend_options) -> EvmChain:
        return cls(open_backend(backend, genesis, **backend_options))

    @property
    def fee_per_gas(self) -> int:
        """What a lab transaction pays per gas used: the tip, as the base fee stays zero."""
        return MAX_PRIORITY_FEE_PER_GAS

    # -- signing ---------------------------------------------------------------------------
    def _signer(self, account: LocalAccount) -> Signer:
        signer = self._signers.get(account.address)
        if signer is None:
            signer = self._signers[account.address] = Signer(account.key, account.address)
        return signer

    def next_nonce(self, address: str) -> int:
        if address not in self._nonces:
            if self._sole_writer:  # every transaction on the node came from here: none from this address
                self._nonces[address] = 0
                return 0
            # no transaction of this address is in flight (it would have a nonce here), so the
            # node's count is already right: no need to wait for the writes before it
            self._unsynced_read = True
            try:
                self._nonces[address] = self.w3.eth.get_transaction_count(address, "latest")
            finally:
                self._unsynced_read = False
        return self._nonces[address]

    def sign(self, sender: LocalAccount, to: str | None, *, value: int = 0, data: bytes = b"", gas: int = 21_000,
             nonce: int | None = None) -> SignedTx:
        nonce = self.next_nonce(sender.address) if nonce is None else nonce
        tx = self._signer(sender).sign(chain_id=self.chain_id, nonce=nonce, to=to, value=value, data=data, gas=gas,
                                       max_fee_per_gas=MAX_FEE_PER_GAS,
                                       max_priority_fee_per_gas=MAX_PRIORITY_FEE_PER_GAS)
        self._nonces[sender.address] = nonce + 1
        return tx

    # -- sending and mining ----------------------------------------------------------------
    @property
    def block_gas_target(self) -> int:
        """Gas a lab block may hold: the EIP-1559 target, half the limit.

        Blocks at or under the target never raise the base fee, so from a zero genesis base fee it
        stays zero, and anvil and py-evm (which differ on how they leave a zero base fee) charge the
        same fees: a chain replays on either with the same balances.
        """
        return self.genesis.gas_limit // 2

    def submit(self, txs: Iterable[SignedTx]) -> list[bytes]:
        """Queue signed transactions, mining a block first whenever the next would not fit.

        ``txs`` may be a generator: on a node process, chunks go out on a sender thread while the
        next ones are still being signed here.
        """
        hashes: list[bytes] = []
        batch: list[SignedTx] = []
        target = self.block_gas_target
        for tx in txs:
            if tx.gas > target:
                raise ValueError(f"tx gas {tx.gas} exceeds the block gas target {target} (half the gas limit)")
            if self._pending_gas + tx.gas > target:
                self._flush(batch)
                batch = []
                self.mine()
            batch.append(tx)
            hashes.append(tx.hash)
            self._pending_gas += tx.gas
            if len(batch) >= _RPC_CHUNK:
                self._flush(batch)
                batch = []
        self._flush(batch)
        return hashes

    def _flush(self, batch: list[SignedTx]):
        if not batch:
            return
        self._pending.extend(batch)
        if self._pipelined:
            # gathered into chunks: one transaction a request would cost a round trip each
            self._unsent.extend(batch)
            if len(self._unsent) >= _RPC_CHUNK:
                self._dispatch()
        else:
            self._send_checked(batch)

    def _dispatch(self):
        """Hand the gathered transactions to the worker."""
        batch, self._unsent = self._unsent, []
        if batch:
            self._writes.submit(self._send_checked, batch)

    def _before_read(self):
        if not self._unsynced_read:
            self.sync()

    def _send_checked(self, batch: list[SignedTx]):
        for tx, h in zip(batch, self.backend.send_raw([t.raw for t in batch]), strict=True):
            if h != tx.hash:
                raise RuntimeError(f"node returned hash 0x{h.hex()} for tx 0x{tx.hash.hex()}")

    def _mine_checked(self, timestamp: int, number: int, txs: list[SignedTx]):
        got = self.backend.mine(timestamp)
        if got != number:
            raise RuntimeError(f"the node mined block {got} where the lab expected block {number}: "
                               "did something else mine on it?")
        self._unverified.append((number, txs))
        # a node process is asked for a hundred blocks at once (at the latest when the lab next
        # reads or syncs): a round trip a block would cost as much as the mining
        if not self._pipelined or len(self._unverified) >= _VERIFY_BATCH:
            self._verify_mined()

    def _verify_mined(self):
        """Check that each mined block holds the lab's transactions in the lab's order: the replay log
        says so, and a node may keep one back (a nonce gap, a balance short at mining time) or order
        them its own way."""
        pending, self._unverified = self._unverified, []
        if not pending:
            return
        for (number, txs), mined in zip(pending, self.backend.blocks_tx_hashes([n for n, _ in pending]),
                                        strict=True):
            if mined != [t.hash for t in txs]:
                kept = len({t.hash for t in txs} - set(mined))
                if kept:
                    raise TransactionRejected(f"block {number}: the node mined {len(mined)} of the {len(txs)} "
                                              f"transactions sent for it ({kept} kept back)")
                raise RuntimeError(f"block {number}: the node mined the {len(txs)} transactions sent for it "
                                   "in another order")

    def _statuses_checked(self, hashes: Sequence[bytes], what: str):
        try:
            statuses = self.backend.receipt_statuses(hashes)
        except TransactionNotFound:
            self._verify_mined()  # a block that lacks the transaction says why
            raise
        for h, status in zip(hashes, statuses, strict=True):
            if status != 1:
                raise ChainRevert(f"{what} 0x{h.hex()} reverted on chain", {"hash": "0x" + h.hex()})

    def sync(self) -> None:
        """Wait until the node has done every write made so far; a failed one raises here."""
        self._dispatch()
        if self._writes.pending:  # the blocks mined since the last sync are checked before it returns
            self._writes.submit(self._verify_mined)
        self._writes.wait()

    def expect_success(self, hashes: Sequence[bytes], what: str = "transaction") -> None:
        """Check that the mined transactions ``hashes`` did not revert; a revert raises
        :class:`ChainRevert` (on a node process at the next read or :meth:`sync`, so nothing waits)."""
        if not hashes:
            return
        if self._pipelined:
            self._writes.submit(self._statuses_checked, list(hashes), what)
        else:
            self._statuses_checked(hashes, what)

    def send(self, sender: LocalAccount, to: str | None, *, value: int = 0, data: bytes = b"",
             gas: int = 21_000) -> bytes:
        """Sign and queue one transaction; it is mined by the next :meth:`mine`."""
        tx = self.sign(sender, to, value=value, data=data, gas=gas)
        self.submit([tx])
        return tx.hash

    def send_batch(self, txs: Iterable[dict]) -> list[bytes]:
        """Sign and queue many transactions (dicts of :meth:`sign`'s arguments plus ``sender``)."""
        return self.submit(self.sign(t["sender"], t.get("to"), value=t.get("value", 0), data=t.get("data", b""),
                                     gas=t.get("gas", 21_000)) for t in txs)

    def mine(self, timestamp: int | None = None) -> int:
        """Mine the queued transactions into one block at ``timestamp`` (default: last + block_time)."""
        ts = self.timestamp + self.block_time if timestamp is None else int(timestamp)
        if ts <= self.timestamp:
            raise ValueError(f"block timestamp {ts} is not after the previous block's {self.timestamp}: "
                             "simulated time only moves forward")
        number = (self.replay.blocks[-1].number if self.replay.blocks else 0) + 1
        if self._pipelined:
            self._dispatch()
            self._writes.submit(self._mine_checked, ts, number, self._pending)
        else:
            self._mine_checked(ts, number, self._pending)
        self.timestamp = ts
        self.replay.blocks.append(ReplayBlock(number, ts, tuple(t.raw for t in self._pending)))
        self._pending, self._pending_gas = [], 0
        return number

    def advance(self, seconds: int) -> None:
        """Let simulated time pass: the next default block is ``seconds`` later than it would be."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self.timestamp += seconds

    # -- contracts -------------------------------------------------------------------------
    @staticmethod
    def _tx_fields(fn: ContractFunction) -> tuple[str, bytes]:
        return fn.address, bytes.fromhex(fn._encode_transaction_data()[2:])

    def estimate(self, sender: LocalAccount, to: str | None, data: bytes, value: int = 0) -> int:
        """Gas for a call, with a margin; a call that would revert raises :class:`ChainRevert`."""
        # a zero price: the estimate is about gas, and py-evm's search would otherwise require the
        # sender to afford every gas limit it tries, up to the block's
        tx = {"from": sender.address, "data": "0x" + data.hex(), "value": value, "gasPrice": 0}
        if to:
            tx["to"] = to
        try:
            # a reverting call fails the estimate too, with the contract's reason
            return self.w3.eth.estimate_gas(tx) * 5 // 4 + 10_000
        except _REVERTS as exc:
            raise ChainRevert(_revert_reason(exc), tx) from None

    def transact(self, fn: ContractFunction, sender: LocalAccount, *, value: int = 0, gas: int | None = None,
                 timestamp: int | None = None) -> dict:
        """Call a contract function in a transaction of its own, mined at once; return its receipt.

        A call that would revert raises :class:`ChainRevert` with the contract's reason and sends
        nothing. With ``gas`` given, nothing is estimated; a revert is then found mined (status 0)
        and raised without a reason.
        """
        if self._pending:
            self.mine()
        to, data = self._tx_fields(fn)
        gas = gas or self.estimate(sender, to, data, value)
        h = self.send(sender, to, value=value, data=data, gas=gas)
        self.mine(timestamp)
        rec = self.w3.eth.get_transaction_receipt(h)
        if rec["status"] != 1:
            raise ChainRevert("reverted on chain", {"hash": "0x" + h.hex()})
        return rec

    def deploy(self, abi: list, bytecode: str | bytes, *args, sender: LocalAccount, value: int = 0,
               timestamp: int | None = None) -> Contract:
        """Deploy a contract in a transaction of its own, mined at once."""
        if self._pending:
            self.mine()
        factory = self.w3.eth.contract(abi=abi, bytecode=bytecode)
        data = bytes.fromhex(factory.constructor(*args).data_in_transaction[2:])
        gas = self.estimate(sender, None, data, value)
        h = self.send(sender, None, value=value, data=data, gas=gas)
        self.mine(timestamp)
        receipt = self.w3.eth.get_transaction_receipt(h)
        if receipt["status"] != 1 or not receipt["contractAddress"]:
            raise ChainRevert("deployment failed", {"hash": h.hex()})
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=abi)

    def contract(self, address: str, abi: list) -> Contract:
        return self.w3.eth.contract(address=address, abi=abi)

    # -- snapshots and replay ---------------------------------------------------------------
    def snapshot(self) -> tuple[Any, int, int, dict]:
        if self._pending:
            self.mine()
        self.sync()
        return (self.backend.snapshot(), len(self.replay.blocks), self.timestamp, dict(self._nonces))

    def revert(self, snap: tuple[Any, int, int, dict]) -> None:
        backend_id, n_blocks, timestamp, nonces = snap
        self.sync()
        self.backend.revert(backend_id)
        del self.replay.blocks[n_blocks:]
        self.timestamp, self._nonces = timestamp, dict(nonces)
        self._pending, self._pending_gas = [], 0

    def write_replay(self, path: str | Path) -> Path:
        if self._pending:
            self.mine()
        self.sync()  # a log of blocks the node did not accept would replay to nothing
        return self.replay.write(path)

    @classmethod
    def rebuild(cls, log: ReplayLog | str | Path, backend: str = "auto", *, progress=None,
                **backend_options) -> EvmChain:
        """Rebuild a chain from its replay log: every block must come out with the logged
        transactions in the logged order, else :class:`ReplayMismatch`.

        On a node process the blocks go through the same pipeline as the lab's own writes;
        ``progress(block)`` is called every hundred blocks the node has mined, and at the last.
        """
        from eth_hash.auto import keccak

        if not isinstance(log, ReplayLog):
            log = ReplayLog.read(log)
        chain = cls.from_genesis(log.genesis, backend, **backend_options)
        chain._sole_writer = False  # the log's transactions were signed elsewhere: ask the node for nonces
        try:
            for i, block in enumerate(log.blocks):
                if block.number != i + 1:
                    raise ReplayMismatch(f"the log has block {block.number} where block {i + 1} belongs")
                try:
                    chain._flush([SignedTx(raw, keccak(raw), "", 0, 0) for raw in block.txs])
                    chain.mine(block.timestamp)
                except Exception as exc:  # found at once: this block's
                    raise ReplayMismatch(f"block {block.number}: {exc}") from exc
                if i % 100 == 99 or i == len(log.blocks) - 1:
                    try:
                        chain.sync()
                    except Exception as exc:  # found by the node: the message names the block
                        raise ReplayMismatch(str(exc)) from exc
                    if progress:
                        progress(block)
        except BaseException:
            chain.close()
            raise
        return chain

    def close(self) -> None:
        self._writes.close()
        self.backend.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
