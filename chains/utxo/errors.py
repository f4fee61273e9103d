"""Rejections, named with Bitcoin Core's reject reasons.

Each rejection carries a machine-readable ``reason`` (the string Bitcoin Core uses in
``sendrawtransaction`` errors and ``testmempoolaccept``) and a human ``detail`` naming the
offending input or output. A rejected transaction or block changes nothing.
"""

#: Reasons, as Bitcoin Core spells them.
MISSING_OR_SPENT = "bad-txns-inputs-missingorspent"
DUPLICATE_INPUTS = "bad-txns-inputs-duplicate"
MEMPOOL_CONFLICT = "txn-mempool-conflict"
INSUFFICIENT_FEE = "insufficient fee"
TOO_MANY_REPLACEMENTS = "too many potential replacements"
SPENDS_CONFLICTING = "bad-txns-spends-conflicting-tx"
ALREADY_KNOWN = "txn-already-known"
ALREADY_IN_CHAIN = "txn-already-in-utxo-set"
BAD_SIGNATURE = "mandatory-script-verify-flag-failed"
NONSTANDARD_INPUT = "bad-txns-nonstandard-inputs"
IN_BELOW_OUT = "bad-txns-in-belowout"
NEGATIVE_OUTPUT = "bad-txns-vout-negative"
OUTPUT_TOO_LARGE = "bad-txns-vout-toolarge"
TOTAL_TOO_LARGE = "bad-txns-txouttotal-toolarge"
DUST = "dust"
NON_FINAL = "non-final"
PREMATURE_COINBASE_SPEND = "bad-txns-premature-spend-of-coinbase"
NO_INPUTS = "bad-txns-vin-empty"
NO_OUTPUTS = "bad-txns-vout-empty"
COINBASE_NOT_ALLOWED = "coinbase"
MIN_RELAY_FEE = "min relay fee not met"
TX_SIZE = "tx-size"
DECODE_FAILED = "TX decode failed"


class TxRejected(Exception):
    """A transaction failed validation.

    Parameters
    ----------
    reason : str
        Bitcoin Core's reject reason (one of the constants of this module).
    detail : str
        What exactly is wrong (which input or output, which values).
    """

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class BlockRejected(Exception):
    """A block failed validation; ``reason`` is Bitcoin Core's reason, ``detail`` says why."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)
