"""The ledger: chain of blocks, UTXO set, mempool and mining on demand.

Time is simulated: every block's timestamp is chosen by the caller and must exceed the median
time past, as in Bitcoin. There is no reorganisation: the lab chain only grows.
"""
from chains.utxo import errors as E
from chains.utxo import params
from chains.utxo.block import (WITNESS_COMMITMENT_HEADER, Block, Header, assemble, make_coinbase, merkle_hex,
                               push_int, witness_root)
from chains.utxo.mempool import MempoolEntry, check_replacement, evictions
from chains.utxo.scripts import script_for_address
from chains.utxo.tx import Tx, sha256d
from chains.utxo.validation import Coin, Outpoint, check_tx


class Ledger:
    """A Bitcoin-like regtest chain held in memory.

    Starts from the regtest genesis block. ``submit`` puts transactions in the mempool after
    full validation; ``mine_block`` builds a block from the mempool at a given timestamp;
    ``connect_block`` validates and appends a block built elsewhere (replay).
    """

    def __init__(self):
        genesis_tx = Tx.from_raw(params.GENESIS_TX_HEX)
        header = Header(params.GENESIS_VERSION, "00" * 32, genesis_tx.txid, params.GENESIS_TIME,
                        params.REGTEST_BITS, params.GENESIS_NONCE)
        genesis = Block(header, (genesis_tx,))
        assert genesis.hash == params.GENESIS_HASH
        self.blocks: list[Block] = [genesis]
        self.heights: dict[str, int] = {genesis.hash: 0}
        #: Unspent outputs; the genesis output is unspendable, as in Bitcoin.
        self.utxos: dict[Outpoint, Coin] = {}
        #: Every output ever confirmed, spent or not (exports need spent values).
        self.outputs: dict[Outpoint, Coin] = {}
        #: txid -> (height, position in block), for every confirmed transaction.
        self.tx_index: dict[str, tuple[int, int]] = {genesis_tx.txid: (0, 0)}
        self.fees: dict[str, int] = {}
        self.mempool: dict[str, MempoolEntry] = {}
        self._mempool_spends: dict[Outpoint, str] = {}
        self._by_script: dict[bytes, set[Outpoint]] = {}
        self._seen_scripts: set[bytes] = set()
        #: wtxids whose signatures already passed (Bitcoin Core keeps such a cache too).
        self._scripts_ok: set[str] = set()
        #: height -> median time past of the blocks up to it
        self._mtp: dict[int, int] = {}

    # -- chain state ------------------------------------------------------------------------
    @property
    def height(self) -> int:
        """Height of the tip."""
        return len(self.blocks) - 1

    @property
    def tip(self) -> Block:
        return self.blocks[-1]

    def block(self, ref: int | str) -> Block:
        """Block by height or hash; KeyError naming the reference if unknown."""
        if isinstance(ref, int):
            if not 0 <= ref < len(self.blocks):
                raise KeyError(f"no block at height {ref}")
            return self.blocks[ref]
        if ref not in self.heights:
            raise KeyError(f"no block with hash {ref}")
        return self.blocks[self.heights[ref]]

    def median_time_past(self, height: int | None = None) -> int:
        """Median timestamp of the 11 blocks ending at ``height`` (the tip by default)."""
        height = self.height if height is None else height
        mtp = self._mtp.get(height)
        if mtp is None:  # asked for with every transaction; a block, once connected, never changes
            times = sorted(b.header.time for b in self.blocks[max(0, height - 10):height + 1])
            mtp = times[len(times) // 2]
            if height <= self.height:
                self._mtp[height] = mtp
        return mtp

    def get_transaction(self, txid: str) -> tuple[Tx, int | None]:
        """Return ``(tx, height)`` of a confirmed (height) or mempool (None) transaction."""
        if txid in self.tx_index:
            height, pos = self.tx_index[txid]
            return self.blocks[height].txs[pos], height
        if txid in self.mempool:
            return self.mempool[txid].tx, None
        raise KeyError(f"no transaction {txid}")

    def coin(self, outpoint: Outpoint, include_mempool: bool = False) -> Coin | None:
        """The unspent coin at ``outpoint``, optionally seen through the mempool."""
        if include_mempool:
            if outpoint in self._mempool_spends:
                return None
            txid = outpoint[0].hex()
            if txid in self.mempool:
                vout = self.mempool[txid].tx.tx.vout
                if outpoint[1] < len(vout):
                    out = vout[outpoint[1]]
                    return Coin(out.value, out.script_pubkey.data, self.height + 1, False)
                return None
        return self.utxos.get(outpoint)

    def unspent_for_script(self, script: bytes, include_mempool: bool = False
                           ) -> list[tuple[Outpoint, Coin]]:
        """Unspent outputs paying to ``script``, oldest first (confirmed, not spent in mempool).

        With ``include_mempool``, outputs of mempool transactions are included too.
        """
        found = [(op, self.utxos[op]) for op in self._by_script.get(script, ())
                 if op not in self._mempool_spends]
        if include_mempool:
            for entry in self.mempool.values():
                for n, out in enumerate(entry.tx.tx.vout):
                    op = (entry.tx.txid_bytes, n)
                    if out.script_pubkey.data == script and op not in self._mempool_spends:
                        found.append((op, Coin(out.value, script, self.height + 1, False)))
        found.sort(key=lambda item: (item[1].height, self._position(item[0]), item[0][1]))
        return found

    def script_used(self, script: bytes) -> bool:
        """True if any confirmed or mempool output ever paid to ``script``."""
        if script in self._seen_scripts:
            return True
        return any(o.script_pubkey.data == script for e in self.mempool.values()
                   for o in e.tx.tx.vout)

    def _position(self, outpoint: Outpoint) -> int:
        return self.tx_index.get(outpoint[0].hex(), (0, 1 << 30))[1]

    # -- mempool ----------------------------------------------------------------------------
    def submit(self, tx: Tx | bytes | str) -> Tx:
        """Validate ``tx`` and add it to the mempool (``sendrawtransaction``).

        A transaction that spends what mempool transactions already spend replaces them (and
        their descendants) if it pays more, as Bitcoin Core does with full RBF: a higher fee
        rate than each one it conflicts with, at least their total fee, plus 1 sat/vB of its
        own size.

        Raises
        ------
        TxRejected
            With Bitcoin Core's reason; the ledger and mempool are then unchanged.
        """
        if not isinstance(tx, Tx):
            try:
                tx = Tx.from_raw(tx)
            except ValueError as exc:
                raise E.TxRejected(E.DECODE_FAILED, str(exc)) from None
        if tx.txid in self.mempool:
            raise E.TxRejected(E.ALREADY_KNOWN, f"{tx.txid} is already in the mempool")
        if tx.txid in self.tx_index:
            raise E.TxRejected(E.ALREADY_IN_CHAIN, f"{tx.txid} is already confirmed")
        conflicts, evicted = evictions(self.mempool, self._mempool_spends, tx)
        fee, _ = check_tx(tx, lambda op: self._mempool_coin(op, evicted), self.height + 1,
                          self.median_time_past(), policy=True)
        if conflicts:
            check_replacement(self.mempool, tx, fee, conflicts, evicted)
        self._scripts_ok.add(tx.wtxid)
        for txid in evicted:
            self._remove_from_mempool(txid)
        self._add_to_mempool(tx, fee)
        return tx

    def _mempool_coin(self, outpoint: Outpoint, ignore: set[str]) -> Coin | None:
        """Coin seen through the mempool, as if the ``ignore`` transactions were gone."""
        spender = self._mempool_spends.get(outpoint)
        if spender is not None and spender not in ignore:
            return None
        txid = outpoint[0].hex()
        if txid in self.mempool:
            vout = self.mempool[txid].tx.tx.vout
            if txid in ignore or outpoint[1] >= len(vout):
                return None
            out = vout[outpoint[1]]
            return Coin(out.value, out.script_pubkey.data, self.height + 1, False)
        return self.utxos.get(outpoint)

    def _remove_from_mempool(self, txid: str) -> None:
        entry = self.mempool.pop(txid)
        for op in entry.tx.outpoints():
            if self._mempool_spends.get(op) == txid:
                del self._mempool_spends[op]

    def _add_to_mempool(self, tx: Tx, fee: int) -> None:
        self.mempool[tx.txid] = MempoolEntry(tx, fee, self.tip.header.time, self.height)
        for outpoint in tx.outpoints():
            self._mempool_spends[outpoint] = tx.txid

    # -- blocks -----------------------------------------------------------------------------
    def mine_block(self, time: int, payout: str | bytes, txids: list[str] | None = None) -> Block:
        """Mine a block at ``time`` from the mempool, paying subsidy and fees to ``payout``.

        Parameters
        ----------
        time : int
            Block timestamp (UNIX seconds); must exceed the median time past.
        payout : str or bytes
            Address or output script of the coinbase.
        txids : list of str, optional
            Mempool transactions to include (default: all, in arrival order).
        """
        script = script_for_address(payout) if isinstance(payout, str) else payout
        chosen = list(self.mempool) if txids is None else list(txids)
        for txid in chosen:
            if txid not in self.mempool:
                raise KeyError(f"transaction {txid} is not in the mempool")
        txs = [self.mempool[t].tx for t in chosen]
        fees = sum(self.mempool[t].fee for t in chosen)
        return self.mine_transactions(time, script, txs, fees)

    def mine_transactions(self, time: int, payout_script: bytes, txs: list[Tx],
                          fees: int | None = None) -> Block:
        """Build a block over ``txs`` (in order) and connect it; BlockRejected if invalid."""
        height = self.height + 1
        if fees is None:
            fees = self._fees_of(txs)
        coinbase = make_coinbase(height, payout_script, params.block_subsidy(height) + fees,
                                 txs)
        block = assemble(self.tip.hash, time, [coinbase] + list(txs), params.BLOCK_VERSION)
        self.connect_block(block)
        return block

    def _fees_of(self, txs: list[Tx]) -> int:
        # Best effort, for building a coinbase; connect_block checks the real figure.
        overlay: dict[Outpoint, Coin] = {}
        total = 0
        for tx in txs:
            spent = 0
            for op in tx.outpoints():
                coin = overlay.get(op) or self.utxos.get(op)
                spent += coin.value if coin else 0
            total += spent - sum(o.value for o in tx.tx.vout)
            for n, out in enumerate(tx.tx.vout):
                overlay[(tx.txid_bytes, n)] = Coin(out.value, out.script_pubkey.data, 0, False)
        return max(total, 0)

    def connect_block(self, block: Block) -> None:
        """Validate ``block`` on top of the tip and apply it, or raise BlockRejected.

        Nothing changes unless the whole block is valid.
        """
        height = self.height + 1
        header = block.header
        if header.prev_hash != self.tip.hash:
            raise E.BlockRejected("prev-blk-not-found", f"block {block.hash} builds on "
                                  f"{header.prev_hash}, the tip is {self.tip.hash}")
        if not header.meets_target():
            raise E.BlockRejected("high-hash", f"block {block.hash} does not meet its target")
        if header.bits != params.REGTEST_BITS:
            raise E.BlockRejected("bad-diffbits", f"bits {header.bits:#x}")
        mtp = self.median_time_past()
        if header.time <= mtp:
            raise E.BlockRejected("time-too-old", f"block time {header.time} is not after the "
                                  f"median time past {mtp}")
        txs = block.txs
        if not txs or not txs[0].is_coinbase:
            raise E.BlockRejected("bad-cb-missing", "first transaction is not a coinbase")
        if any(t.is_coinbase for t in txs[1:]):
            raise E.BlockRejected("bad-cb-multiple", "more than one coinbase")
        root = merkle_hex([t.txid_bytes[::-1] for t in txs])
        if root != header.merkle_root:
            raise E.BlockRejected("bad-txnmrklroot", f"merkle root {header.merkle_root} != {root}")
        if len({t.txid for t in txs}) != len(txs):
            raise E.BlockRejected("bad-txns-duplicate", "a transaction appears twice")
        if block.weight > params.MAX_BLOCK_WEIGHT:
            raise E.BlockRejected("bad-blk-weight", f"weight {block.weight}")
        coinbase = txs[0]
        script_sig = coinbase.tx.vin[0].script_sig.data
        if not script_sig.startswith(push_int(height)):
            raise E.BlockRejected("bad-cb-height", f"coinbase does not start with height {height}")
        self._check_witness_commitment(block)

        overlay: dict[Outpoint, Coin | None] = {}

        def lookup(op):
            if op in overlay:
                return overlay[op]
            return self.utxos.get(op)

        fees = 0
        created: list[tuple[Outpoint, Coin]] = []
        for pos, tx in enumerate(txs[1:], start=1):
            try:
                fee, _ = check_tx(tx, lookup, height, mtp, policy=False,
                                  verify_scripts=tx.wtxid not in self._scripts_ok)
            except E.TxRejected as rej:
                raise E.BlockRejected(rej.reason, f"transaction {pos} ({tx.txid}) of block "
                                      f"{block.hash}: {rej.detail}") from None
            fees += fee
            for op in tx.outpoints():
                overlay[op] = None
            for n, out in enumerate(tx.tx.vout):
                coin = Coin(out.value, out.script_pubkey.data, height, False)
                overlay[(tx.txid_bytes, n)] = coin
                created.append(((tx.txid_bytes, n), coin))
        limit = params.block_subsidy(height) + fees
        cb_value = sum(o.value for o in coinbase.tx.vout)
        if cb_value > limit:
            raise E.BlockRejected("bad-cb-amount", f"coinbase pays {cb_value} sat > subsidy plus "
                                  f"fees {limit} sat")
        for n, out in enumerate(coinbase.tx.vout):
            coin = Coin(out.value, out.script_pubkey.data, height, True)
            overlay[(coinbase.txid_bytes, n)] = coin
            created.append(((coinbase.txid_bytes, n), coin))

        # The block is valid: apply it.
        self.blocks.append(block)
        self.heights[block.hash] = height
        for pos, tx in enumerate(txs):
            self.tx_index[tx.txid] = (height, pos)
        for op, coin in created:
            self.outputs[op] = coin
            self._seen_scripts.add(coin.script)
        for op, coin in overlay.items():
            if coin is None:
                old = self.utxos.pop(op, None)
                if old is not None:
                    self._unindex(op, old.script)
            elif coin.script[:1] != b"\x6a":  # OP_RETURN outputs never enter the UTXO set
                self.utxos[op] = coin
                self._by_script.setdefault(coin.script, set()).add(op)
        for tx in txs[1:]:
            self.fees[tx.txid] = sum(self.outputs[op].value for op in tx.outpoints()) \
                - sum(o.value for o in tx.tx.vout)
        self._refresh_mempool({t.txid for t in txs})

    def _unindex(self, op: Outpoint, script: bytes) -> None:
        ops = self._by_script.get(script)
        if ops is not None:
            ops.discard(op)
            if not ops:
                del self._by_script[script]

    def _check_witness_commitment(self, block: Block) -> None:
        coinbase = block.txs[0]
        commitment = None
        for out in coinbase.tx.vout:
            data = out.script_pubkey.data
            if len(data) >= 38 and data[:6] == b"\x6a\x24" + WITNESS_COMMITMENT_HEADER:
                commitment = data[6:38]
        has_witness = any(t.wtxid != t.txid for t in block.txs[1:])
        if commitment is None:
            if has_witness:
                raise E.BlockRejected("unexpected-witness", "witness data without a commitment")
            return
        witness = coinbase.tx.vin[0].witness.items
        if len(witness) != 1 or len(witness[0]) != 32:
            raise E.BlockRejected("bad-witness-nonce-size", "coinbase witness reserved value")
        expected = sha256d(witness_root(list(block.txs)) + witness[0])
        if expected != commitment:
            raise E.BlockRejected("bad-witness-merkle-match", "witness commitment mismatch")

    def _refresh_mempool(self, mined: set[str]) -> None:
        """Drop mined transactions, then re-admit the rest in order (drops conflicts)."""
        waiting = [e for txid, e in self.mempool.items() if txid not in mined]
        self.mempool = {}
        self._mempool_spends = {}
        for entry in waiting:
            try:
                check_tx(entry.tx, lambda op: self.coin(op, include_mempool=True),
                         self.height + 1, self.median_time_past(), policy=True, verify_scripts=False)
            except E.TxRejected:
                continue
            if any(op in self._mempool_spends for op in entry.tx.outpoints()):
                continue
            self.mempool[entry.tx.txid] = entry
            for op in entry.tx.outpoints():
                self._mempool_spends[op] = entry.tx.txid
