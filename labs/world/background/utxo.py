"""Ordinary activity on the UTXO lab chain: one function per kind of event, and the table that names them.

Each handler is ``(bg, t, chain, *data)``, as in :mod:`labs.world.background.evm`. Payments go to a fresh
address of the payee (invoices, exchange deposit addresses, an order's address at the instant swap
service); exchanges pay withdrawals from their hot wallet and consolidate deposits in their sweeps.
"""
from __future__ import annotations

from chains.utxo.wallet import round_amount

from ..prices import quote
from ...units import BTC, DAY, HOUR

#: the instant swap service's fee on ordinary orders, in basis points
INSTANT_FEE_BPS = 100


def start(bg, lane) -> None:
    """Nothing to note when the case starts: the lane's wallets know their own coins."""


def sats_of(bg, lane, actor, fraction: float) -> int:
    """A heavy-tailed share of what ``actor`` holds, often round (0 if it holds too little)."""
    budget = lane.balance(actor) - 20_000
    if budget <= 100_000:
        return 0
    x = min(budget * fraction * bg.rng.paretovariate(2.5) / 3, budget * 0.8)
    sats = int(x) - int(x) % 1_000
    if bg.rng.random() < 0.4 and sats > 1_000_000:
        sats -= sats % 100_000  # people pick round amounts
    return sats


def pay(bg, t, chain, sender, to: str, sats: int) -> str | None:
    txid = bg.world.lanes[chain].pay(sender, [(to, sats)], t) if sats else None
    if txid:
        bg.executed += 1
    return txid


def p2p(bg, t, chain):
    lane = bg.world.lanes[chain]
    a, b = bg.rng.sample(bg.users, 2)
    pay(bg, t, chain, a, lane.fresh_address(b), sats_of(bg, lane, a, 0.1))


def otc(bg, t, chain):
    desks = bg.world.of_kind("otc")
    if not desks:
        return p2p(bg, t, chain)
    lane = bg.world.lanes[chain]
    a, desk = bg.rng.choice(bg.users), bg.rng.choice(desks)
    if bg.rng.random() < 0.5:
        pay(bg, t, chain, a, lane.fresh_address(desk), sats_of(bg, lane, a, 0.3))
    else:
        pay(bg, t, chain, desk, lane.fresh_address(a), sats_of(bg, lane, desk, 0.05))


def instant(bg, t, chain, user=None, sats=None, eth_chain=None):
    """An ordinary user swaps BTC for ETH at the instant swap service, as a launderer's chain hop does."""
    service = bg.world.actors.get("swap-service")
    evm = [name for name, lane in bg.world.lanes.items() if lane.coin == "ETH"]  # where it pays
    if service is None or not evm:
        return p2p(bg, t, chain)
    lane = bg.world.lanes[chain]
    a = user or bg.rng.choice(bg.users)
    sats = round_amount(sats or sats_of(bg, lane, a, 0.1), lane.wallet(a).profile)
    if not sats:
        return
    deposit = lane.fresh_address(service)
    txid = pay(bg, t, chain, a, deposit, sats)
    if txid is None:
        return
    to = a.address if bg.rng.random() < 0.5 else a.fresh_account().address
    order = {"order": f"SWP-{bg.rng.randrange(10**9, 10**10)}", "service": service.id, "actor": a.id,
             "btc_chain": chain, "btc_tx": txid, "btc_deposit": deposit, "btc_time": t, "sats": sats,
             "eth_chain": eth_chain or bg.rng.choice(evm), "eth_tx": None, "eth_to": to, "eth_time": None,
             "wei": quote(sats, INSTANT_FEE_BPS, bg.rng)}
    bg.world.truth.swap_orders.append(order)
    bg.push(t + bg.rng.randint(600, 5400), "instant_payout", order["eth_chain"], (order,))


def merchant(bg, t, chain):
    merchants = bg.world.of_kind("merchant")
    if not merchants:
        return p2p(bg, t, chain)
    lane = bg.world.lanes[chain]
    a = bg.rng.choice(bg.users)
    sats = sats_of(bg, lane, a, 0.03)
    if sats:  # a merchant's invoice: a fresh address each time
        pay(bg, t, chain, a, lane.fresh_address(bg.rng.choice(merchants)), sats)


def gamble(bg, t, chain):
    sites = bg.world.of_kind("gambling")
    if not sites:
        return p2p(bg, t, chain)
    lane = bg.world.lanes[chain]
    a, site = bg.rng.choice(bg.users), bg.rng.choice(sites)
    sats = sats_of(bg, lane, a, 0.05)
    if sats:
        pay(bg, t, chain, a, lane.fresh_address(site), sats)
        if bg.rng.random() < 0.3:
            bg.push(t + bg.rng.randint(600, DAY), "payout", chain, (site.id, a.id, sats * 2))


def payout(bg, t, chain, site_id, user_id, sats):
    lane = bg.world.lanes[chain]
    site, user = bg.world.actors[site_id], bg.world.actors[user_id]
    if lane.balance(site) > sats + 50_000:
        pay(bg, t, chain, site, lane.fresh_address(user), sats)


def deposit(bg, t, chain):
    lane = bg.world.lanes[chain]
    a = bg.rng.choice(bg.users)
    ex = bg.rng.choice(list(bg.world.exchanges.values()))
    sats = sats_of(bg, lane, a, 0.2)
    if sats:
        rec = bg.world.kyc_customer(ex, a)
        pay(bg, t, chain, a, rec["deposit_address"][chain], sats)


def withdraw(bg, t, chain, user=None, sats=None, exchange=None):
    lane = bg.world.lanes[chain]
    a = user or bg.rng.choice(bg.users)
    ex = exchange or bg.rng.choice(list(bg.world.exchanges.values()))
    sats = sats or int(BTC * min(bg.rng.lognormvariate(-3.0, 1.2), 5.0))
    sats -= sats % 10_000
    if sats >= 10_000 and lane.withdraw(ex.actor, lane.fresh_address(a), sats, t):
        bg.executed += 1


def sweep(bg, t, chain, actor_id):
    """``actor_id`` consolidates every coin on its deposit addresses into its hot wallet, in one
    transaction: an exchange its customers', the instant swap service its orders' (a service that
    never moved its coins would leave every order's bitcoin looking unspent, and seizable, where
    the launderer left it)."""
    if bg.world.lanes[chain].sweep_deposits(bg.world.actors[actor_id], t):
        bg.executed += 1


def coinjoin_tx0(bg, t, chain, user=None, pool=None):
    """An ordinary user enters a CoinJoin pool (Tx0), to remix a few times or none."""
    lane = bg.world.lanes[chain]
    coordinator = lane.coordinator
    a = user or bg.rng.choice(bg.users)
    coins = lane.coins(a)
    total = sum(u.value for u in coins)
    pool = pool or coordinator.pool_for(total * bg.rng.randint(20, 80) // 100)
    if not pool or total < pool * 2:
        return p2p(bg, t, chain)
    coins.sort(key=lambda u: -u.value)
    chosen, got = [], 0
    outputs = bg.rng.randint(1, 5)
    for u in coins:
        chosen.append(u)
        got += u.value
        if got >= outputs * (pool + 2_000) + pool // 10 + 30_000:
            break
    try:
        coordinator.tx0(a, chosen, pool, outputs, t, remixes=bg.rng.choice([0, 1, 1, 2, 3, 5]))
    except ValueError:  # too little for even one premix coin: an ordinary payment instead
        return p2p(bg, t, chain)
    bg.executed += 1


def coinjoin_round(bg, t, chain, pool):
    """The coordinator mixes five coins of ``pool`` if it has them; the next round is due in a while."""
    lane = bg.world.lanes[chain]
    if lane.coordinator.run_round(pool, t, bg.rng):
        bg.executed += 1
    if t < bg.end:
        bg.push(t + bg.rng.randint(15 * 60, 45 * 60), "coinjoin_round", chain, (pool,))


# -- the crowd around a perpetrator's use of a service ---------------------------------------
def crowd_tx0(bg, t, chain, pool):
    """Another user enters the pool the perpetrator mixes in, the coins bought first at an exchange."""
    lane = bg.world.lanes[chain]
    a = bg.rng.choice(bg.users)
    need = 3 * (pool + 2_000) + pool // 10 + 50_000
    if lane.balance(a) < need:
        withdraw(bg, t - bg.rng.randint(1800, 4 * HOUR), chain, user=a, sats=need + 100_000)
    coinjoin_tx0(bg, t, chain, user=a, pool=pool)



def crowd_instant(bg, t, chain, sats, eth_chain):
    """Another user swaps a comparable amount of BTC for ETH on ``eth_chain`` at the instant swap
    service, the coins bought first at an exchange."""
    lane = bg.world.lanes[chain]
    a = bg.rng.choice(bg.users)
    if lane.balance(a) < sats + 50_000:
        withdraw(bg, t - bg.rng.randint(1800, 4 * HOUR), chain, user=a, sats=sats + 100_000)
    instant(bg, t, chain, user=a, sats=sats, eth_chain=eth_chain)


def crowd_deposit(bg, t, chain, exchange_id, sats):
    """Another customer deposits a comparable amount of BTC at the exchange the perpetrator uses."""
    lane = bg.world.lanes[chain]
    a, ex = bg.rng.choice(bg.users), bg.world.exchanges[exchange_id]
    if lane.balance(a) < sats + 50_000:
        others = [e for e in bg.world.exchanges.values() if e is not ex] or [ex]
        withdraw(bg, t - bg.rng.randint(1800, 6 * HOUR), chain, user=a, sats=sats + 100_000,
                 exchange=bg.rng.choice(others))
    rec = bg.world.kyc_customer(ex, a)
    pay(bg, t, chain, a, rec["deposit_address"][chain], sats)


#: event kind -> handler, for the events of the UTXO chain (its "mix" is a CoinJoin; it has no bridge,
#: swap pool or stablecoin: those kinds of the mix are ordinary payments here)
HANDLERS = {
    "p2p": p2p, "merchant": merchant, "deposit": deposit, "withdraw": withdraw, "gamble": gamble, "otc": otc,
    "instant": instant, "mix": coinjoin_tx0, "bridge": p2p, "swap": p2p, "stable": p2p,
    # an exchange's sweep reaches every chain (each kind's own); the swap service sweeps only here
    "payout": payout, "sweep": sweep, "service_sweep": sweep, "coinjoin_round": coinjoin_round,
    "crowd_instant": crowd_instant, "crowd_deposit": crowd_deposit, "crowd_tx0": crowd_tx0,
}
