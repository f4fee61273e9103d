"""What the bundle's tags say is public: here, the instant swap service's wallet."""
import pytest

import tracer as tr
from tracer.load.tagpack import load_tagpacks


@pytest.mark.xdist_group("catalog-ransomware-mixer")
def test_a_chain_hop_ends_at_the_swap_service_s_wallet_through_the_order_s_deposit(catalog_bundle):
    """The service sweeps its order deposit addresses into a hot wallet the tags name (as an
    exchange's): a trace of the ransom ends there, its entry the order's deposit address, which is
    what the production order to the service asks about. Before, the service never moved the
    bitcoin: the trace ended "unspent" at an untagged address, as if it could still be seized there."""
    import json

    bundle, key = catalog_bundle("ransomware-mixer")
    tags = load_tagpacks(bundle)
    hot = tags[tags["label"].str.endswith("(instant swap service): hot wallet")]
    assert len(hot) == 1 and hot["category"].tolist() == ["exchange"]
    orders = [json.loads(line) for line in (key / "swap_orders.jsonl").read_text().splitlines()]
    (order,) = [o for o in orders if o["actor"] == "perpetrator"]
    assert order["btc_deposit"] not in set(tags["address"])  # per-order addresses stay the service's secret
    r = tr.trace(tr.load(bundle / "exports"), [tr.Source(tx=order["btc_tx"], vout=0)], hops=4, stop=tags)
    at = r.endpoints[r.endpoints["why"] == "attributed service"]
    assert at["address"].tolist() == hot["address"].tolist() and at["entry"].tolist() == [order["btc_deposit"]]
