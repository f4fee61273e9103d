"""A CoinJoin coordinator on the UTXO lab chain, shaped like Whirlpool.

Whirlpool's design (Samourai, 2018-2024), whose public facts this follows: a few fixed pools, each
with one denomination; a user enters a pool with a *Tx0*, which splits a coin into premix outputs
of the denomination plus a little for the mixing fee, pays the coordinator's pool fee, and returns
the change; every mix (*round*) has five inputs and five outputs, all outputs exactly the
denomination, each to a fresh address of its input's owner; the new entrants' surplus pays the
round's miner fee, so outputs that stay in the pool remix for free. No round takes two inputs of
one wallet. Premix and postmix coins live in wallet accounts of their own (Whirlpool's
2147483645 and 2147483646), so ordinary payments never spend them.

What a round hides: which output belongs to which input. Common-input-ownership clustering
(every input of a transaction has one owner) is wrong on every round: that is what the heuristics
evaluation must see.
"""
from __future__ import annotations

from dataclasses import dataclass

from chains.utxo.tx import build, sign
from chains.utxo.validation import Coin
from chains.utxo.wallet import Wallet, WalletProfile

#: the pools' denominations, in satoshi (Whirlpool's 0.001, 0.01, 0.05 and 0.5 BTC)
POOLS = (100_000, 1_000_000, 5_000_000, 50_000_000)
#: inputs and outputs of a round
ROUND_SIZE = 5
#: satoshi each premix output carries above the denomination: the new entrants' share of a round's fee
PREMIX_SURPLUS = 1_000
#: the coordinator's pool fee, paid once in the Tx0, in basis points of the denomination
POOL_FEE_BPS = 500
#: BIP-44 accounts of the premix and postmix wallets (Whirlpool's)
ACCOUNTS = {"premix": 2_147_483_645, "postmix": 2_147_483_646}
MIX_PROFILE = WalletProfile(script_type="p2wpkh", change_position="random", fee_rate=2)
COORDINATOR = "coinjoin-coordinator"


@dataclass
class Entry:
    """A coin waiting in a pool: its owner, where it is, and how many more rounds it will take."""

    actor: object
    txid: str
    vout: int
    value: int
    fresh: bool
    remixes_left: int
    wallet: Wallet


class Coordinator:
    """The pools of one UTXO lane, their queues, and the rounds they run."""

    def __init__(self, world, lane):
        self.world, self.lane = world, lane
        self.actor = world.actors[COORDINATOR]
        self.queues: dict[int, list[Entry]] = {d: [] for d in POOLS}
        self.wallets: dict[tuple[str, str], Wallet] = {}
        #: (txid, vout) -> what became of a perpetrator's coin: its round outputs, in the order made
        self.rounds_of: dict[str, list[dict]] = {}

    def fee_address(self) -> str:
        return self.lane.hot(self.actor)  # one public address, as Whirlpool's fee address was

    def wallet(self, actor, which: str) -> Wallet:
        key = (actor.id, which)
        if key not in self.wallets:
            self.wallets[key] = Wallet(actor.mnemonic, MIX_PROFILE, account=ACCOUNTS[which], gap_limit=2)
        return self.wallets[key]

    @staticmethod
    def pool_for(total: int) -> int:
        """The largest pool ``total`` satoshi can enter with at least one premix output."""
        fits = [d for d in POOLS if total >= d * (10_000 + POOL_FEE_BPS) // 10_000 + d + PREMIX_SURPLUS + 50_000]
        return max(fits) if fits else 0

    def tx0(self, actor, coins, pool: int, outputs: int, t: int, remixes: int) -> tuple[str, list[Entry]]:
        """``actor`` enters ``pool`` with up to ``outputs`` premix coins from ``coins``: the txid and entries."""
        premix = self.wallet(actor, "premix")
        total = sum(u.value for u in coins)
        fee = pool * POOL_FEE_BPS // 10_000
        n = max(1, min(outputs, (total - fee - 20_000) // (pool + PREMIX_SURPLUS)))
        payments = [(premix.new_address(), pool + PREMIX_SURPLUS) for _ in range(n)] + [(self.fee_address(), fee)]
        txid, outs = self.lane.spend(actor, coins, payments, t)
        entries = []
        for o in outs:
            if not o["change"] and o["amount"] == pool + PREMIX_SURPLUS:
                entries.append(Entry(actor, txid, o["vout"], o["amount"], True, remixes, premix))
        self.queues[pool].extend(entries)
        return txid, entries

    def run_round(self, pool: int, t: int, rng) -> str | None:
        """Mix five coins of ``pool`` (at least one new entrant to pay the fee, one coin per owner), if there are."""
        queue = self.queues[pool]
        fresh = [e for e in queue if e.fresh]
        if not fresh:
            return None
        chosen, owners = [], set()
        for e in [rng.choice(fresh)] + rng.sample(queue, len(queue)):
            if e not in chosen and e.actor.id not in owners:
                chosen.append(e)
                owners.add(e.actor.id)
            if len(chosen) == ROUND_SIZE:
                break
        if len(chosen) < ROUND_SIZE:
            return None
        for e in chosen:
            queue.remove(e)
        rng.shuffle(chosen)
        outs = [(e, self.wallet(e.actor, "postmix").new_address()) for e in chosen]
        order = list(range(ROUND_SIZE))
        rng.shuffle(order)  # outputs in an order of their own: position says nothing
        from .utxo_lane import script_for_address

        self.lane._advance(t)
        unsigned = build([(e.txid, e.vout, 0xFFFFFFFD) for e in chosen],
                         [(script_for_address(outs[i][1]), pool) for i in order], locktime=self.lane.ledger.height)
        keys, prevouts = [], []
        for e in chosen:
            coin = self.lane.ledger.coin((bytes.fromhex(e.txid), e.vout), include_mempool=True)
            prevouts.append((coin.value, coin.script))
            keys.append(e.wallet._by_script[coin.script])
        tx = sign(unsigned, prevouts, keys)
        self.lane.ledger.submit(tx)
        self.lane.made.append({"chain": self.lane.name, "tx": tx.txid, "actor": COORDINATOR, "change": []})
        row = {"chain": self.lane.name, "tx": tx.txid, "pool": str(pool), "time": t,
               "inputs": [{"tx": e.txid, "vout": e.vout, "actor": e.actor.id, "amount": str(e.value),
                           "remix": not e.fresh} for e in chosen],
               "outputs": [], "remixes": sum(not e.fresh for e in chosen)}
        for vout, i in enumerate(order):
            e, address = outs[i]
            row["outputs"].append({"vout": vout, "address": address, "actor": e.actor.id, "amount": str(pool)})
            nxt = Entry(e.actor, tx.txid, vout, pool, False, e.remixes_left - 1, self.wallet(e.actor, "postmix"))
            if e.remixes_left > 0:
                queue.append(nxt)
            if e.actor.id == "perpetrator":
                self.rounds_of.setdefault("perpetrator", []).append(
                    {"tx": tx.txid, "vout": vout, "address": address, "done": e.remixes_left <= 0})
        self.world.truth.coinjoins.append(row)
        return tx.txid

    def pending(self, actor_id: str) -> int:
        """Coins of ``actor_id`` still waiting in a pool."""
        return sum(e.actor.id == actor_id for q in self.queues.values() for e in q)

    def utxo(self, entry_tx: str, vout: int, actor):
        """The postmix coin ``entry_tx:vout`` of ``actor`` as a spendable ``Utxo``."""
        from chains.utxo.coinselect import Utxo

        coin: Coin = self.lane.ledger.coin((bytes.fromhex(entry_tx), vout), include_mempool=True)
        # a coin still in a pool at the deadline may be a premix one, never mixed
        wallets = (self.wallet(actor, "postmix"), self.wallet(actor, "premix"))
        w = next(w for w in wallets if coin.script in w._by_script)
        return Utxo((bytes.fromhex(entry_tx), vout), coin, w._by_script[coin.script], w.kind)

