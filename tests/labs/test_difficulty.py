"""Difficulty is measured, not asserted: every catalog case's crowd recomputed from its bundle and key,
over several seeds, against its level's floor; and no exploitable link unless a mistake made it."""
from __future__ import annotations

import json

import pytest

from labs.spec import catalog
from labs.bundle import write_bundle
from labs.difficulty import FLOORS, WINDOW, comparable, measure
from labs.scenario import run_case
from labs.spec import load_spec

from .conftest import CATALOG, catalog_seeds
from .links import all_links, load_case
from .specs import spec_text


@pytest.mark.parametrize("name", CATALOG)
def test_catalog_crowds_meet_their_floor_and_no_link_crosses_a_service(catalog_bundle, name):
    level = load_spec(catalog.path(name)).difficulty
    for seed in catalog_seeds(name):
        bundle, key_dir = catalog_bundle(name, seed)
        key, tables, _ = load_case(bundle, key_dir)
        again = measure(bundle, {**key, "difficulty": {"level": key["difficulty"]["level"]}}, tables)
        assert again == key["difficulty"], f"{name} seed {seed}: the key's measures are not what the bundle shows"
        d = key["difficulty"]
        assert d["level"] == level and d["floors"] == FLOORS[level]
        used = {"mixer": any(n["depositor"] == "perpetrator" for n in tables["mixer_notes"]),
                "swap_service": any(o["actor"] == "perpetrator" for o in tables["swap_orders"]),
                "exchange_deposit": any(c["venue"] == "exchange" for c in key["cashouts"])}
        for kind, touched in used.items():
            assert touched == any(m["kind"] == kind for m in d["measures"]), (name, seed, kind)
        low = [m for m in d["measures"] if m["crowd"] < m["floor"]]
        assert not low and d["met"], f"{name} seed {seed}: crowds under the {level} floor: {low}"
        links = all_links(bundle, key_dir)
        assert not any(links.values()), f"{name} seed {seed}: exploitable links with no mistake in the key: {links}"


HOPS = [{"typology": "exchange_hack", "amount_eth": 30, "addresses": 2},
        {"typology": "mixer", "withdraw_addresses": 2, "delay_hours_max": 12, "@mixer": 1},
        {"typology": "fan_in"},
        {"typology": "exchange_layering", "hops": 1, "@exchange_layering": 1},
        {"typology": "bridge_hop", "to_chain": "sidechain", "@bridge_hop": 1},
        {"typology": "cash_out", "chain": "sidechain", "exchange": 2}]


def _case(tmp_path, typology: str = "", setting: dict | None = None):
    story = []
    for step in HOPS:
        step = {k: v for k, v in step.items() if not k.startswith("@")} | (
            setting if f"@{typology}" in step else {})
        story.append(step)
    text = spec_text("links", story, chains=("ethereum", "sidechain"), users=10, transactions=60, days=4,
                     difficulty="easy")
    with run_case(load_spec("t.toml", text=text).with_seed(5)) as case:
        return write_bundle(case, tmp_path / (typology or "clean"))


@pytest.mark.parametrize(("typology", "setting", "link", "mistake"), [
    ("", {}, None, None),
    ("mixer", {"relayer": False}, "gas", "relayer"),
    ("mixer", {"hasty": True}, "timing", "hasty"),
    ("bridge_hop", {"fresh_recipient": False}, "same_address", "fresh_recipient"),
    ("exchange_layering", {"hasty": True}, "fee", "hasty"),
])
def test_a_link_appears_only_with_the_mistake_that_makes_it_and_the_key_names_it(tmp_path, typology, setting, link,
                                                                                  mistake):
    bundle, key_dir = _case(tmp_path, typology, setting)
    links = all_links(bundle, key_dir)
    named = {m["mistake"] for m in json.loads((key_dir / "key.json").read_text())["mistakes"]}
    if link is None:
        assert not any(links.values()) and not named, links
    else:
        assert links[link], f"{typology} {setting}: no {link} link found"
        assert mistake in named


@pytest.mark.parametrize("name", CATALOG)
def test_the_crowd_at_the_exchange_deposits_the_perpetrators_asset_and_got_it_as_anyone_would(catalog_bundle, name):
    """Filtering an exchange's deposits by asset leaves a crowd; and who deposits a bridged token
    had it paid out by the bridge, in that amount, before the deposit (as the perpetrator had)."""
    bundle, key_dir = catalog_bundle(name)
    key, tables, rows = load_case(bundle, key_dir)
    level = key["difficulty"]["level"]
    deposits = {(r["chain"], r["address"].lower()): r["actor"] for r in tables["addresses"] if r["role"] == "deposit"}
    paid = {}  # (chain, recipient, wrapped token, amount) -> times the bridge paid it out
    for b in tables["bridge_transfers"]:
        t = int(rows[rows["tx_hash"] == b["payout_tx"]]["timestamp"].iloc[0])
        paid.setdefault((b["dst_chain"], b["recipient"].lower(), b["payout_token"].lower(), b["amount"]), []).append(t)
    bridged = {token for _, _, token, _ in paid}
    cashouts = [c for c in key["cashouts"] if c["venue"] == "exchange"]
    assert cashouts
    for co in cashouts:
        chain, to = co["chain"], co["address"].lower()
        mine = rows[(rows["tx_hash"] == co["tx"]) & (rows["to"] == to)].iloc[0]
        exchange = deposits[(chain, to)]
        window = WINDOW["exchange_deposit"]
        crowd = rows[(rows["chain"] == chain) & (rows["asset"] == mine["asset"]) & (rows["tx_hash"] != co["tx"])
                     & rows["to"].map(lambda a, c=chain, e=exchange: deposits.get((c, a)) == e) & (rows["to"] != to)
                     & ((rows["timestamp"] - int(mine["timestamp"])).abs() <= window)
                     & rows["amount"].map(lambda v, n=int(co["amount"]): comparable(n, int(v)))]
        assert crowd["tx_hash"].nunique() >= FLOORS[level]["exchange_deposit"], (name, co["asset"])
        if str(mine["asset"]).lower() in bridged:
            for r in crowd.itertuples(index=False):
                times = paid.get((chain, r[crowd.columns.get_loc("from")], str(r.asset).lower(), str(r.amount)), [])
                assert any(t < int(r.timestamp) for t in times), f"{name}: {r.tx_hash} deposits {r.asset} never bridged"
