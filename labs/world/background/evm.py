"""Ordinary activity on an EVM lab chain: one function per kind of event, and the table that names them.

Each handler is ``(bg, t, chain, *data)``: ``bg`` is the :class:`labs.world.background.Background` (its
random stream, the balances it keeps, ``push`` for a later event). Ordinary users pay each other,
merchants and casinos, deposit at and withdraw from exchanges (ETH and the stablecoin), trade with
OTC desks, and use every service a launderer uses: the mixer, the bridge, the swap pool, the instant
swap service. The ``crowd_*`` handlers are the same acts scheduled on purpose around the
perpetrator's own use of a service (see ``Background.crowd``), funded first by an exchange
withdrawal, as people top up a wallet before they use a service.
"""
from __future__ import annotations

import math

from eth_hash.auto import keccak

from ..evm_lane import TRANSFER_FEE
from .. import GAS_RESERVE, HOT_USD
from ...units import DAY, ETH, HOUR, USD

SWEEP_BATCH = 10
#: gas limit of a sweep: deploying a deposit address takes ~420k, the transfers far less. A fixed
#: limit spares an estimate (which would wait for every block before it), and lets the sweep join
#: the open block instead of a block of its own
SWEEP_GAS_BASE, SWEEP_GAS_PER_ADDRESS = 60_000, 500_000
#: gas limits of background contract calls, each about twice what it uses at most (a fixed limit
#: spares an estimate; ``tests/labs/world/test_background.py`` checks the margins)
MIXER_GAS = 200_000
BRIDGE_GAS = 150_000
WRAP_GAS, APPROVE_GAS, SWAP_GAS, TOKEN_GAS = 100_000, 100_000, 200_000, 100_000
#: the mixer relayer's fee on ordinary withdrawals, in basis points
MIXER_FEE_BPS = 30
#: the share of ordinary mixer withdrawals paid to the address that made the deposit. Of Tornado
#: Cash's deposits to October 2021, Tutela's address match flags about one in five (18.6k of
#: 97.3k); a cross-chain study traces 5.1-12.6% of withdrawals by address reuse and direct links
#: together (both in docs/heuristics.md)
SAME_ADDRESS = 0.1
#: how long after bridging a crowd member deposits the wrapped token at an exchange, at least
#: (the relayer pays out within two hours) and at most
BRIDGED_LEAD = (3 * HOUR, 24 * HOUR)


def start(bg, lane) -> None:
    """What the background knows of an EVM chain when the case starts: every genesis balance, and
    the stablecoin reserve of each exchange's hot wallet (it tracks what it moves from there on)."""
    for addr, bal in lane.chain.genesis.alloc.items():
        bg.balances[(lane.name, addr)] = bal
    for ex in bg.world.exchanges.values():
        bg.stable[(lane.name, ex.hot_wallet.address)] = HOT_USD


# -- helpers ---------------------------------------------------------------------------------
def amount(bg, chain: str, address: str, fraction: float) -> int:
    """A heavy-tailed share of what ``address`` holds, often a round sum (0 if it holds too little)."""
    bal = bg.balances.get((chain, address), 0)
    budget = bal - 3 * GAS_RESERVE
    if budget <= ETH // 100:
        return 0
    x = min(budget * fraction * bg.rng.paretovariate(2.5) / 3, budget * 0.8)
    wei = int(x) - int(x) % 10**14
    if bg.rng.random() < 0.4 and wei > ETH // 10:
        wei -= wei % (ETH // 10)  # people pick round amounts
    return wei


def send(bg, chain: str, sender, to: str, value: int, t: int) -> str:
    h = bg.world.lanes[chain].transfer(sender, to, value, t)
    bg.balances[(chain, sender.address)] = bg.balances.get((chain, sender.address), 0) - value - TRANSFER_FEE
    bg.balances[(chain, to)] = bg.balances.get((chain, to), 0) + value
    bg.executed += 1
    return h


def pay_stable(bg, lane, sender, to: str, value: int, t: int) -> str:
    h = pay_token(bg, lane, sender, to, value, t, "stablecoin")
    chain = lane.name
    bg.stable[(chain, sender.address)] = bg.stable.get((chain, sender.address), 0) - value
    bg.stable[(chain, to)] = bg.stable.get((chain, to), 0) + value
    return h


def pay_token(bg, lane, sender, to: str, value: int, t: int, token: str) -> str:
    """An ERC-20 transfer (``token``: a service's key, or a token's address) in the open block."""
    h = lane.queue_call(token, "transfer", (to, value), sender, t, gas=TOKEN_GAS)
    bg.balances[(lane.name, sender.address)] = bg.balances.get((lane.name, sender.address), 0) - GAS_RESERVE
    bg.executed += 1
    return h


def withdraw_stable(bg, chain: str, user, value: int, t: int, *, avoid=None) -> None:
    """``user`` withdraws ``value`` of the stablecoin from an exchange (not ``avoid`` if another can
    pay it) to their own wallet, with ETH for a few calls if they lack it."""
    lane, exchanges = bg.world.lanes[chain], list(bg.world.exchanges.values())
    able = [e for e in exchanges if bg.stable.get((chain, e.hot_wallet.address), 0) >= value]
    ex = bg.rng.choice([e for e in able if e is not avoid] or able or exchanges)
    pay_stable(bg, lane, ex.hot_wallet, user.address, value, t - bg.rng.randint(600, 6 * HOUR))
    if bg.balances.get((chain, user.address), 0) < 4 * GAS_RESERVE:
        top_up(bg, chain, user, 0, t - bg.rng.randint(600, 3 * HOUR))


def top_up(bg, chain: str, user, value: int, t: int) -> None:
    """``user`` withdraws ``value`` wei from an exchange to their own wallet (and gas for a few calls)."""
    ex = bg.rng.choice(list(bg.world.exchanges.values()))
    send(bg, chain, ex.hot_wallet, user.address, value + 4 * GAS_RESERVE, t)


def _deposit_address(bg, ex, user, chain: str) -> str:
    rec = bg.world.kyc_customer(ex, user)
    ex.unswept[rec["customer_id"]] = None
    return rec["deposit_address"][chain]


# -- ordinary users --------------------------------------------------------------------------
def p2p(bg, t, chain):
    a, b = bg.rng.sample(bg.users, 2)
    value = amount(bg, chain, a.address, 0.1)
    if value:
        send(bg, chain, a.account(0), b.address, value, t)


def merchant(bg, t, chain):
    merchants = bg.world.of_kind("merchant")
    if not merchants:
        return p2p(bg, t, chain)
    a = bg.rng.choice(bg.users)
    value = amount(bg, chain, a.address, 0.03)
    if value:
        send(bg, chain, a.account(0), bg.rng.choice(merchants).address, value, t)


def gamble(bg, t, chain):
    sites = bg.world.of_kind("gambling")
    if not sites:
        return p2p(bg, t, chain)
    a, site = bg.rng.choice(bg.users), bg.rng.choice(sites)
    value = amount(bg, chain, a.address, 0.05)
    if value:
        send(bg, chain, a.account(0), site.address, value, t)
        if bg.rng.random() < 0.3:  # a win, paid out later
            bg.push(t + bg.rng.randint(600, DAY), "payout", chain, (site.id, a.id, value * 2))


def payout(bg, t, chain, site_id, user_id, value):
    site, user = bg.world.actors[site_id], bg.world.actors[user_id]
    if bg.balances.get((chain, site.address), 0) > value + GAS_RESERVE:
        send(bg, chain, site.account(0), user.address, value, t)


def deposit(bg, t, chain):
    a = bg.rng.choice(bg.users)
    ex = bg.rng.choice(list(bg.world.exchanges.values()))
    value = amount(bg, chain, a.address, 0.2)
    if value:
        send(bg, chain, a.account(0), _deposit_address(bg, ex, a, chain), value, t)


def withdraw(bg, t, chain):
    a = bg.rng.choice(bg.users)
    ex = bg.rng.choice(list(bg.world.exchanges.values()))
    value = int(ETH * min(bg.rng.lognormvariate(-0.5, 1.2), 200.0))
    value -= value % 10**15
    if value:
        send(bg, chain, ex.hot_wallet, a.address, value, t)


def mix(bg, t, chain, user=None, denom=None, delay=None):
    """An ordinary user mixes 0.1, 1 or 10 ETH and withdraws it later to a fresh address of their own
    (or, one time in ten, :data:`SAME_ADDRESS`, back to the address it deposited from)."""
    lane = bg.world.lanes[chain]
    a = user or bg.rng.choice(bg.users)
    denom = denom or bg.rng.choice([ETH // 10, ETH // 10, ETH, ETH, 10 * ETH])
    if bg.balances.get((chain, a.address), 0) < denom + 3 * GAS_RESERVE:
        return
    secret, nullifier = bg.rng.randbytes(32), bg.rng.randbytes(32)
    commitment = keccak(secret + nullifier)  # Mixer.commitmentOf
    h = lane.queue_call(f"mixer-{denom}", "deposit", (commitment,), a.account(0), t, value=denom, gas=MIXER_GAS)
    note = bg.world.mixer_note(chain, denom, a, a.address, h, t)
    bg.balances[(chain, a.address)] -= denom + GAS_RESERVE
    bg.executed += 1
    delay = delay or int(HOUR * math.exp(bg.rng.uniform(0, math.log(24 * 14))))
    bg.push(t + delay, "unmix", chain, (a.id, denom, secret, nullifier, note))


def unmix(bg, t, chain, user_id, denom, secret, nullifier, note):
    lane = bg.world.lanes[chain]
    user, relayer = bg.world.actors[user_id], bg.world.actors["mixer-relayer"].account(0)
    to = note["deposit_from"] if bg.careless.random() < SAME_ADDRESS else user.fresh_account().address
    fee = denom * MIXER_FEE_BPS // 10_000
    h = lane.queue_call(f"mixer-{denom}", "withdraw", (secret, nullifier, to, relayer.address, fee),
                        relayer, t, gas=MIXER_GAS)
    note.update(withdraw_tx=h, recipient=to, recipient_actor=user.id, withdraw_time=t, fee=fee, relayer=True)
    bg.balances[(chain, to)] = bg.balances.get((chain, to), 0) + denom - fee
    bg.executed += 1


def bridge(bg, t, chain, user=None, value=None, token=None, dst=None):
    """An ordinary user moves ETH (or the stablecoin) to another chain (``dst``, or one at random),
    mostly to their own address there. Returns the deposit's hash and the account paid on ``dst``."""
    routes = [d for (src, d) in bg.world.bridges if src == chain]
    if not routes:
        return p2p(bg, t, chain)
    lane = bg.world.lanes[chain]
    a, dst = user or bg.rng.choice(bg.users), dst or bg.rng.choice(routes)
    value = value or amount(bg, chain, a.address, 0.2)
    if not value:
        return None
    recipient = a.account(0) if bg.rng.random() < 0.7 else a.fresh_account()
    to = recipient.address
    dst_id = bg.world.lanes[dst].chain.chain_id
    if token:
        address = lane.contracts[token].address
        bridge_at = lane.contracts["bridge"].address
        lane.queue_call(token, "approve", (bridge_at, value), a.account(0), t, gas=APPROVE_GAS)
        h = lane.queue_call("bridge", "depositToken", (address, value, dst_id, to), a.account(0), t, gas=BRIDGE_GAS)
        bg.stable[(chain, a.address)] = bg.stable.get((chain, a.address), 0) - value
        bg.balances[(chain, a.address)] -= 2 * GAS_RESERVE
        bg.executed += 2
    else:
        h = lane.queue_call("bridge", "depositETH", (dst_id, to), a.account(0), t, value=value, gas=BRIDGE_GAS)
        bg.balances[(chain, a.address)] -= value + GAS_RESERVE
        bg.executed += 1
    # the relayer pays out in batches, half an hour to two hours later: one relay per route at a time
    # (each one waits for both chains, so a relay per deposit would stall the pipeline)
    if (chain, dst) not in bg.relays_due:
        bg.relays_due.add((chain, dst))
        bg.push(t + bg.rng.randint(1800, 7200), "relay", None, (chain, dst))
    return h, recipient


def swap(bg, t, chain):
    """An ordinary user buys stablecoin: wrap ETH, approve the pool, swap (three calls in one block)."""
    lane = bg.world.lanes[chain]
    a = bg.rng.choice(bg.users)
    value = amount(bg, chain, a.address, 0.1)
    if not value:
        return
    weth, pool, account = lane.contracts["weth"].address, lane.contracts["pool"].address, a.account(0)
    lane.queue_call("weth", "deposit", (), account, t, value=value, gas=WRAP_GAS)
    lane.queue_call("weth", "approve", (pool, value), account, t, gas=APPROVE_GAS)
    lane.queue_call("pool", "swapExactIn", (weth, value, 0, a.address), account, t, gas=SWAP_GAS)
    bg.balances[(chain, a.address)] -= value + 3 * GAS_RESERVE
    bg.executed += 3


def otc(bg, t, chain):
    """An ordinary user sells ETH to an OTC desk, or buys from one."""
    desks = bg.world.of_kind("otc")
    if not desks:
        return p2p(bg, t, chain)
    a, desk = bg.rng.choice(bg.users), bg.rng.choice(desks)
    if bg.rng.random() < 0.5:
        value = amount(bg, chain, a.address, 0.3)
        if value:
            send(bg, chain, a.account(0), desk.address, value, t)
    else:
        value = amount(bg, chain, desk.address, 0.05)
        if value:
            send(bg, chain, desk.account(0), a.address, value, t)


def stable(bg, t, chain):
    """Stablecoin traffic: a customer withdraws LUSD from an exchange, or a holder pays LUSD on
    (to another user, a merchant, or their own account at an exchange)."""
    lane = bg.world.lanes[chain]
    holders = [u for u in bg.users if bg.stable.get((chain, u.address), 0) >= 10 * USD
               and bg.balances.get((chain, u.address), 0) > 3 * GAS_RESERVE]
    if not holders or bg.rng.random() < 0.4:
        a, ex = bg.rng.choice(bg.users), bg.rng.choice(list(bg.world.exchanges.values()))
        value = int(USD * min(bg.rng.lognormvariate(5.5, 1.3), 50_000.0))
        value -= value % USD  # whole dollars
        if value and bg.stable[(chain, ex.hot_wallet.address)] >= value:
            pay_stable(bg, lane, ex.hot_wallet, a.address, value, t)
        return
    a = bg.rng.choice(holders)
    value = bg.stable[(chain, a.address)] * bg.rng.randint(10, 100) // 100
    value -= value % USD
    where, merchants = bg.rng.random(), bg.world.of_kind("merchant")
    if where < 0.5:
        to = bg.rng.choice([u for u in bg.users if u is not a]).address
    elif where < 0.7 and merchants:
        to = bg.rng.choice(merchants).address
    else:
        to = _deposit_address(bg, bg.rng.choice(list(bg.world.exchanges.values())), a, chain)
    pay_stable(bg, lane, a.account(0), to, value, t)


def instant_payout(bg, t, chain, order):
    """The instant swap service pays an order's ETH (paid for in BTC: :mod:`labs.world.background.utxo`)."""
    service = bg.world.actors[order["service"]]
    if bg.balances.get((chain, service.address), 0) > order["wei"] + GAS_RESERVE:
        order.update(eth_tx=send(bg, chain, service.account(0), order["eth_to"], order["wei"], t), eth_time=t)


def sweep(bg, t, chain, exchange_id):
    """An exchange sweeps its customers' deposit addresses into its hot wallet (ETH and every token)."""
    ex, lane = bg.world.exchanges[exchange_id], bg.world.lanes[chain]
    customers = [c for c in ex.unswept if chain in ex.customers[c]["deposit_address"]]
    salts = [bytes.fromhex(ex.customers[c]["salt"][2:]) for c in customers]
    tokens = ["0x" + "00" * 20] + sorted({lane.contracts["stablecoin"].address} | lane.sweep_tokens)
    # a first sweep deploys each deposit address (~500k gas): batches keep a call within a block
    for i in range(0, len(salts), SWEEP_BATCH):
        batch = salts[i:i + SWEEP_BATCH]
        for token in tokens:
            lane.queue_call(ex.actor.id, "sweep", (batch, token), ex.operator, t,
                            gas=SWEEP_GAS_BASE + SWEEP_GAS_PER_ADDRESS * len(batch))
            bg.executed += 1


# -- the crowd around a perpetrator's use of a service ---------------------------------------
def crowd_mix(bg, t, chain, denom, delay):
    """Another user deposits ``denom`` into the pool the perpetrator uses, topped up first if short."""
    a = bg.rng.choice(bg.users)
    if bg.balances.get((chain, a.address), 0) < denom + 3 * GAS_RESERVE:
        top_up(bg, chain, a, denom, t - bg.rng.randint(600, 3 * HOUR))
    mix(bg, t, chain, user=a, denom=denom, delay=delay)


def crowd_bridge(bg, t, chain, value, token):
    """Another user bridges a comparable amount of the same asset on the same route."""
    a = bg.rng.choice(bg.users)
    if token:
        lane = bg.world.lanes[chain]
        ex = bg.rng.choice(list(bg.world.exchanges.values()))
        pay_stable(bg, lane, ex.hot_wallet, a.address, value, t - bg.rng.randint(600, 3 * HOUR))
        if bg.balances.get((chain, a.address), 0) < 4 * GAS_RESERVE:
            top_up(bg, chain, a, 0, t - bg.rng.randint(600, 3 * HOUR))
    elif bg.balances.get((chain, a.address), 0) < value + 3 * GAS_RESERVE:
        top_up(bg, chain, a, value, t - bg.rng.randint(600, 3 * HOUR))
    bridge(bg, t, chain, user=a, value=value, token=token)


def crowd_deposit(bg, t, chain, exchange_id, value, token=None):
    """Another customer deposits a comparable amount of ETH (or of the stablecoin: ``token``) at the
    exchange the perpetrator uses, withdrawn first from another exchange (people move funds between
    exchanges)."""
    a, ex = bg.rng.choice(bg.users), bg.world.exchanges[exchange_id]
    if token:
        if bg.stable.get((chain, a.address), 0) < value:
            withdraw_stable(bg, chain, a, value, t, avoid=ex)
        pay_stable(bg, bg.world.lanes[chain], a.account(0), _deposit_address(bg, ex, a, chain), value, t)
        return
    if bg.balances.get((chain, a.address), 0) < value + 3 * GAS_RESERVE:
        _from_another_exchange(bg, chain, ex, a.address, value + 4 * GAS_RESERVE, t, 6 * HOUR)
    send(bg, chain, a.account(0), _deposit_address(bg, ex, a, chain), value, t)


def _from_another_exchange(bg, chain: str, ex, to: str, value: int, t: int, lead: int) -> None:
    """``value`` wei withdrawn to ``to`` from an exchange other than ``ex`` (the only one, if it is
    alone), at most ``lead`` seconds before ``t``: people move funds between exchanges."""
    others = [e for e in bg.world.exchanges.values() if e is not ex] or [ex]
    send(bg, chain, bg.rng.choice(others).hot_wallet, to, value, t - bg.rng.randint(600, lead))


def crowd_bridged_deposit(bg, t, chain, exchange_id, dst, value, token, wrapped, deadline):
    """Another user bridges a comparable amount of ETH (or of the stablecoin: ``token``) from
    ``chain`` to ``dst``, where it is paid out as the bridge's ``wrapped`` token, and deposits that
    at the exchange a few hours later (by ``deadline``): the crowd at an exchange where the
    perpetrator deposits a bridged token. Funded first by an exchange withdrawal on ``chain``."""
    a = bg.rng.choice(bg.users)
    if token:
        if bg.stable.get((chain, a.address), 0) < value:
            withdraw_stable(bg, chain, a, value, t)
    elif bg.balances.get((chain, a.address), 0) < value + 3 * GAS_RESERVE:
        top_up(bg, chain, a, value, t - bg.rng.randint(600, 3 * HOUR))
    h, recipient = bridge(bg, t, chain, user=a, value=value, token=token, dst=dst)
    lead = bg.rng.randint(BRIDGED_LEAD[0], max(BRIDGED_LEAD[0], min(BRIDGED_LEAD[1], deadline - t)))
    bg.push(t + lead, "crowd_wrapped_deposit", dst, (exchange_id, value, wrapped, h, chain, a.id, recipient))


def crowd_wrapped_deposit(bg, t, chain, exchange_id, value, wrapped, deposit_tx, src, user_id, holder):
    """The second half of :func:`crowd_bridged_deposit`: the bridged tokens, paid out by now, go to
    the user's account at the exchange (with gas from another exchange if the address has none)."""
    world = bg.world
    if deposit_tx not in world.bridge_payouts:  # not relayed yet: the relayer's next round is now
        world.relay(src, chain, t)
    payout = world.bridge_payouts.get(deposit_tx)
    if payout is None or payout.token != wrapped:
        raise RuntimeError(f"bridge deposit {deposit_tx} on {src} was not paid out in {wrapped} on {chain}")
    a, ex = world.actors[user_id], world.exchanges[exchange_id]
    if bg.balances.get((chain, holder.address), 0) < 2 * GAS_RESERVE:
        _from_another_exchange(bg, chain, ex, holder.address, 4 * GAS_RESERVE, t, 2 * HOUR)
    pay_token(bg, world.lanes[chain], holder, _deposit_address(bg, ex, a, chain), value, t, wrapped)


#: event kind -> handler, for the events of an EVM chain
HANDLERS = {
    "p2p": p2p, "merchant": merchant, "deposit": deposit, "withdraw": withdraw, "mix": mix, "gamble": gamble,
    "bridge": bridge, "swap": swap, "otc": otc, "stable": stable,
    # the instant swap service takes BTC only: an order is made on the UTXO chain, paid out here
    "instant": p2p, "instant_payout": instant_payout,
    "payout": payout, "unmix": unmix, "sweep": sweep,
    "crowd_mix": crowd_mix, "crowd_bridge": crowd_bridge, "crowd_deposit": crowd_deposit,
    "crowd_bridged_deposit": crowd_bridged_deposit, "crowd_wrapped_deposit": crowd_wrapped_deposit,
}
