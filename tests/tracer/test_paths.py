"""Time-respecting paths (:mod:`tracer.paths`)."""
import pytest

import tracer as tr
from tracer.errors import SourceError
from tracer.handmade import account
from tracer.load.ethereum_etl import checksum

A, X, B = ("0x" + d * 20 for d in ("ab", "cd", "ef"))


def test_addresses_are_cleaned_and_one_not_in_the_data_is_an_error():
    """An address copied from a brief is in its mixed-case EIP-55 form: it found no path (the table
    holds lower case), as did a typo, which looked like "no path" instead of an error."""
    t = account([("t1", A, X, 5), ("t2", X, B, 5)])
    want = [[2, [A, X, B], ["t1", "t2"]]]
    assert tr.paths(t, checksum(A), f" `{checksum(B)}` ")[["hops", "addresses", "txs"]].values.tolist() == want
    with pytest.raises(SourceError, match="bad EIP-55 checksum"):
        tr.paths(t, A, checksum(B)[:-1] + ("f" if checksum(B)[-1] == "F" else "F"))
    with pytest.raises(SourceError, match=f"address {'0x' + '1' * 40} does not appear in the data"):
        tr.paths(t, A, "0x" + "1" * 40)
    assert tr.paths(t, B, A).empty  # both there, no path: an empty table
