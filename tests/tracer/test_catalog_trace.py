"""The investment-fraud catalog case, traced from every victim's payment at once: nothing is
credited to an address beyond what it received, and each victim's endpoints add up to what they paid.
(Address pools, as this tracer had before, credited one mule's deposit address 0.3976 BTC of the
victims' money when it had received 0.088 BTC in all.)"""
import json

import pytest

import tracer as tr
from labs.spec import catalog
from labs.bundle import write_bundle
from labs.demo import _victim_sources
from labs.scenario import run_case
from labs.spec import load_spec


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    out = tmp_path_factory.mktemp("fraud")
    with run_case(load_spec(catalog.path("investment-fraud"))) as c:
        bundle, key = write_bundle(c, out / "case", out / "case.key")
    return bundle, json.loads((key / "key.json").read_text())


@pytest.mark.parametrize("rule", ["fifo", "haircut", "lifo"])
def test_no_address_credited_more_than_it_received(case, rule):
    bundle, truth = case
    t = tr.load(bundle / "exports")
    tags = tr.load_tags(bundle / "tags" / "services.yaml")
    sources = _victim_sources(t, truth["victims"])
    r = tr.trace(t, sources, rule=rule, hops=30, stop=tags)
    received = t.groupby("to")["amount"].sum().to_dict()
    credited = r.endpoints.groupby("address")["amount"].sum().to_dict()
    assert credited and all(v <= received[a] for a, v in credited.items())
    paid = {}
    for v in truth["victims"]:
        name = f"{v['name']} ({v['country']})"
        paid[name] = paid.get(name, 0) + int(v["amount"])
    assert r.sent().groupby("source")["amount"].sum().to_dict() == paid
    if rule == "haircut":  # every withdrawal of a tainted pool carries some: each cash-out is reached
        cashed = {co["address"] for co in truth["cashouts"]}
        entries = set(r.endpoints[r.endpoints["why"] == "attributed service"]["entry"])
        assert cashed <= entries  # each cash-out's deposit address is named as the entry: where the order goes
