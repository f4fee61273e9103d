"""How actions reach the UTXO lab chain: wallets per actor, 10-minute blocks, exchange deposits and sweeps.

Every actor pays from a :class:`~chains.utxo.wallet.Wallet` of its own mnemonic, with a
:class:`~chains.utxo.wallet.WalletProfile` (its habits: script type, change position, address
reuse, round amounts, fee rate). Transactions wait in the ledger's mempool until the 10-minute
slot they were made in is over; then one block is mined at the slot's time, its coinbase paid to
the lab miner. Before the case starts, the lane mines the funding blocks and the 100 maturity
blocks, and distributes coins to the actors that hold BTC when the story begins.

One class at about 420 lines, on purpose: the lane is the one surface every typology, the
background and the key use on the UTXO chain (wallets, payments, exchange deposits, withdrawals
and sweeps, what each actor controls), and each method is a few lines over ``chains.utxo``;
split in two, each half would reach into the other's wallets and slot.
"""
from __future__ import annotations

import functools
import math
import random

from chains.utxo.ledger import Ledger
from chains.utxo.params import COINBASE_MATURITY
from chains.utxo import scripts
from chains.utxo.validation import Coin, Outpoint, dust_threshold
from chains.utxo.wallet import (BITCOIN_CORE, NAIVE, TAPROOT_ELECTRUM, InsufficientFunds, Utxo, Wallet,
                                WalletProfile, estimate_vsize, round_amount)

from ..spec.kinds import KINDS
from ..units import BTC, DAY

#: seconds per block slot, as on Bitcoin
BLOCK_TIME = 600
#: blocks mined to the lab miner before the case; their coinbases fund the world's actors
FUNDING_BLOCKS = 120
#: price of one BTC in US dollars, where a case's USD amounts are converted
BTC_PRICE_USD = 60_000
#: an exchange's hot reserves arrive as this many coins, so withdrawals in one block need not wait
HOT_COINS = 24
HOT_COIN_VALUE = 10 * BTC
#: ordinary users' wallets: the presets real people run, with weights
USER_PROFILES = (
    (BITCOIN_CORE, 45),
    (NAIVE, 25),
    (TAPROOT_ELECTRUM, 15),
    (WalletProfile(change_position="last", round_payments=True, round_unit=100_000, fee_rate=4), 15),
)
EXCHANGE_PROFILE = WalletProfile(change_position="last", fee_rate=3, coin_selection="largest_first")
#: addresses a lab wallet derives past the last one handed out: every address the lane uses comes
#: from ``new_address``, so no look-ahead is needed; deriving BIP-44's 20 would dominate the start
#: (a wallet rebuilt from its mnemonic elsewhere scans with its own gap limit, usually 20)
GAP = 2
MINER_PROFILE = WalletProfile(coin_selection="largest_first", anti_fee_sniping=False, fee_rate=1)

# bech32 in pure Python is the slowest part of a payment: addresses and scripts convert through a cache
script_for_address = functools.lru_cache(maxsize=1 << 16)(scripts.script_for_address)
script_address = functools.lru_cache(maxsize=1 << 16)(scripts.address)


def outpoint(txid: str, vout: int) -> Outpoint:
    """The ledger's outpoint key for output ``vout`` of ``txid`` (hex, display order)."""
    return (bytes.fromhex(txid), vout)


class UtxoLane:
    """The UTXO chain of a world: a :class:`Ledger`, wallets per actor, blocks per 10-minute slot.

    Parameters
    ----------
    name : str
        The chain's name in the spec.
    start : int
        When the case starts; the funding blocks are mined in the day before.
    miner : Actor
        The lab miner, paid every coinbase.
    rng : random.Random
        The lane's stream: profiles, locktimes, change positions, input order.
    """

    kind = "utxo"
    coin = KINDS[kind].coin
    #: no contracts run on a UTXO chain: no bridge reaches it (the instant swap service does)
    runs_contracts = False

    def __init__(self, name: str, start: int, miner, rng: random.Random, block_time: int = BLOCK_TIME):
        self.name, self.block_time, self.rng = name, block_time, rng
        self.ledger = Ledger()
        self.miner = miner
        self.wallets: dict[str, Wallet] = {}
        self._old_wallets: dict[str, list[Wallet]] = {}
        #: exchange actor id -> the hot wallet address (receive index 0 of the exchange's wallet)
        self.hot_address: dict[str, str] = {}
        self._slot: int | None = None
        #: every transaction the lane made: {"chain", "tx", "actor", "change": [vout, ...]} (for the key)
        self.made: list[dict] = []
        #: the CoinJoin coordinator of this chain (:class:`labs.world.coinjoin.Coordinator`), set by the world
        self.coordinator = None
        #: contract key -> contract, as on an EVM lane: a UTXO chain has none
        self.contracts: dict = {}
        # funding and maturity blocks end a day before the case starts
        first = start - DAY - (FUNDING_BLOCKS + COINBASE_MATURITY + 1) * block_time
        self.genesis_time = first
        miner_addr = self.wallet(miner, MINER_PROFILE).new_address()
        for i in range(FUNDING_BLOCKS + COINBASE_MATURITY):
            self.ledger.mine_block(first + i * block_time, miner_addr)
        self._miner_address = miner_addr

    # -- wallets ---------------------------------------------------------------------------
    def wallet(self, actor, profile: WalletProfile | None = None) -> Wallet:
        """``actor``'s wallet on this chain (made on first use, with ``profile`` or a drawn one)."""
        w = self.wallets.get(actor.id)
        if w is None:
            profile = profile or self._draw_profile(actor)
            w = self.wallets[actor.id] = Wallet(actor.mnemonic, profile, gap_limit=GAP)
        elif profile is not None and profile != w.profile:
            self.set_profile(actor, profile)
            w = self.wallets[actor.id]
        return w

    def set_profile(self, actor, profile: WalletProfile) -> Wallet:
        """Give ``actor`` new habits; a new script type means a new account (the old coins stay spendable)."""
        w = self.wallets.get(actor.id)
        if w is None:
            return self.wallet(actor, profile)
        if w.kind == profile.script_type:
            w.profile = profile
            return w
        self._old_wallets.setdefault(actor.id, []).append(w)
        nw = self.wallets[actor.id] = Wallet(actor.mnemonic, profile, gap_limit=GAP)
        return nw

    def _draw_profile(self, actor) -> WalletProfile:
        if actor.kind == "exchange":
            return EXCHANGE_PROFILE
        if actor.kind in ("user", "victim", "mule"):
            profiles, weights = zip(*USER_PROFILES, strict=True)
            return self.rng.choices(profiles, weights)[0]
        return BITCOIN_CORE

    def fresh_address(self, actor) -> str:
        """The next unused receive address of ``actor``'s wallet."""
        return self.wallet(actor).new_address()

    def deposit_address(self, exchange_actor, salt: bytes = b"") -> str:
        """A new deposit address for one customer: a fresh address of the exchange's own wallet, swept
        later with the others (``salt`` is for the EVM's deposit contracts; a wallet needs none)."""
        self.hot(exchange_actor)
        return self.wallet(exchange_actor).new_address()

    def hot(self, exchange_actor) -> str:
        """The exchange's hot wallet address (the first address of its wallet)."""
        if exchange_actor.id not in self.hot_address:
            self.hot_address[exchange_actor.id] = self.wallet(exchange_actor).new_address()
        return self.hot_address[exchange_actor.id]

    def controlled(self, actor) -> list[tuple[str, str]]:
        """``(address, role)`` of every address ``actor``'s wallets have handed out on this chain:
        receive and change addresses, and its hot wallet (an exchange's, or the CoinJoin coordinator's)."""
        hot = self.hot_address.get(actor.id)
        found = [(w.address(branch, i), role) for w in self._key_wallets(actor)
                 for branch, role in ((0, "receive"), (1, "change")) for i in range(w.next_index[branch])]
        found = [(a, role) for a, role in found if a != hot]
        if hot:
            found.append((hot, "hot_wallet" if actor.kind == "exchange" else "coordinator"))
        return found

    def addresses_of(self, actor) -> list[str]:
        """Every receive address ``actor``'s wallet(s) handed out, in order (for attribution tags)."""
        return [w.address(0, i) for w in self._key_wallets(actor)[::-1] for i in range(w.next_index[0])]

    def _key_wallets(self, actor) -> list[Wallet]:
        return [self.wallet(actor), *self._old_wallets.get(actor.id, [])]

    def coins(self, actor, *, address: str | None = None, exclude: str | None = None) -> list[Utxo]:
        """``actor``'s unspent coins, mempool included (optionally those at ``address`` only, or not at ``exclude``).

        Oldest first. Reads the ledger's script index directly: a wallet's own ``utxos`` scans the
        whole mempool once per address, too slow for an exchange with many deposit addresses.
        """
        found = [Utxo(op, coin, key, kind) for op, coin, key, kind in self._unspent(actor, address, exclude)]
        found.sort(key=lambda u: (u.coin.height, u.outpoint[0], u.outpoint[1]))
        return found

    def _unspent(self, actor, address: str | None, exclude: str | None):
        """``(outpoint, coin, key, script kind)`` of every coin :meth:`coins` lists, in no particular order."""
        only = script_for_address(address) if address is not None else None
        skip = script_for_address(exclude) if exclude is not None else None
        ledger = self.ledger
        indexed, utxos, spent = ledger._by_script, ledger.utxos, ledger._mempool_spends
        next_height = ledger.height + 1
        pending = [(tx.txid_bytes, n, out) for tx in (e.tx for e in ledger.mempool.values())
                   for n, out in enumerate(tx.tx.vout)]
        for w in self._key_wallets(actor):
            owned, kind = w._by_script, w.kind
            if only is not None:
                scripts = [only] if only in owned and only in indexed else []
            elif len(owned) <= len(indexed):  # the wallet's scripts that hold coins, from the smaller side
                scripts = [s for s in owned if s in indexed]
            else:
                scripts = [s for s in indexed if s in owned]
            for script in scripts:
                if script == skip:
                    continue
                key = owned[script]
                for op in indexed[script]:
                    coin = utxos[op]
                    if op in spent or (coin.coinbase and next_height - coin.height < COINBASE_MATURITY):
                        continue
                    yield op, coin, key, kind
            for txid, n, out in pending:
                script = out.script_pubkey.data
                if (only is not None and script != only) or script == skip or script not in owned:
                    continue
                op = (txid, n)
                if op not in spent:
                    yield op, Coin(out.value, script, next_height, False), owned[script], kind

    def coins_at(self, actor, outpoints: list[tuple[str, int]]) -> list[Utxo]:
        """The unspent coins at ``outpoints`` [(txid, vout), ...], which ``actor``'s keys control."""
        found = []
        for txid, vout in outpoints:
            op = outpoint(txid, vout)
            coin = self.ledger.coin(op, include_mempool=True)
            if coin is None:
                raise RuntimeError(f"{self.name}: output {txid}:{vout} is spent or unknown")
            mixing = [w for (a, _), w in self.coordinator.wallets.items() if a == actor.id] if self.coordinator else []
            for w in self._key_wallets(actor) + mixing:
                if w.owns(coin.script):
                    found.append(Utxo(op, coin, w._by_script[coin.script], w.kind))
                    break
            else:
                raise RuntimeError(f"{self.name}: {actor.id} holds no key for output {txid}:{vout}")
        return found

    def balance(self, actor) -> int:
        """Satoshi ``actor`` can spend now (unconfirmed coins included)."""
        return sum(coin.value for _, coin, _, _ in self._unspent(actor, None, None))

    # -- blocks ----------------------------------------------------------------------------
    def _slot_for(self, t: int) -> int:
        g, bt = self.genesis_time, self.block_time
        slot = g + bt * max(1, math.ceil((t - g) / bt))
        return max(slot, self.ledger.tip.header.time + 1, self.ledger.median_time_past() + 1)

    def _advance(self, t: int) -> None:
        slot = self._slot_for(t)
        if self.ledger.mempool and self._slot is not None and slot > self._slot:
            self.flush()
            slot = self._slot_for(t)
        if not self.ledger.mempool:
            self._slot = slot

    def flush(self) -> None:
        """Mine what is queued: one block at the open slot's time, coinbase to the lab miner."""
        if self.ledger.mempool:
            t = max(self._slot or 0, self.ledger.tip.header.time + 1, self.ledger.median_time_past() + 1)
            self.ledger.mine_block(t, self._miner_address)
            self._slot = None

    def close(self) -> None:
        self.flush()

    # -- what a bundle holds of this chain ------------------------------------------------
    backend = "tracelab-utxo"
    untraced = False

    def transactions(self) -> int:
        """Transactions mined on this chain so far, coinbases left out."""
        self.flush()
        return sum(len(b.txs) - 1 for b in self.ledger.blocks[1:])

    def write(self, chain_dir, export_dir) -> None:
        """The replay log into ``chain_dir``, the bitcoin-etl export into ``export_dir``."""
        from chains.utxo.export import export_jsonl
        from chains.utxo.replay import write_replay

        self.flush()
        write_replay(self.ledger, chain_dir / "replay.jsonl")
        export_jsonl(self.ledger, export_dir / "blocks.jsonl", export_dir / "transactions.jsonl")

    # -- transactions ----------------------------------------------------------------------
    def pay(self, actor, payments: list[tuple[str, int]], t: int) -> str | None:
        """``actor`` pays ``payments`` [(address, sat), ...], choosing coins the way its profile does.

        Coins are chosen largest first, oldest first or at random (branch and bound falls back to
        a random draw here, as Bitcoin Core does when no exact match exists); own unconfirmed
        change may be spent, as wallets do. Amounts are rounded per the profile. Returns the txid,
        or None if the wallet cannot pay.
        """
        w = self.wallet(actor)
        p = w.profile
        payments = [(a, round_amount(v, p)) for a, v in payments]
        coins = self.coins(actor)
        if p.coin_selection == "largest_first":
            coins.sort(key=lambda u: -u.value)
        elif p.coin_selection in ("random", "bnb"):
            self.rng.shuffle(coins)
        total_pay = sum(v for _, v in payments)
        pay_scripts = [script_for_address(a) for a, _ in payments] + [script_for_address(payments[0][0])]
        chosen, total = [], 0
        for u in coins:
            chosen.append(u)
            total += u.value
            if total >= total_pay + p.fee_rate * estimate_vsize([c.kind for c in chosen], pay_scripts) + 1_000:
                break
        else:
            return None
        try:
            txid, _ = self.spend(actor, chosen, payments, t)
        except (InsufficientFunds, ValueError):
            return None
        return txid

    def spend(self, actor, coins: list[Utxo], payments: list[tuple[str, int]], t: int, *,
              change: str | None = None, profile: WalletProfile | None = None) -> tuple[str, list[dict]]:
        """Spend exactly ``coins`` to ``payments``, the rest (less the fee) as change, with ``actor``'s habits.

        ``change`` names the change address (default: per the profile, a fresh change address or
        the first input's address). Returns the txid and its outputs as
        ``[{"vout", "address", "amount", "change"}]``.
        """
        self._advance(t)
        w = self.wallet(actor)
        p = profile or w.profile
        if not coins:
            raise InsufficientFunds(f"{actor.id}: no coins to spend")
        pay = [(script_for_address(a), v) for a, v in payments]
        for a, v in payments:
            if v < dust_threshold(script_for_address(a)):
                raise ValueError(f"payment of {v} sat to {a} is below the dust threshold")
        if change is not None:
            change_script = script_for_address(change)
        elif p.change_address == "reuse":
            change_script = coins[0].coin.script
        else:
            change_script = script_for_address(w.new_address(change=True))
        kinds = [u.kind for u in coins]
        total_in = sum(u.value for u in coins)
        total_pay = sum(v for _, v in pay)
        fee = p.fee_rate * estimate_vsize(kinds, [s for s, _ in pay] + [change_script])
        rest = total_in - total_pay - fee
        outputs = list(pay)
        if rest >= dust_threshold(change_script):
            if p.change_position == "last":
                pos = len(outputs)
            elif p.change_position == "first":
                pos = 0
            else:
                pos = self.rng.randrange(len(outputs) + 1)
            outputs.insert(pos, (change_script, rest))
        elif total_in < total_pay + p.fee_rate * estimate_vsize(kinds, [s for s, _ in pay]):
            raise InsufficientFunds(f"{actor.id}: {total_in} sat do not cover {total_pay} sat plus fee")
        else:
            pos = None
        coins = list(coins)
        self.rng.shuffle(coins)
        saved, w.profile = w.profile, p
        try:
            tx = w._sign(coins, outputs, w._locktime(self.ledger, self.rng))
        finally:
            w.profile = saved
        self.ledger.submit(tx)
        self.made.append({"chain": self.name, "tx": tx.txid, "actor": actor.id, "change": [] if pos is None else [pos]})
        outs = [{"vout": n, "address": script_address(s), "amount": v, "change": n == pos}
                for n, (s, v) in enumerate(outputs)]
        return tx.txid, outs

    def send_all(self, actor, coins: list[Utxo], to: str, t: int, *, fee_rate: int | None = None) -> tuple[str, int]:
        """Spend ``coins`` entirely to ``to`` in one transaction (a consolidation); returns txid and amount."""
        self._advance(t)
        w = self.wallet(actor)
        rate = fee_rate or w.profile.fee_rate
        script = script_for_address(to)
        value = sum(u.value for u in coins) - rate * estimate_vsize([u.kind for u in coins], [script])
        if value < dust_threshold(script):
            raise InsufficientFunds(f"{actor.id}: consolidating {len(coins)} coins leaves {value} sat")
        from chains.utxo.tx import build, sign

        coins = list(coins)
        self.rng.shuffle(coins)
        unsigned = build([(u.outpoint[0].hex(), u.outpoint[1], 0xFFFFFFFD) for u in coins], [(script, value)],
                         locktime=self.ledger.height, version=w.profile.version)
        tx = sign(unsigned, [(u.value, u.coin.script) for u in coins], [u.key for u in coins])
        self.ledger.submit(tx)
        self.made.append({"chain": self.name, "tx": tx.txid, "actor": actor.id, "change": []})
        return tx.txid, value

    # -- exchanges -------------------------------------------------------------------------
    def withdraw(self, exchange_actor, to: str, sats: int, t: int) -> str | None:
        """The exchange pays a customer's withdrawal from its hot wallet, change back to the hot address."""
        hot = self.hot(exchange_actor)
        coins = sorted(self.coins(exchange_actor, address=hot), key=lambda u: -u.value)
        chosen, total = [], 0
        for u in coins:
            chosen.append(u)
            total += u.value
            if total >= sats + 10_000:
                break
        if total < sats + 10_000:
            return None
        txid, _ = self.spend(exchange_actor, chosen, [(to, sats)], t, change=hot)
        return txid

    def sweep_deposits(self, exchange_actor, t: int) -> str | None:
        """Consolidate every coin on the exchange's deposit addresses into its hot wallet (many inputs, one output)."""
        hot = self.hot(exchange_actor)
        coins = self.coins(exchange_actor, exclude=hot)
        if not coins:
            return None
        try:
            txid, _ = self.send_all(exchange_actor, coins, hot, t)
        except InsufficientFunds:
            return None
        return txid

    # -- funding ---------------------------------------------------------------------------
    def distribute(self, payouts: list[tuple[str, int]], t: int) -> list[str]:
        """The miner pays ``payouts`` before the case starts, in batches, one block each."""
        txids = []
        for i in range(0, len(payouts), 200):
            batch = payouts[i:i + 200]
            coins = sorted(self.coins(self.miner), key=lambda u: -u.value)
            need = sum(v for _, v in batch) + 200 * 40 + 10_000
            chosen, total = [], 0
            for u in coins:
                if total >= need:
                    break
                chosen.append(u)
                total += u.value
            if total < need:
                raise RuntimeError(f"{self.name}: the funding blocks hold {total} sat, the world needs {need} more")
            self._slot = None
            txid, _ = self.spend(self.miner, chosen, batch, t, change=self._miner_address, profile=MINER_PROFILE)
            self._slot = self._slot_for(t)
            self.flush()
            txids.append(txid)
            t += self.block_time
        return txids
