"""The trainee's tracing helpers (:mod:`labs.course.tracing`)."""
import tracer as tr
from labs.course.tracing import reached, shares_at
from tracer.handmade import account
from tracer.load.ethereum_etl import checksum

S, A, B = ("0x" + d * 20 for d in ("5a", "ab", "cd"))


def test_an_address_copied_in_its_eip55_form_is_the_same_address():
    """Tables and the terminal show EVM addresses in EIP-55 mixed case; the traced flows hold them
    in lower case: a copied address was credited nothing."""
    t = account([("t1", S, A, 10), ("t2", A, B, 4)])
    r = tr.trace(t, S)
    assert reached(r, checksum(B)) == reached(r, B) == 4
    assert shares_at(t, [S], f"`{checksum(A)}`", rules=("fifo",)).loc[S, "fifo"] == 10
