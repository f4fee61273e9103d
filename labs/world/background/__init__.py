"""Background activity: the ordinary users and services whose transactions a trainee must see through.

Planned from its own random stream over the case's days, with a daily rhythm and heavy-tailed
amounts, and run lazily as the story's clock advances, so laundering transactions land in blocks
among ordinary ones. What each kind of event does is in :mod:`labs.world.background.evm` and
:mod:`labs.world.background.utxo` (one table each, from event kind to handler).

Two kinds of traffic: the *mix*, drawn over the whole span; and the *crowd*, which a typology asks
for (:meth:`Background.crowd`) around its own use of a service, so that a case's difficulty holds
by construction: other users' deposits into the same mixer pool between the perpetrator's first
deposit and last withdrawal, other bridge transfers on the same route, other orders at the instant
swap service and other deposits at the same exchange, at comparable amounts, in the window that
``labs/difficulty.py`` measures.
"""
from __future__ import annotations

import heapq
import itertools
import math

from . import evm, utxo
from .. import World
from ...units import DAY, HOUR

#: relative weight of each hour of the day (UTC): quiet at night, busy in the evening
HOURLY = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 9, 10, 11, 12, 11, 9, 6, 3]
#: the mix of ordinary events, by weight
KINDS = {"p2p": 40, "merchant": 20, "deposit": 15, "withdraw": 15, "mix": 4, "gamble": 6, "bridge": 3, "swap": 3,
         "instant": 2, "otc": 2, "stable": 5}
#: how often the instant swap service sweeps its order deposit addresses (an exchange's default)
SERVICE_SWEEP_EVERY = 6 * HOUR
#: chain kind -> its table of handlers, and what the background notes of such a chain at the start
HANDLERS = {"evm": evm.HANDLERS, "utxo": utxo.HANDLERS}
START = {"evm": evm.start, "utxo": utxo.start}
# re-exported: the gas limits the tests check
SWEEP_BATCH, SWEEP_GAS_BASE, SWEEP_GAS_PER_ADDRESS = (evm.SWEEP_BATCH, evm.SWEEP_GAS_BASE,
                                                      evm.SWEEP_GAS_PER_ADDRESS)
INSTANT_FEE_BPS = utxo.INSTANT_FEE_BPS


class Background:
    def __init__(self, world: World):
        self.world = world
        self.rng = world.rng("background")
        #: where users slip (a mixer withdrawal to the depositing address): a stream of its own, so
        #: that how careless they are moves none of the other draws
        self.careless = world.rng("background", "careless")
        self.heap: list[tuple[int, int, str, str | None, tuple]] = []
        self._seq = itertools.count()
        #: (chain, address) -> wei it holds, as far as the background knows (EVM)
        self.balances: dict[tuple[str, str], int] = {}
        #: (chain, address) -> stablecoin base units it holds at least (swaps' proceeds are not counted)
        self.stable: dict[tuple[str, str], int] = {}
        self.executed = 0
        #: bridge routes (src, dst) with a relay scheduled
        self.relays_due: set[tuple[str, str]] = set()
        #: when the last crowd event is due: the case runs at least that long, or a floor could fail
        self.crowd_until = 0
        self._shown = -1
        spec = world.spec
        self.end = spec.start + spec.background.days * DAY
        self.users = world.of_kind("user")
        chains = list(world.lanes)  # every chain, UTXO included: the mix is spread across them evenly
        for lane in world.lanes.values():
            START[lane.kind](self, lane)
        kinds, weights = zip(*KINDS.items(), strict=True)
        if chains and len(self.users) >= 2:
            for _ in range(spec.background.transactions):
                day = self.rng.randrange(spec.background.days)
                hour = self.rng.choices(range(24), HOURLY)[0]
                t = spec.start + day * DAY + hour * HOUR + self.rng.randrange(HOUR)
                self.push(t, self.rng.choices(kinds, weights)[0], self.rng.choice(chains))
        for ex in world.exchanges.values():
            for t in range(spec.start + ex.sweep_every, self.end + ex.sweep_every, ex.sweep_every):
                self.push(t, "sweep", None, (ex.actor.id,))
        service = world.actors.get("swap-service")
        if service is not None:  # its order deposits, on the chains it takes coins on, as often as an exchange's
            every = SERVICE_SWEEP_EVERY
            for name, lane in world.lanes.items():
                if "service_sweep" in HANDLERS[lane.kind]:  # where it takes coins into order addresses
                    for t in range(spec.start + every, self.end + every, every):
                        self.push(t, "service_sweep", name, (service.id,))
        for name, lane in world.lanes.items():
            if lane.coordinator is not None:  # each pool's rounds, one every half hour or so
                for pool in lane.coordinator.queues:
                    self.push(spec.start + self.rng.randint(0, 1800), "coinjoin_round", name, (pool,))

    def push(self, t: int, kind: str, chain: str | None, data: tuple = ()):
        """Schedule event ``kind`` on ``chain`` (None: a service event of every chain) at ``t``."""
        if kind.startswith("crowd_"):
            self.crowd_until = max(self.crowd_until, t)
        heapq.heappush(self.heap, (t, next(self._seq), kind, chain, data))

    def _run(self, when: int, kind: str, chain: str | None, data: tuple):
        if kind == "relay":
            self.relays_due.discard(data)
            self.world.relay(*data, when)
        elif chain is None:  # an exchange's sweep reaches each of its chains
            for name, lane in self.world.lanes.items():
                HANDLERS[lane.kind][kind](self, when, name, *data)
            self.world.exchanges[data[0]].unswept.clear()
        else:
            HANDLERS[self.world.lanes[chain].kind][kind](self, when, chain, *data)

    def run_until(self, t: int):
        start, days = self.world.spec.start, self.world.spec.background.days
        while self.heap and self.heap[0][0] <= t:
            when, _, kind, chain, data = heapq.heappop(self.heap)
            self._run(when, kind, chain, data)
            quarter = (when - start) * 4 // DAY  # progress every 6 simulated hours
            if quarter > self._shown:
                self._shown = quarter
                self.world.progress(f"background: simulated day {min(quarter // 4 + 1, days)} of {days}, "
                                    f"{self.executed:,} transactions")

    def finish(self):
        """Run what is left, up to the end of the case's span (or the story's end, or the last crowd
        event, if later)."""
        end = max(self.end, self.world.clock)
        self.run_until(end)
        while self.crowd_until > end:  # a crowd event may schedule another (a bridged deposit's second half)
            self.run_until(end := self.crowd_until)
        for ex in self.world.exchanges.values():
            self.push(end + 600, "sweep", None, (ex.actor.id,))
        self.run_until(end + 600)
        # a bridge pays out every deposit, the last ones too; other late events are dropped
        for when, _, kind, _chain, data in sorted(self.heap, key=lambda e: e[:2]):
            if kind == "relay":
                self.world.relay(*data, when)
        self.heap.clear()

    # -- the crowd ---------------------------------------------------------------------------
    def crowd(self, kind: str, chain: str, start: int, end: int, n: int, make) -> None:
        """Schedule ``n`` events ``crowd_<kind>`` on ``chain`` between ``start`` and ``end`` (never
        before the story's clock); ``make(rng)`` gives each one's data (its amount, drawn around
        the perpetrator's)."""
        start = max(start, self.world.clock + 60)
        end = max(end, start + 60)
        for _ in range(n):
            self.push(self.rng.randint(start, end), f"crowd_{kind}", chain, make(self.rng))


def draw_comparable(rng, value: int, unit: int = 1) -> int:
    """An amount drawn log-uniformly between half and twice ``value``, in whole ``unit``."""
    x = int(value * math.exp(rng.uniform(math.log(0.5), math.log(2.0))))
    return max(unit, x - x % unit)
