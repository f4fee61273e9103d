"""The bridge relayer: watch one chain's Bridge for deposits, pay them out on the other chain.

A lock-and-mint bridge has a contract on each chain and an off-chain relayer between them (see
``chains/contracts/Bridge.sol``). For each ``Deposited`` event on the source chain addressed to the
destination chain, the relayer either

* **mints** the wrapped form of the locked asset on the destination (creating the wrapped token
  the first time an asset crosses), or
* **releases** the locked original, when the deposit burned a wrapped token coming home.

Both payouts carry the source chain id and the deposit's nonce, and the destination bridge refuses
a nonce it has already paid, so running the relayer twice, or two relayers at once, pays nothing
twice. One :class:`BridgeRelayer` relays one direction; make two for a two-way bridge.

Examples
--------
With two running chains and a Bridge deployed on each (see ``tests/chains/contracts/test_bridge.py``)::

    a_to_b = BridgeRelayer(chain_a, bridge_a, chain_b, bridge_b, sender=relayer)
    for payout in a_to_b.relay():      # call again whenever chain A has new blocks
        print(payout.action, payout.deposit.nonce, payout.tx_hash)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chains.contracts import load
from chains.evm.chain import ChainRevert

#: The zero address: how Bridge events name ETH.
ETH = "0x0000000000000000000000000000000000000000"

#: How the destination bridge refuses a nonce it has already paid out.
PAID = "Bridge: nonce already processed"

#: Name, symbol and decimals of the wrapped form of ETH on the other chain.
WRAPPED_ETH = ("Bridged Ether", "bETH", 18)


@dataclass(frozen=True)
class BridgeDeposit:
    """One ``Deposited`` event of a source-chain bridge."""

    src_chain_id: int
    nonce: int
    sender: str
    token: str
    amount: int
    dst_chain_id: int
    recipient: str
    tx_hash: str
    block_number: int
    log_index: int


@dataclass(frozen=True)
class Payout:
    """What the relayer did on the destination chain for one deposit."""

    deposit: BridgeDeposit
    action: str  # "mint" or "release"
    token: str  # the token paid out on the destination chain (zero address: ETH)
    tx_hash: str


class BridgeRelayer:
    """Relay deposits from ``src_bridge`` on ``src_chain`` to ``dst_bridge`` on ``dst_chain``.

    Parameters
    ----------
    src_chain, dst_chain : chains.evm.EvmChain
        The two chains (distinct chain ids).
    src_bridge, dst_bridge : web3 Contract
        The Bridge contract on each chain.
    sender : eth_account LocalAccount
        The relayer account of ``dst_bridge`` (its ``relayer()``), funded on ``dst_chain``.
    from_block : int
        First source block to scan; the relayer remembers where it stopped.
    """

    def __init__(self, src_chain: Any, src_bridge: Any, dst_chain: Any, dst_bridge: Any, *, sender: Any,
                 from_block: int = 0):
        self.src_chain, self.src_bridge = src_chain, src_bridge
        self.dst_chain, self.dst_bridge = dst_chain, dst_bridge
        self.sender = sender
        self.src_chain_id = src_chain.w3.eth.chain_id
        self.dst_chain_id = dst_chain.w3.eth.chain_id
        if self.src_chain_id == self.dst_chain_id:
            raise ValueError(f"source and destination chains have the same chain id {self.src_chain_id}")
        relayer = dst_bridge.functions.relayer().call()
        if relayer.lower() != sender.address.lower():
            raise ValueError(f"{sender.address} is not the relayer of the bridge at {dst_bridge.address} "
                             f"on chain {self.dst_chain_id} (its relayer is {relayer})")
        self.next_block = from_block
        # facts a bridge never changes, asked for on every payout: each is a read the node must
        # first finish every write for. Source token -> whether the source bridge made it;
        # origin token -> its wrapped form here, once made; wrapped token -> (origin chain, token)
        self._is_wrapped: dict[str, bool] = {}
        self._wrapped: dict[str, str] = {}
        self._origin: dict[str, tuple[int, str]] = {}

    # -- reading the source chain ------------------------------------------------------------
    def deposits(self) -> list[BridgeDeposit]:
        """Deposits to the destination chain in the source blocks not scanned yet, in chain order."""
        latest = self.src_chain.w3.eth.block_number
        if latest < self.next_block:
            return []
        logs = self.src_bridge.events.Deposited().get_logs(from_block=self.next_block, to_block=latest)
        self.next_block = latest + 1
        out = []
        for log in sorted(logs, key=lambda lg: (lg["blockNumber"], lg["logIndex"])):
            a = log["args"]
            if a["dstChainId"] != self.dst_chain_id:
                continue
            out.append(BridgeDeposit(self.src_chain_id, a["nonce"], a["sender"], a["token"], a["amount"],
                                     a["dstChainId"], a["recipient"], "0x" + bytes(log["transactionHash"]).hex(),
                                     log["blockNumber"], log["logIndex"]))
        return out

    # -- paying out on the destination chain -------------------------------------------------
    def relay(self) -> list[Payout]:
        """Pay out every new deposit not paid yet; return what was done, in deposit order."""
        return [p for d in self.deposits() if (p := self.pay(d)) is not None]

    def pay(self, deposit: BridgeDeposit) -> Payout | None:
        """Mint or release for one deposit; ``None`` if the destination has already paid its nonce.

        The bridge itself refuses a nonce it has paid: its revert says so, which spares asking
        ``processed`` first (a read that waits for every write before it) on every payout.
        """
        fns = self.dst_bridge.functions
        if deposit.token not in self._is_wrapped:
            self._is_wrapped[deposit.token] = self.src_bridge.functions.isWrapped(deposit.token).call()
        if self._is_wrapped[deposit.token]:
            # A wrapped token burned on its way home: release the original locked here.
            if deposit.token not in self._origin:
                wrapped = self.src_chain.w3.eth.contract(address=deposit.token, abi=load("BridgedToken").abi)
                self._origin[deposit.token] = (wrapped.functions.originChainId().call(),
                                               wrapped.functions.originToken().call())
            origin_chain, token = self._origin[deposit.token]
            if origin_chain != self.dst_chain_id:
                raise ValueError(f"deposit {deposit.nonce} burned a token from chain {origin_chain}, "
                                 f"not from chain {self.dst_chain_id}")
            fn = fns.release(deposit.src_chain_id, deposit.nonce, token, deposit.recipient, deposit.amount)
            action = "release"
        else:
            token = self.wrapped_token(deposit.token)
            fn = fns.mint(deposit.src_chain_id, deposit.nonce, deposit.token, deposit.recipient, deposit.amount)
            action = "mint"
        try:
            receipt = self.dst_chain.transact(fn, sender=self.sender)
        except ChainRevert as exc:
            if exc.reason == PAID:
                return None
            raise
        return Payout(deposit, action, token, "0x" + bytes(receipt["transactionHash"]).hex())

    def origin_of(self, wrapped: str) -> str | None:
        """The source-chain token whose wrapped form on the destination is ``wrapped`` (:data:`ETH`:
        the source chain's ETH), if this relayer made or looked it up; None otherwise.

        Read from what the relayer keeps, not from the chain: a relayer that pays every deposit of
        its route (as the lab's world does) has met every wrapped token of the route.
        """
        return next((origin for origin, w in self._wrapped.items() if w == wrapped), None)

    def wrapped_token(self, origin_token: str) -> str:
        """The destination's wrapped form of ``origin_token`` of the source chain, created if needed."""
        if origin_token in self._wrapped:
            return self._wrapped[origin_token]
        fns = self.dst_bridge.functions
        wrapped = fns.wrappedToken(self.src_chain_id, origin_token).call()
        if wrapped != ETH:
            self._wrapped[origin_token] = wrapped
            return wrapped
        if origin_token == ETH:
            name, symbol, decimals = WRAPPED_ETH
        else:
            src = self.src_chain.w3.eth.contract(address=origin_token, abi=load("Stablecoin").abi)
            name = "Bridged " + src.functions.name().call()
            symbol = "b" + src.functions.symbol().call()
            decimals = src.functions.decimals().call()
        self.dst_chain.transact(fns.createWrapped(self.src_chain_id, origin_token, name, symbol, decimals),
                                sender=self.sender)
        self._wrapped[origin_token] = fns.wrappedToken(self.src_chain_id, origin_token).call()
        return self._wrapped[origin_token]
