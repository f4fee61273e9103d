"""The mempool's replacement policy: which waiting transactions a new one evicts, and whether it pays
enough to (BIP-125 as Bitcoin Core 28+ applies it, with full RBF).

Pure functions over the mempool (txid -> :class:`MempoolEntry`) and the outpoints its
transactions spend; :class:`~chains.utxo.ledger.Ledger` holds both and applies the verdict.
"""
from dataclasses import dataclass
from fractions import Fraction

from chains.utxo import errors as E
from chains.utxo import params
from chains.utxo.tx import Tx
from chains.utxo.validation import Outpoint

#: Bitcoin Core's limit on transactions one replacement may evict (BIP-125 rule 5).
MAX_REPLACEMENT_EVICTIONS = 100


@dataclass(frozen=True)
class MempoolEntry:
    """A transaction waiting in the mempool, with its fee and the (simulated) time it arrived."""

    tx: Tx
    fee: int
    time: int
    height: int

    @property
    def fee_rate(self) -> Fraction:
        """Fee rate in sat/vB, exact."""
        return Fraction(self.fee, self.tx.vsize)


def evictions(mempool: dict[str, MempoolEntry], spends: dict[Outpoint, str], tx: Tx) -> tuple[set[str], set[str]]:
    """The mempool transactions ``tx`` conflicts with, and all it would evict (they and their descendants).

    Raises
    ------
    TxRejected
        If it would evict more than :data:`MAX_REPLACEMENT_EVICTIONS`, or spends an output of one it evicts.
    """
    conflicts = {spends[op] for op in tx.outpoints() if op in spends}
    evicted = descendants(mempool, conflicts) if conflicts else set()
    if len(evicted) > MAX_REPLACEMENT_EVICTIONS:
        raise E.TxRejected(E.TOO_MANY_REPLACEMENTS, f"replacing {len(evicted)} mempool "
                           f"transactions > {MAX_REPLACEMENT_EVICTIONS}")
    for index, outpoint in enumerate(tx.outpoints()):
        if outpoint[0].hex() in evicted:
            raise E.TxRejected(E.SPENDS_CONFLICTING, f"input {index} spends an output of "
                               f"{outpoint[0].hex()}, which this transaction replaces")
    return conflicts, evicted


def descendants(mempool: dict[str, MempoolEntry], txids: set[str]) -> set[str]:
    """``txids`` and every mempool transaction that spends their outputs, directly or not."""
    found, frontier = set(txids), list(txids)
    while frontier:
        parent = bytes.fromhex(frontier.pop())
        for txid, entry in mempool.items():
            if txid not in found and any(op[0] == parent for op in entry.tx.outpoints()):
                found.add(txid)
                frontier.append(txid)
    return found


def check_replacement(mempool: dict[str, MempoolEntry], tx: Tx, fee: int, conflicts: set[str],
                      evicted: set[str]) -> None:
    """BIP-125 rules 3, 4 and 6 as Bitcoin Core applies them; TxRejected if ``tx`` pays too little."""
    for txid in sorted(conflicts):
        old = mempool[txid]
        if fee * old.tx.vsize <= old.fee * tx.vsize:
            raise E.TxRejected(E.INSUFFICIENT_FEE, f"rejecting replacement {tx.txid}; new "
                               f"feerate {Fraction(fee, tx.vsize)} <= old feerate "
                               f"{old.fee_rate} sat/vB of {txid}")
    replaced_fees = sum(mempool[t].fee for t in evicted)
    if fee < replaced_fees:
        raise E.TxRejected(E.INSUFFICIENT_FEE, f"rejecting replacement {tx.txid}, less fees "
                           f"than conflicting txs; {fee} < {replaced_fees}")
    extra = params.MIN_RELAY_FEE * tx.vsize // 1000
    if fee - replaced_fees < extra:
        raise E.TxRejected(E.INSUFFICIENT_FEE, f"rejecting replacement {tx.txid}, not "
                           f"enough additional fees to relay; {fee - replaced_fees} < "
                           f"{extra}")
