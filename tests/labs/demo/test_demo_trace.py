"""The demo's trace of a case's reported payments (:func:`labs.demo._trace`), on every catalog case."""
import io

import pytest
from rich.console import Console

from labs.demo import _trace
from ..conftest import CATALOG


@pytest.mark.parametrize("name", CATALOG)
def test_the_demo_traces_and_reconciles_every_catalog_case(catalog_bundle, name, tmp_path):
    """`tracelab demo --catalog exchange-hack` stopped with "does not reconcile": the hot wallet's
    fees were counted as part of what it paid."""
    bundle, key = catalog_bundle(name)
    report = _trace(Console(file=io.StringIO()), bundle, key, tmp_path).read_text()
    assert "## Who gets what back" in report and "## What this trace relies on" in report


def test_per_victim_rows_add_up_to_what_was_paid_conversions_included():
    """Value a contract converted ends as "converted": the row left it out, so 4 X paid showed as
    nothing anywhere."""
    import tracer as tr
    from labs.demo import _per_victim
    from tracer.handmade import account

    t = account([("t1", "s", "u", 4), {"tx_hash": "t3", "from": "u", "to": "c", "amount": 4},
                 {"tx_hash": "t3", "from": "c", "to": "v", "amount": 10, "asset": "Y", "kind": "token", "index": 0}])
    row = _per_victim(tr.trace(t, "s"), {("s", "X"): 4})[-2]
    assert row == "| s | 4 X | 0 X | 0 X | 0 X | 4 X | 0 X |"
