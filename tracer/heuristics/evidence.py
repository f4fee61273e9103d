"""Evidence rows: what every heuristic returns, never a bare verdict.

A row says what the heuristic links (``a`` and ``b``, with their chains), how (``link``), how
strongly (``confidence``), why in words (``reason``) and on which transactions it rests
(``txs``), so that an investigator can check each claim against the chain and a court can ask
how often such a claim is wrong (``tracelab evaluate`` measures it per heuristic).
Columns are constants here and mirrored in ``docs/heuristics.md``.
"""
from __future__ import annotations

import pandas as pd

from tracer import transfers as T

HEURISTIC, LINK, CHAIN, A, B_CHAIN, B = "heuristic", "link", "chain", "a", "b_chain", "b"
OUTPUT, GROUP, CONFIDENCE, REASON, TXS = "output", "group", "confidence", "reason", "txs"
#: ``output``: the UTXO output ``txid:vout`` a change or peel row names, or a swap's deposit on a
#: UTXO chain (else None); ``group``:
#: rows that belong together (one peel chain, one deposit address, one portfolio; else None);
#: ``txs``: a tuple of the transaction hashes the row rests on, in the order the reason tells them
COLUMNS = [HEURISTIC, LINK, CHAIN, A, B_CHAIN, B, OUTPUT, GROUP, CONFIDENCE, REASON, TXS]

#: what a row claims about ``a`` and ``b``
SAME_OWNER = "same owner"    # addresses a and b are controlled by one person or service
CHANGE = "change"            # ``output`` of a transaction a sent is change, back to its sender, at b
COINJOIN = "coinjoin"        # transaction a is a CoinJoin (b is None): its inputs have many owners
PEEL = "peel"                # one hop of a peel chain: ``output`` (at b) carries on what a held
SAME_FUNDS = "same funds"    # value a sent into a service came out to b (a mixer, a bridge, a swap)
STRUCTURING = "structuring"  # a sent many transfers just below a reporting threshold (b is None)
LINKS = (SAME_OWNER, CHANGE, COINJOIN, PEEL, SAME_FUNDS, STRUCTURING)

#: confidence levels, as each heuristic's docstring defines them; what they are worth in practice
#: is what ``tracelab evaluate`` measures, not what the level's name suggests
HIGH, MEDIUM, LOW = "high", "medium", "low"
LEVELS = (HIGH, MEDIUM, LOW)


class MissingColumnError(ValueError):
    """A heuristic needs a column the transfers table does not have."""


#: how to get the optional columns, the end of every :class:`MissingColumnError` message
LOAD_HINT = "load the data with tracer.load.load(..., extra=True)"


#: where each optional column comes from, for the error message
_SOURCES = {
    "script_type": "bitcoin-etl inputs[].type and outputs[].type",
    "locktime": "bitcoin-etl lock_time",
    "version": "bitcoin-etl version",
    "sequence": "bitcoin-etl inputs[].sequence",
    "gas_price": "ethereum-etl transactions.csv gas_price",
    "selector": "ethereum-etl transactions.csv input",
}


def needs(table, columns, heuristic):
    """Raise :class:`MissingColumnError` naming ``heuristic``, each missing column and how to get it.

    Examples
    --------
    >>> needs(pd.DataFrame({"gas_price": []}), ["gas_price"], "mixer.unique_gas_price")
    >>> try:
    ...     needs(pd.DataFrame(), ["gas_price"], "mixer.unique_gas_price")
    ... except MissingColumnError as e:
    ...     print(e)
    mixer.unique_gas_price needs the column 'gas_price' (from ethereum-etl transactions.csv gas_price), which
    this table lacks: load the data with tracer.load.load(..., extra=True)
    """
    missing = [c for c in columns if c not in table.columns]
    if missing:
        named = ", ".join(f"{c!r}" + (f" (from {_SOURCES[c]})" if c in _SOURCES else "") for c in missing)
        plural = "s" if len(missing) > 1 else ""
        raise MissingColumnError(f"{heuristic} needs the column{plural} {named}, which this table lacks: {LOAD_HINT}")


def frame(rows):
    """An evidence table from row dicts (missing keys are None; ``txs`` become tuples).

    Examples
    --------
    >>> e = frame([{"heuristic": "x", "link": SAME_OWNER, "chain": "c", "a": "p", "b": "q",
    ...             "confidence": HIGH, "reason": "why", "txs": ["t1"]}])
    >>> e.loc[0, "b_chain"], e.loc[0, "txs"]
    ('c', ('t1',))
    """
    out = pd.DataFrame([{c: r.get(c) for c in COLUMNS} for r in rows], columns=COLUMNS, dtype=object)
    if len(out):
        missing = out[B_CHAIN].isna() & out[B].notna()
        out.loc[missing, B_CHAIN] = out.loc[missing, CHAIN]
        out[TXS] = [tuple(t) if t is not None else () for t in out[TXS]]
    return out


def empty():
    """An evidence table without rows.

    >>> list(empty().columns) == COLUMNS
    True
    """
    return frame([])


def concat(tables):
    """Several evidence tables as one, in the order given."""
    tables = [t for t in tables if len(t)]
    return pd.concat(tables, ignore_index=True) if tables else empty()


def outpoint(tx_hash, vout):
    """``txid:vout``, the way the tracer names one UTXO output.

    >>> outpoint("ab", 1)
    'ab:1'
    """
    return f"{tx_hash}:{int(vout)}"


def units(amount, decimals, symbol=""):
    """An amount for a reason sentence: exact whole units (the tracer's own formatter)."""
    if decimals is None or pd.isna(decimals):
        return f"{int(amount):,} base units" + (f" of {symbol}" if symbol else "")
    return T.whole_units(int(amount), int(decimals), symbol or "")
