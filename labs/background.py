"""Background activity: the ordinary users and services whose transactions a trainee must see through.

Planned from its own random stream over the case's days, with a daily rhythm and heavy-tailed
amounts, and run lazily as the story's clock advances, so laundering transactions land in blocks
among ordinary ones. Ordinary users also use the mixer, the bridge, the swap pool, the instant swap
service, the OTC desks and the exchanges: that is the anonymity set.
"""
from __future__ import annotations

import heapq
import itertools
import math

from eth_hash.auto import keccak

from chains.utxo.params import COIN
from chains.utxo.wallet import round_amount

from .world import ETH, GAS_RESERVE, HOT_USD, TRANSFER_FEE, USD, World

DAY = 86_400
#: relative weight of each hour of the day (UTC): quiet at night, busy in the evening
HOURLY = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 9, 10, 11, 12, 11, 9, 6, 3]
SWEEP_BATCH = 10
#: gas limit of a sweep: deploying a deposit address takes ~420k, the transfers far less. A fixed
#: limit spares an estimate (which would wait for every block before it), and lets the sweep join
#: the open block instead of a block of its own
SWEEP_GAS_BASE, SWEEP_GAS_PER_ADDRESS = 60_000, 500_000
#: gas limits of background contract calls, each about twice what it uses at most (a fixed limit
#: spares an estimate; ``tests/labs/test_background.py`` checks the margins)
MIXER_GAS = 200_000
BRIDGE_GAS = 150_000
WRAP_GAS, APPROVE_GAS, SWAP_GAS, TOKEN_GAS = 100_000, 100_000, 200_000, 100_000
KINDS = {"p2p": 40, "merchant": 20, "deposit": 15, "withdraw": 15, "mix": 4, "gamble": 6, "bridge": 3, "swap": 3,
         "instant": 2, "otc": 2, "stable": 5}
#: the instant swap service's fee on ordinary orders, in basis points
INSTANT_FEE_BPS = 100


class Background:
    def __init__(self, world: World):
        self.world = world
        self.rng = world.rng("background")
        self.heap: list[tuple[int, int, str, tuple]] = []
        self._seq = itertools.count()
        self.balances: dict[str, int] = {}
        #: (chain, address) -> stablecoin base units it holds at least (swaps' proceeds are not counted)
        self.stable: dict[tuple[str, str], int] = {}
        self.executed = 0
        self._shown = -1
        spec = world.spec
        self.end = spec.start + spec.background.days * DAY
        self.users = world.of_kind("user")
        # every chain, UTXO included: the spec's transactions are spread across them evenly
        evm = [name for name, lane in world.lanes.items()]
        for lane in world.lanes.values():
            if lane.kind == "utxo":
                continue
            for addr, bal in lane.chain.genesis.alloc.items():
                self.balances[(lane.name, addr)] = bal
            for ex in world.exchanges.values():
                self.stable[(lane.name, ex.hot_wallet.address)] = HOT_USD
        kinds, weights = zip(*KINDS.items())
        if evm and len(self.users) >= 2:
            for _ in range(spec.background.transactions):
                day = self.rng.randrange(spec.background.days)
                hour = self.rng.choices(range(24), HOURLY)[0]
                t = spec.start + day * DAY + hour * 3600 + self.rng.randrange(3600)
                kind, chain = self.rng.choices(kinds, weights)[0], self.rng.choice(evm)
                if world.lanes[chain].kind == "utxo":
                    kind = "u_" + kind
                self.push(t, kind, (chain,))
        for ex in world.exchanges.values():
            for t in range(spec.start + ex.sweep_every, self.end + ex.sweep_every, ex.sweep_every):
                self.push(t, "sweep", (ex.actor.id,))

    def push(self, t: int, kind: str, data: tuple):
        heapq.heappush(self.heap, (t, next(self._seq), kind, data))

    def run_until(self, t: int):
        start, days = self.world.spec.start, self.world.spec.background.days
        while self.heap and self.heap[0][0] <= t:
            when, _, kind, data = heapq.heappop(self.heap)
            getattr(self, "_" + kind)(when, *data)
            quarter = (when - start) * 4 // DAY  # progress every 6 simulated hours
            if quarter > self._shown:
                self._shown = quarter
                self.world.progress(f"background: simulated day {min(quarter // 4 + 1, days)} of {days}, "
                                    f"{self.executed:,} transactions")

    def finish(self):
        """Run what is left, up to the end of the case's span (or the story's end, if later)."""
        end = max(self.end, self.world.clock)
        for ex in self.world.exchanges.values():
            self.push(end + 600, "sweep", (ex.actor.id,))
        self.run_until(end + 600)
        # a bridge pays out every deposit, the last ones too; other late events are dropped
        for when, _, kind, data in sorted(self.heap):
            if kind == "relay":
                self._relay(when, *data)
        self.heap.clear()

    # -- helpers ---------------------------------------------------------------------------
    def _amount(self, chain: str, address: str, fraction: float) -> int:
        bal = self.balances.get((chain, address), 0)
        budget = bal - 3 * GAS_RESERVE
        if budget <= ETH // 100:
            return 0
        x = min(budget * fraction * self.rng.paretovariate(2.5) / 3, budget * 0.8)
        wei = int(x) - int(x) % 10**14
        if self.rng.random() < 0.4 and wei > ETH // 10:
            wei -= wei % (ETH // 10)  # people pick round amounts
        return wei

    def _send(self, chain: str, sender, to: str, value: int, t: int) -> str:
        lane = self.world.lanes[chain]
        h = lane.transfer(sender, to, value, t)
        self.balances[(chain, sender.address)] = self.balances.get((chain, sender.address), 0) - value - TRANSFER_FEE
        self.balances[(chain, to)] = self.balances.get((chain, to), 0) + value
        self.executed += 1
        return h

    # -- event kinds -----------------------------------------------------------------------
    def _p2p(self, t, chain):
        a, b = self.rng.sample(self.users, 2)
        value = self._amount(chain, a.address, 0.1)
        if value:
            self._send(chain, a.account(0), b.address, value, t)

    def _merchant(self, t, chain):
        merchants = self.world.of_kind("merchant")
        if not merchants:
            return self._p2p(t, chain)
        a = self.rng.choice(self.users)
        value = self._amount(chain, a.address, 0.03)
        if value:
            self._send(chain, a.account(0), self.rng.choice(merchants).address, value, t)

    def _gamble(self, t, chain):
        sites = self.world.of_kind("gambling")
        if not sites:
            return self._p2p(t, chain)
        a, site = self.rng.choice(self.users), self.rng.choice(sites)
        value = self._amount(chain, a.address, 0.05)
        if value:
            self._send(chain, a.account(0), site.address, value, t)
            if self.rng.random() < 0.3:  # a win, paid out later
                self.push(t + self.rng.randint(600, DAY), "payout", (chain, site.id, a.id, value * 2))

    def _payout(self, t, chain, site_id, user_id, value):
        site, user = self.world.actors[site_id], self.world.actors[user_id]
        if self.balances.get((chain, site.address), 0) > value + GAS_RESERVE:
            self._send(chain, site.account(0), user.address, value, t)

    def _deposit(self, t, chain):
        a = self.rng.choice(self.users)
        ex = self.rng.choice(list(self.world.exchanges.values()))
        value = self._amount(chain, a.address, 0.2)
        if not value:
            return
        rec = self.world.kyc_customer(ex, a)
        ex.unswept[rec["customer_id"]] = None
        self._send(chain, a.account(0), rec["deposit_address"][chain], value, t)

    def _withdraw(self, t, chain):
        a = self.rng.choice(self.users)
        ex = self.rng.choice(list(self.world.exchanges.values()))
        value = int(ETH * min(self.rng.lognormvariate(-0.5, 1.2), 200.0))
        value -= value % 10**15
        if value:
            self._send(chain, ex.hot_wallet, a.address, value, t)

    def _mix(self, t, chain):
        """An ordinary user mixes 0.1 or 1 ETH and withdraws it later to a fresh address of their own."""
        lane = self.world.lanes[chain]
        a = self.rng.choice(self.users)
        denom = self.rng.choice([ETH // 10, ETH // 10, ETH])
        if self.balances.get((chain, a.address), 0) < denom + 3 * GAS_RESERVE:
            return
        secret, nullifier = self.rng.randbytes(32), self.rng.randbytes(32)
        commitment = keccak(secret + nullifier)  # Mixer.commitmentOf
        h = lane.queue_call(f"mixer-{denom}", "deposit", (commitment,), a.account(0), t, value=denom, gas=MIXER_GAS)
        note = self.world.mixer_note(chain, denom, a, a.address, h, t)
        self.balances[(chain, a.address)] -= denom + GAS_RESERVE
        self.executed += 1
        delay = int(3600 * math.exp(self.rng.uniform(0, math.log(24 * 14))))
        self.push(t + delay, "unmix", (chain, a.id, denom, secret, nullifier, note))

    def _unmix(self, t, chain, user_id, denom, secret, nullifier, note):
        lane = self.world.lanes[chain]
        user, relayer = self.world.actors[user_id], self.world.actors["mixer-relayer"].account(0)
        fresh = user.fresh_account()
        fee = denom * 30 // 10_000
        h = lane.queue_call(f"mixer-{denom}", "withdraw", (secret, nullifier, fresh.address, relayer.address, fee),
                            relayer, t, gas=MIXER_GAS)
        note.update(withdraw_tx=h, recipient=fresh.address, recipient_actor=user.id, withdraw_time=t, fee=fee,
                    relayer=True)
        self.balances[(chain, fresh.address)] = denom - fee
        self.executed += 1

    def _bridge(self, t, chain):
        """An ordinary user moves ETH to another chain, mostly to their own address there."""
        routes = [dst for (src, dst) in self.world.bridges if src == chain]
        if not routes:
            return self._p2p(t, chain)
        lane = self.world.lanes[chain]
        a, dst = self.rng.choice(self.users), self.rng.choice(routes)
        value = self._amount(chain, a.address, 0.2)
        if not value:
            return
        to = a.address if self.rng.random() < 0.7 else a.fresh_account().address
        lane.queue_call("bridge", "depositETH", (self.world.lanes[dst].chain.chain_id, to), a.account(0), t,
                        value=value, gas=BRIDGE_GAS)
        self.balances[(chain, a.address)] -= value + GAS_RESERVE
        self.executed += 1
        self.push(t + self.rng.randint(120, 1200), "relay", (chain, dst))

    def _relay(self, t, src, dst):
        self.world.relay(src, dst, t)

    def _swap(self, t, chain):
        """An ordinary user buys stablecoin: wrap ETH, approve the pool, swap (three calls in one block)."""
        lane = self.world.lanes[chain]
        a = self.rng.choice(self.users)
        value = self._amount(chain, a.address, 0.1)
        if not value:
            return
        weth, pool, account = lane.contracts["weth"].address, lane.contracts["pool"].address, a.account(0)
        lane.queue_call("weth", "deposit", (), account, t, value=value, gas=WRAP_GAS)
        lane.queue_call("weth", "approve", (pool, value), account, t, gas=APPROVE_GAS)
        lane.queue_call("pool", "swapExactIn", (weth, value, 0, a.address), account, t, gas=SWAP_GAS)
        self.balances[(chain, a.address)] -= value + 3 * GAS_RESERVE
        self.executed += 3

    def _otc(self, t, chain):
        """An ordinary user sells ETH to an OTC desk, or buys from one."""
        desks = self.world.of_kind("otc")
        if not desks:
            return self._p2p(t, chain)
        a, desk = self.rng.choice(self.users), self.rng.choice(desks)
        if self.rng.random() < 0.5:
            value = self._amount(chain, a.address, 0.3)
            if value:
                self._send(chain, a.account(0), desk.address, value, t)
        else:
            value = self._amount(chain, desk.address, 0.05)
            if value:
                self._send(chain, desk.account(0), a.address, value, t)

    def _stable(self, t, chain):
        """Stablecoin traffic: a customer withdraws LUSD from an exchange, or a holder pays LUSD on
        (to another user, a merchant, or their own account at an exchange)."""
        lane = self.world.lanes[chain]
        holders = [u for u in self.users if self.stable.get((chain, u.address), 0) >= 10 * USD
                   and self.balances.get((chain, u.address), 0) > 3 * GAS_RESERVE]
        if not holders or self.rng.random() < 0.4:
            a, ex = self.rng.choice(self.users), self.rng.choice(list(self.world.exchanges.values()))
            amount = int(USD * min(self.rng.lognormvariate(5.5, 1.3), 50_000.0))
            amount -= amount % USD  # whole dollars
            if amount and self.stable[(chain, ex.hot_wallet.address)] >= amount:
                self._pay_stable(lane, ex.hot_wallet, a.address, amount, t)
            return
        a = self.rng.choice(holders)
        amount = self.stable[(chain, a.address)] * self.rng.randint(10, 100) // 100
        amount -= amount % USD
        where, merchants = self.rng.random(), self.world.of_kind("merchant")
        if where < 0.5:
            to = self.rng.choice([u for u in self.users if u is not a]).address
        elif where < 0.7 and merchants:
            to = self.rng.choice(merchants).address
        else:
            ex = self.rng.choice(list(self.world.exchanges.values()))
            rec = self.world.kyc_customer(ex, a)
            ex.unswept[rec["customer_id"]] = None
            to = rec["deposit_address"][chain]
        self._pay_stable(lane, a.account(0), to, amount, t)

    def _pay_stable(self, lane, sender, to: str, amount: int, t: int):
        lane.queue_call("stablecoin", "transfer", (to, amount), sender, t, gas=TOKEN_GAS)
        chain = lane.name
        self.stable[(chain, sender.address)] -= amount
        self.stable[(chain, to)] = self.stable.get((chain, to), 0) + amount
        self.balances[(chain, sender.address)] = self.balances.get((chain, sender.address), 0) - GAS_RESERVE
        self.executed += 1

    # the instant swap service takes BTC only: on an EVM chain, its payouts follow ``_u_instant``
    _instant = _p2p

    def _sweep(self, t, exchange_id):
        ex = self.world.exchanges[exchange_id]
        for lane in self.world.lanes.values():
            # on the UTXO chain a sweep is one consolidation: every deposit coin in, the hot wallet out
            if lane.kind == "utxo" and lane.sweep_deposits(ex.actor, t):
                self.executed += 1
        if not ex.unswept:
            return
        salts = [bytes.fromhex(ex.customers[c]["salt"][2:]) for c in ex.unswept]
        for lane in self.world.lanes.values():
            if lane.kind == "utxo":
                continue
            tokens = ["0x" + "00" * 20] + sorted({lane.contracts["stablecoin"].address} | lane.sweep_tokens)
            # a first sweep deploys each deposit address (~500k gas): batches keep a call within a block
            for i in range(0, len(salts), SWEEP_BATCH):
                batch = salts[i:i + SWEEP_BATCH]
                for token in tokens:
                    lane.queue_call(ex.actor.id, "sweep", (batch, token), ex.operator, t,
                                    gas=SWEEP_GAS_BASE + SWEEP_GAS_PER_ADDRESS * len(batch))
                    self.executed += 1
        ex.unswept.clear()

    # -- the UTXO chain --------------------------------------------------------------------
    def _sats(self, lane, actor, fraction: float) -> int:
        budget = lane.balance(actor) - 20_000
        if budget <= 100_000:
            return 0
        x = min(budget * fraction * self.rng.paretovariate(2.5) / 3, budget * 0.8)
        sats = int(x) - int(x) % 1_000
        if self.rng.random() < 0.4 and sats > 1_000_000:
            sats -= sats % 100_000  # people pick round amounts
        return sats

    def _u_pay(self, t, chain, sender, to: str, sats: int):
        if sats and self.world.lanes[chain].pay(sender, [(to, sats)], t):
            self.executed += 1

    def _u_p2p(self, t, chain):
        lane = self.world.lanes[chain]
        a, b = self.rng.sample(self.users, 2)
        sats = self._sats(lane, a, 0.1)
        if sats:
            self._u_pay(t, chain, a, lane.fresh_address(b), sats)

    def _u_mix(self, t, chain):
        # there is no mixer, bridge, swap pool or stablecoin on the UTXO chain: an ordinary payment instead
        self._u_p2p(t, chain)

    _u_bridge = _u_swap = _u_stable = _u_mix

    def _u_otc(self, t, chain):
        desks = self.world.of_kind("otc")
        if not desks:
            return self._u_p2p(t, chain)
        lane = self.world.lanes[chain]
        a, desk = self.rng.choice(self.users), self.rng.choice(desks)
        if self.rng.random() < 0.5:
            self._u_pay(t, chain, a, lane.fresh_address(desk), self._sats(lane, a, 0.3))
        else:
            self._u_pay(t, chain, desk, lane.fresh_address(a), self._sats(lane, desk, 0.05))

    def _u_instant(self, t, chain):
        """An ordinary user swaps BTC for ETH at the instant swap service, as a launderer's chain hop does."""
        from .typologies.chain_hop import wei_for_sats

        service = self.world.actors.get("swap-service")
        evm = [name for name, lane in self.world.lanes.items() if lane.kind == "evm"]
        if service is None or not evm:
            return self._u_p2p(t, chain)
        lane = self.world.lanes[chain]
        a = self.rng.choice(self.users)
        sats = round_amount(self._sats(lane, a, 0.1), lane.wallet(a).profile)
        if not sats:
            return
        deposit = lane.fresh_address(service)
        txid = lane.pay(a, [(deposit, sats)], t)
        if txid is None:
            return
        self.executed += 1
        to = a.address if self.rng.random() < 0.5 else a.fresh_account().address
        order = {"order": f"SWP-{self.rng.randrange(10**9, 10**10)}", "service": service.id, "actor": a.id,
                 "btc_chain": chain, "btc_tx": txid, "btc_deposit": deposit, "btc_time": t, "sats": sats,
                 "eth_chain": self.rng.choice(evm), "eth_tx": None, "eth_to": to, "eth_time": None,
                 "wei": wei_for_sats(sats, INSTANT_FEE_BPS)}
        self.world.truth.swap_orders.append(order)
        self.push(t + self.rng.randint(600, 5400), "instant_payout", (order,))

    def _instant_payout(self, t, order):
        service, chain = self.world.actors[order["service"]], order["eth_chain"]
        if self.balances.get((chain, service.address), 0) > order["wei"] + GAS_RESERVE:
            order.update(eth_tx=self._send(chain, service.account(0), order["eth_to"], order["wei"], t), eth_time=t)

    def _u_merchant(self, t, chain):
        merchants = self.world.of_kind("merchant")
        if not merchants:
            return self._u_p2p(t, chain)
        lane = self.world.lanes[chain]
        a = self.rng.choice(self.users)
        sats = self._sats(lane, a, 0.03)
        if sats:  # a merchant's invoice: a fresh address each time
            self._u_pay(t, chain, a, lane.fresh_address(self.rng.choice(merchants)), sats)

    def _u_gamble(self, t, chain):
        sites = self.world.of_kind("gambling")
        if not sites:
            return self._u_p2p(t, chain)
        lane = self.world.lanes[chain]
        a, site = self.rng.choice(self.users), self.rng.choice(sites)
        sats = self._sats(lane, a, 0.05)
        if sats:
            self._u_pay(t, chain, a, lane.fresh_address(site), sats)
            if self.rng.random() < 0.3:
                self.push(t + self.rng.randint(600, DAY), "u_payout", (chain, site.id, a.id, sats * 2))

    def _u_payout(self, t, chain, site_id, user_id, sats):
        lane = self.world.lanes[chain]
        site, user = self.world.actors[site_id], self.world.actors[user_id]
        if lane.balance(site) > sats + 50_000:
            self._u_pay(t, chain, site, lane.fresh_address(user), sats)

    def _u_deposit(self, t, chain):
        lane = self.world.lanes[chain]
        a = self.rng.choice(self.users)
        ex = self.rng.choice(list(self.world.exchanges.values()))
        sats = self._sats(lane, a, 0.2)
        if not sats:
            return
        rec = self.world.kyc_customer(ex, a)
        self._u_pay(t, chain, a, rec["deposit_address"][chain], sats)

    def _u_withdraw(self, t, chain):
        lane = self.world.lanes[chain]
        a = self.rng.choice(self.users)
        ex = self.rng.choice(list(self.world.exchanges.values()))
        sats = int(COIN * min(self.rng.lognormvariate(-3.0, 1.2), 5.0))
        sats -= sats % 10_000
        if sats >= 10_000 and lane.withdraw(ex.actor, lane.fresh_address(a), sats, t):
            self.executed += 1
