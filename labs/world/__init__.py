"""The world a case happens in: actors with keys and addresses, the services they use, the chains.

Every actor has a BIP-39 mnemonic of its own, derived from the scenario seed, so a phrase "found
on a suspect's device" unlocks that suspect's funds and nobody else's. Services (exchanges with
per-customer deposit addresses swept into a hot wallet, mixers, a swap pool, a stablecoin issuer)
are real contracts on the lab chains.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

from eth_account.hdaccount.mnemonic import Language, Mnemonic
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak

from chains import contracts, hd
from chains.evm import EvmChain, Genesis, derive_accounts

from . import names
from .evm_lane import CONTRACT_TRANSFER_GAS, SLOT, TRANSFER_FEE, EvmLane  # noqa: F401 (re-exported)
from ..rng import entropy, stream
from ..spec import ScenarioSpec
from ..spec.kinds import KINDS
from .truth import Truth
from ..units import DAY, ETH, HOUR, USD
from .utxo_lane import UtxoLane

_MNEMONIC = Mnemonic(Language.ENGLISH)
#: stablecoin reserves an exchange's hot wallet starts with, for its customers' withdrawals
HOT_USD = 50_000_000 * USD
#: ETH a laundering address keeps back to pay for its contract calls
GAS_RESERVE = 10**16
#: price of one ETH in stablecoin base units, where the swap pool starts
ETH_PRICE_USD = 3_000


@dataclass
class Actor:
    """A person or service in the world, with its own mnemonic and KYC record where it has one."""

    id: str
    kind: str
    name: str
    jurisdiction: str
    mnemonic: str
    kyc: dict | None = None
    next_index: int = 0
    _accounts: dict[int, LocalAccount] = field(default_factory=dict, repr=False)
    _address: str | None = field(default=None, repr=False)

    def account(self, index: int = 0) -> LocalAccount:
        if index not in self._accounts:
            self._accounts[index] = derive_accounts(self.mnemonic, 1, start=index)[0]
            self.next_index = max(self.next_index, index + 1)
        return self._accounts[index]

    def fresh_account(self) -> LocalAccount:
        """The next unused address of this actor's wallet (m/44'/60'/0'/0/i)."""
        return self.account(self.next_index)

    @property
    def address(self) -> str:
        if self._address is None:  # asked for on every background event: kept, not looked up
            self._address = self.account(0).address
        return self._address


@dataclass
class Exchange:
    actor: Actor
    operator: LocalAccount
    hot_wallet: LocalAccount
    sweep_every: int
    contract: Any = None
    #: customer id -> the customer's KYC record and deposit address
    customers: dict[str, dict] = field(default_factory=dict)
    #: actor id -> customer id
    by_actor: dict[str, str] = field(default_factory=dict)
    unswept: dict[str, None] = field(default_factory=dict)


class World:
    """Actors, services and chains of one case, and the story's state as it unfolds."""

    def __init__(self, spec: ScenarioSpec, *, backend: str = "auto", progress: Callable[[str], None] | None = None):
        self.spec, self.seed = spec, spec.seed
        self._case = ("case", spec.name, spec.trainee)
        self.progress = progress or (lambda msg: None)
        self.truth = Truth()
        self.actors: dict[str, Actor] = {}
        self._by_kind: dict[str, list[Actor]] = {}
        self._names: set[str] = set()
        self.exchanges: dict[str, Exchange] = {}
        #: chain name -> its lane (``lane.kind``: "evm" or "utxo")
        self.lanes: dict[str, EvmLane | UtxoLane] = {}
        #: EIP-155 chain id -> the name of the spec's chain with it (how bridge events name chains)
        self.chain_names = {c.chain_id: c.name for c in spec.chains if KINDS[c.kind].numbered}
        self.clock = spec.start
        #: where the proceeds are now: list of {"chain", "actor", "address", "asset", "amount"}
        self.proceeds: list[dict] = []
        self.notes: dict[str, Any] = {}
        self._background = None
        #: the case number the trainee sees (the case's name would say what happens in it)
        self.reference = names.case_reference(self.rng("reference"), _year(spec.start))
        self._build_actors()
        hd.warm([a.mnemonic for a in self.actors.values()], "")  # as both chains' wallets ask for them
        self._start_chains(backend)
        self._connect_bridges()

    # -- randomness ------------------------------------------------------------------------
    def rng(self, *names_: str | int):
        """The stream for ``names_`` in this case: the seed, the case's name and the trainee all
        enter it, so ``--seed 42`` of two cases (or of two trainees) shares no person, key or draw."""
        return stream(self.seed, *self._case, *names_)

    # -- actors ----------------------------------------------------------------------------
    def add_actor(self, kind: str, name: str, jurisdiction: str, *, kyc: dict | None = None,
                  actor_id: str | None = None) -> Actor:
        actor_id = actor_id or f"{kind}-{sum(a.kind == kind for a in self.actors.values()) + 1:03d}"
        if actor_id in self.actors:
            raise ValueError(f"actor {actor_id} exists already")
        if name in self._names:
            name = names.distinct(name, self.rng("name", actor_id), self._names)
        self._names.add(name)
        mnemonic = _MNEMONIC.to_mnemonic(entropy(self.seed, *self._case, "actor", actor_id))
        actor = Actor(actor_id, kind, name, jurisdiction, mnemonic, kyc)
        self.actors[actor_id] = actor
        self._by_kind.pop(kind, None)
        return actor

    def of_kind(self, kind: str) -> list[Actor]:
        # asked for by most background events: kept per kind until an actor is added
        if kind not in self._by_kind:
            self._by_kind[kind] = [a for a in self.actors.values() if a.kind == kind]
        return list(self._by_kind[kind])

    def _build_actors(self):
        rng = self.rng("actors")
        countries = list(names.COUNTRIES)
        self.add_actor("operator", "lab infrastructure", "--", actor_id="operator")
        self.add_actor("issuer", "Lab Dollar issuer (stablecoin)", "US", actor_id="issuer")
        self.add_actor("liquidity", "swap pool liquidity provider", "--", actor_id="liquidity")
        self.add_actor("relayer", "mixer relayer", "--", actor_id="mixer-relayer")
        self.add_actor("relayer", "bridge relayer", "--", actor_id="bridge-relayer")
        for i, ex in enumerate(self.spec.world.exchanges, 1):
            actor = self.add_actor("exchange", ex.name, ex.jurisdiction, actor_id=f"exchange-{i}")
            self.exchanges[actor.id] = Exchange(actor, actor.account(0), actor.account(1), ex.sweep_every)
        for _ in range(self.spec.world.merchants):
            self.add_actor("merchant", names.company(rng), rng.choice(countries))
        for _ in range(self.spec.world.otc_desks):
            self.add_actor("otc", names.company(rng).replace(" Ltd", " OTC"), rng.choice(["AE", "CY", "MT"]))
        for _ in range(self.spec.world.gambling_sites):
            self.add_actor("gambling", names.platform(rng).split()[0] + " Casino", rng.choice(["CY", "MT"]))
        for _ in range(self.spec.world.users):
            c = rng.choice(countries)
            self.add_actor("user", names.person(rng, c), c)
        if {"BTC", "ETH"} <= {KINDS[c.kind].coin for c in self.spec.chains}:
            # an instant swap service takes BTC and pays ETH: only a world with both coins has one
            srng = self.rng("swap-service")
            self.add_actor("swap_service", names.platform(srng).split()[0] + " Instant Swap",
                           srng.choice(["SC", "VC", "PA"]), actor_id="swap-service")

    def kyc_customer(self, exchange: Exchange, actor: Actor) -> dict:
        """Open (or find) ``actor``'s account at ``exchange``: a KYC record and a deposit address."""
        if actor.id in exchange.by_actor:
            return exchange.customers[exchange.by_actor[actor.id]]
        # a stream per (exchange, customer): a record does not depend on when it was opened
        rng = self.rng("kyc", exchange.actor.id, actor.id)
        cid = names.account_id(rng, exchange.actor.name.split()[0][:3].upper())
        rec = {"customer_id": cid, "actor": actor.id, "name": actor.kyc["name"] if actor.kyc else actor.name,
               "nationality": actor.jurisdiction, "document": f"ID-{rng.randrange(10**8, 10**9)}",
               "email": f"{actor.name.split()[0].lower()}.{rng.randrange(100, 999)}@example.org",
               "exchange": exchange.actor.name, "exchange_jurisdiction": exchange.actor.jurisdiction}
        salt = bytes.fromhex(_keccak_hex(cid.encode()))
        rec["salt"] = "0x" + salt.hex()
        rec["deposit_address"] = {}
        for lane in self.lanes.values():
            rec["deposit_address"][lane.name] = lane.deposit_address(exchange.actor, salt)
        exchange.customers[cid] = rec
        exchange.by_actor[actor.id] = cid
        return rec

    # -- chains ----------------------------------------------------------------------------
    def _genesis_alloc(self, rng) -> dict[str, int]:
        alloc = {self.actors["operator"].address: 10_000 * ETH,
                 self.actors["issuer"].address: 10 * ETH,
                 self.actors["liquidity"].address: 2_000 * ETH,
                 self.actors["mixer-relayer"].address: 10 * ETH,
                 self.actors["bridge-relayer"].address: 10 * ETH}
        if "swap-service" in self.actors:
            alloc[self.actors["swap-service"].address] = 2_000 * ETH
        for ex in self.exchanges.values():
            alloc[ex.operator.address] = 100 * ETH
            alloc[ex.hot_wallet.address] = 50_000 * ETH
        for actor in self.actors.values():
            if actor.kind in ("user", "merchant", "otc", "gambling"):
                # heavy-tailed holdings: most users hold little, a few hold a lot
                alloc[actor.address] = _round_eth(min(rng.lognormvariate(1.0, 1.3), 5_000.0) + 0.05, 3)
        return alloc

    def _start_chains(self, backend: str):
        start = {"evm": self._start_evm, "utxo": self._start_utxo}  # chain kind -> how its lane starts
        for cspec in self.spec.chains:
            start[cspec.kind](cspec, backend)

    def _start_evm(self, cspec, backend: str):
        """An EVM chain: its accounts funded at genesis, a day before the case, then the services deployed."""
        genesis_time = self.spec.start - DAY
        alloc = self._genesis_alloc(self.rng("genesis", cspec.name))
        genesis = Genesis(chain_id=cspec.chain_id, timestamp=genesis_time, alloc=alloc)
        self.progress(f"starting EVM chain {cspec.name} (chain id {cspec.chain_id})")
        # nothing reads a past block's state while a case is made: anvil need not keep it
        chain = EvmChain.from_genesis(genesis, backend, history=False)
        lane = EvmLane(cspec.name, chain, cspec.block_time)
        self.lanes[cspec.name] = lane
        self._deploy_services(lane, genesis_time + HOUR)

    def _start_utxo(self, cspec, backend: str):  # backend unused: the UTXO chain runs in process
        """The UTXO chain: funding and maturity blocks, then coins for everyone who holds BTC at the start."""
        from .utxo_lane import HOT_COIN_VALUE, HOT_COINS

        from .coinjoin import COORDINATOR, Coordinator

        self.progress(f"starting UTXO chain {cspec.name}")
        miner = self.add_actor("miner", "lab miner", "--", actor_id="miner")
        self.add_actor("coinjoin", "Lab Whirlpool (CoinJoin coordinator)", "--", actor_id=COORDINATOR)
        lane = UtxoLane(cspec.name, self.spec.start, miner, self.rng("utxo", cspec.name))
        lane.coordinator = Coordinator(self, lane)
        self.lanes[cspec.name] = lane
        rng = self.rng("genesis", cspec.name)
        payouts = []
        for ex in self.exchanges.values():
            hot = lane.hot(ex.actor)
            payouts += [(hot, HOT_COIN_VALUE)] * HOT_COINS
        for actor in self.actors.values():
            if actor.kind in ("user", "merchant", "otc", "gambling"):
                # heavy-tailed holdings, in whole 10,000 sat: most users hold little, a few hold a lot
                btc = min(rng.lognormvariate(-2.0, 1.4), 20.0) + 0.002
                payouts.append((lane.fresh_address(actor), round(btc * 10_000) * 10_000))
        # a large world can ask for more than regtest's coinbases hold: everyone then gets proportionally less
        hot_total = HOT_COIN_VALUE * HOT_COINS * len(self.exchanges)
        budget = lane.balance(miner) * 9 // 10 - hot_total
        wanted = sum(v for _, v in payouts) - hot_total
        if wanted > budget > 0:
            n = HOT_COINS * len(self.exchanges)
            payouts = payouts[:n] + [(a, max(10_000, v * budget // wanted // 10_000 * 10_000)) for a, v in payouts[n:]]
        lane.distribute(payouts, self.spec.start - DAY + HOUR)

    def _deploy_services(self, lane: EvmLane, t: int):
        op = self.actors["operator"].account(0)
        issuer = self.actors["issuer"].account(0)
        lp = self.actors["liquidity"].account(0)
        usd = lane.deploy("Stablecoin", "Lab Dollar", "LUSD", issuer.address, sender=op, t=t, key="stablecoin")
        weth = lane.deploy("WETH9", sender=op, t=t, key="weth")
        pool = lane.deploy("SwapPool", weth.address, usd.address, sender=op, t=t, key="pool")
        for denom, mixer in contracts.deploy_mixers(lane.chain, sender=op).items():
            lane.contracts[f"mixer-{denom}"], lane.artifacts[f"mixer-{denom}"] = mixer, "Mixer"
        for ex in self.exchanges.values():
            lane.deploy("ExchangeDeposits", ex.operator.address, ex.hot_wallet.address, sender=op, t=t,
                        key=ex.actor.id)
        # liquidity: 1,000 ETH against 3,000,000 LUSD, the price the case starts at
        eth_side = 1_000 * ETH
        lane.call(usd.functions.mint(lp.address, eth_side * ETH_PRICE_USD * USD // ETH), issuer, t)
        lane.call(weth.functions.deposit(), lp, t, value=eth_side)
        lane.call(weth.functions.approve(pool.address, 2**256 - 1), lp, t)
        lane.call(usd.functions.approve(pool.address, 2**256 - 1), lp, t)
        amounts = {weth.address: eth_side, usd.address: eth_side * ETH_PRICE_USD * USD // ETH}
        # the pool orders its tokens by address (token0 < token1), as Uniswap V2 does
        token0, token1 = pool.functions.token0().call(), pool.functions.token1().call()
        lane.call(pool.functions.addLiquidity(amounts[token0], amounts[token1], lp.address), lp, t)
        # exchanges hold stablecoin reserves for their customers' withdrawals
        for ex in self.exchanges.values():
            lane.call(usd.functions.mint(ex.hot_wallet.address, HOT_USD), issuer, t)

    def _connect_bridges(self):
        """A lock-and-mint bridge between every two EVM chains, with its relayer."""
        from chains.bridge_relayer import BridgeRelayer

        evm = [lane for lane in self.lanes.values() if lane.runs_contracts]
        self.bridges: dict[tuple[str, str], BridgeRelayer] = {}
        #: source-chain deposit tx hash -> what the relayer paid for it on the destination
        self.bridge_payouts: dict[str, Any] = {}
        if len(evm) < 2:
            return
        relayer = self.actors["bridge-relayer"].account(0)
        op = self.actors["operator"].account(0)
        for lane in evm:
            lane.deploy("Bridge", relayer.address, sender=op, t=lane.chain.timestamp + lane.block_time, key="bridge")
        for src in evm:
            for dst in evm:
                if src is not dst:
                    self.bridges[(src.name, dst.name)] = BridgeRelayer(
                        src.chain, src.contracts["bridge"], dst.chain, dst.contracts["bridge"], sender=relayer,
                        from_block=src.chain.w3.eth.block_number + 1)

    def mixer_note(self, chain: str, denomination: int, actor: Actor, address: str, tx, t: int) -> dict:
        """Record a deposit into a mixer pool (``tx``: its hash, or its receipt) in the key's table of
        every user's notes; the withdrawal fills in the rest of the returned row when it is made."""
        if not isinstance(tx, str):
            tx = "0x" + bytes(tx["transactionHash"]).hex()
        row = {"chain": chain, "denomination": denomination, "pool": self.lanes[chain].contracts[
            f"mixer-{denomination}"].address, "depositor": actor.id, "deposit_from": address, "deposit_tx": tx,
            "deposit_time": t, "withdraw_tx": None, "recipient": None, "recipient_actor": None,
            "withdraw_time": None, "fee": None, "relayer": None}
        self.truth.mixer_notes.append(row)
        return row

    def relay(self, src: str, dst: str, t: int) -> list:
        """The bridge relayer pays out on ``dst``, at about ``t``, every deposit made on ``src`` so far.

        Story and background deposits are relayed alike, whichever comes first: a payout is then
        found in :attr:`bridge_payouts` by its deposit's tx hash.
        """
        d = self.lanes[dst]
        self.lanes[src].flush()
        d.flush()
        d.chain.advance(max(0, t - d.chain.timestamp - d.chain.block_time))
        payouts = self.bridges[(src, dst)].relay()
        for po in payouts:
            self.bridge_payouts[po.deposit.tx_hash] = po
        return payouts

    def bridge_origin(self, chain: str, token: str) -> tuple[str, str] | None:
        """``(chain, token)`` a token of ``chain`` is the bridge's wrapped form of (the zero address:
        the other chain's ETH), or None if the bridge did not make it. Its relayers know: every
        wrapped token is made by the relayer that pays the deposits of its route."""
        for (src, dst), relayer in self.bridges.items():
            if dst == chain and (origin := relayer.origin_of(token)) is not None:
                return src, origin
        return None

    # -- time ------------------------------------------------------------------------------
    def at(self, t: int) -> int:
        """Move the story clock to ``t`` (never back), running the background activity up to it."""
        t = max(int(t), self.clock)
        if self._background is not None:
            self._background.run_until(t)
        self.clock = t
        return t

    def crowd(self, service: str, event: str, chain: str, start: int, end: int, make) -> None:
        """Ask the background for the crowd the case's difficulty promises around one use of
        ``service`` (a kind of ``labs.difficulty.FLOORS``): events ``crowd_<event>`` on ``chain``
        between ``start`` and ``end``, each with the data ``make(rng)`` draws."""
        from ..difficulty import crowd_size

        if self._background is not None:
            self._background.crowd(event, chain, start, end, crowd_size(self.spec.difficulty, service), make)

    def close(self):
        for lane in self.lanes.values():
            lane.close()


def _year(t: int) -> int:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.UTC).year


def _round_eth(x: float, places: int) -> int:
    return round(x * 10**places) * (ETH // 10**places)


def _keccak_hex(data: bytes) -> str:
    return keccak(data).hex()
