"""Token movements decoded from ethereum-etl ``logs``: ERC-20 ``Transfer`` events, and the wraps and
unwraps of wrapped-native contracts (WETH9), which emit no ``Transfer`` for them.

ethereum-etl's ``extract_token_transfers`` reads only the ``Transfer`` topic, so a ``token_transfers``
file holds every ERC-20 movement except what WETH9 mints and burns: its ``deposit()`` emits
``Deposit(address indexed dst, uint wad)`` and its ``withdraw(wad)`` ``Withdrawal(address indexed
src, uint wad)``, and nothing else. Decoded here as the token movements they are, a mint of ``wad``
WETH from the zero address to ``dst``, and a burn of ``wad`` from ``src`` to the zero address, they
let a trace follow ether into WETH and back (:mod:`tracer.conversions`).

Only contracts known to be WETH9 are read this way (:data:`~tracer.load.evm_schema.WRAPPED_NATIVE`,
or those a caller names): other contracts use the same event names for other things (a vault's
``Deposit(address,uint256)`` is no mint of a token). A contract that does emit ``Transfer`` for its
mints and burns (the lab's WETH does both) is not counted twice: a ``Deposit`` or ``Withdrawal``
whose transaction already holds the same contract's ``Transfer`` of the same amount from (to) the
zero address to (from) the same account is that transfer, and is skipped.
"""
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tracer import transfers as T
from tracer.errors import LoadError
from tracer.load.evm_schema import DEPOSIT_TOPIC, LOG_COLUMNS, TRANSFER_TOPIC, WITHDRAWAL_TOPIC
from tracer.load.evm_tokens import token_columns
from tracer.load.evm_transactions import hash_objects, joined
from tracer.load.parsers import address_codes, check_hashes, timestamps, to_int64, to_numpy, tx_index
from tracer.load.readers import require
from tracer.load.table import Part

ZERO = "0x" + "0" * 40
_HEX = frozenset("0123456789abcdef")


def map_logs(files, blocks, tokens, txs, wrapped, transfers=True, known=()):
    """Token rows decoded from the ``logs`` file.

    Parameters
    ----------
    files : tracer.load.readers.Export
    blocks, tokens, txs
        Block times, the ``tokens`` file's decimals and symbols, the :class:`Transactions` (or None).
    wrapped : set of str
        Lower-case addresses of WETH9-like contracts whose ``Deposit`` and ``Withdrawal`` are read.
    transfers : bool
        Decode ERC-20 ``Transfer`` too (when there is no ``token_transfers`` file), as ethereum-etl's
        ``extract_token_transfers`` does: exactly three topics (from, to) and a 32-byte amount
        (ERC-721 indexes a fourth topic, the token id, and is skipped).
    known : iterable of Part
        Token rows already mapped (from ``token_transfers``): a wrap they already hold is skipped.
    """
    p = files["logs"]
    df = files.read("logs")
    require(df, LOG_COLUMNS, p)
    topics = pc.utf8_lower(df["topics"])
    head = pc.utf8_slice_codeunits(topics, 0, 66)
    wanted = pc.is_in(head, value_set=pa.array([DEPOSIT_TOPIC, WITHDRAWAL_TOPIC]))
    wanted = pc.and_(wanted, pc.is_in(pc.utf8_lower(df["address"]), value_set=pa.array(sorted(wrapped), pa.string())))
    if transfers:
        wanted = pc.or_(wanted, pc.equal(head, TRANSFER_TOPIC))
    picked = np.flatnonzero(to_numpy(pc.fill_null(wanted, False)))
    if not len(picked):
        return []
    df, topics = df.take(pa.array(picked)), topics.take(pa.array(picked))
    rows, frm, to, value, mints = [], [], [], [], set()
    for n, (tp, d) in enumerate(zip(topics.to_pylist(), df["data"].to_pylist(), strict=True)):
        words = tp.split(",")
        if words[0] == TRANSFER_TOPIC:
            if len(words) != 3 or len(d) != 66:
                continue
            a, b = _word(words[1], p, picked[n], "topics")[-40:], _word(words[2], p, picked[n], "topics")[-40:]
            a, b = "0x" + a, "0x" + b
        else:  # Deposit(dst, wad): a mint to dst; Withdrawal(src, wad): a burn from src
            if len(words) != 2 or len(d) != 66:
                continue  # the same event name with another layout: not WETH9's
            who = "0x" + _word(words[1], p, picked[n], "topics")[-40:]
            a, b = (ZERO, who) if words[0] == DEPOSIT_TOPIC else (who, ZERO)
            mints.add(len(rows))
        amount = int(_word(d, p, picked[n], "data"), 16)
        rows.append(n)
        frm.append(a)
        to.append(b)
        value.append(amount)
    if mints:
        rows, frm, to, value = _not_twice(rows, frm, to, value, mints, df, wrapped, known)
    if not rows:
        return []
    df = df.take(pa.array(rows))
    token = address_codes(df["address"], p, "address")
    block = to_int64(df["block_number"], p, "block_number")
    h = df["transaction_hash"]
    check_hashes(h, p, "transaction_hash")
    join = joined(txs, tx_index(df, p), h)
    return [Part(T.TOKEN, hash_objects(txs, h, join), block, timestamps(df, block, blocks, p),
                 np.array(frm, dtype=object), np.array(to, dtype=object), np.array(value, dtype=object),
                 index=to_int64(df["log_index"], p, "log_index"), **join, **token_columns(token, tokens))]


def _word(x, path, row, column):
    """The hex digits of a 32-byte word ``0x`` + 64 hex digits (lower-cased), or a LoadError."""
    x = x.lower()
    if len(x) != 66 or not x.startswith("0x") or not _HEX.issuperset(x[2:]):
        raise LoadError(path, f"not a 32-byte hex word: {x!r}", row=int(row) + 1, column=column)
    return x[2:]


def _not_twice(rows, frm, to, value, mints, df, wrapped, known):
    """The decoded rows without the wraps a ``Transfer`` of the same contract already says."""
    hashes = [h.lower() for h in df["transaction_hash"].to_pylist()]
    address = pc.utf8_lower(df["address"]).to_pylist()
    said = Counter()
    for k in set(range(len(rows))) - mints:  # Transfer logs decoded here
        if address[rows[k]] in wrapped and ZERO in (frm[k], to[k]):
            said[hashes[rows[k]], address[rows[k]], frm[k], to[k], value[k]] += 1
    for part in known:  # and rows of the token_transfers file (only mints and burns of these contracts)
        frm_, to_, asset = part.values(T.FROM), part.values(T.TO), part.values(T.ASSET)
        ours = pd.Series(asset, dtype=object).isin(wrapped).to_numpy()
        at = np.flatnonzero(ours & ((frm_ == ZERO) | (to_ == ZERO)))
        txh, amount = part.values(T.TX_HASH), part.values(T.AMOUNT)
        for i in at.tolist():
            said[txh[i].lower(), asset[i], frm_[i], to_[i], amount[i]] += 1
    keep = []
    for k in range(len(rows)):
        key = (hashes[rows[k]], address[rows[k]], frm[k], to[k], value[k])
        if k in mints and said[key]:
            said[key] -= 1  # the same mint or burn, said by both events: once
            continue
        keep.append(k)
    return [rows[k] for k in keep], [frm[k] for k in keep], [to[k] for k in keep], [value[k] for k in keep]
