"""Launderers' mistakes as typology parameters: each leaves the clue it promises, and only when it is on.

Every test runs a small EVM case with one mistake on and the same case with every mistake off,
over two seeds, and reads the clue from the chain (transaction senders, recipients, values, block
times) or from what an exchange would answer a production order with (the KYC records of the
cash-outs). The key must name the mistake.
"""
import functools
import tomllib

import networkx as nx
import pytest

from labs.scenario import run_case
from labs.spec import SpecError, load_spec
from labs.units import ETH
from labs.world import ETH_PRICE_USD

from ..specs import spec_text

SEEDS = [1, 2]
#: EVM blocks come every 12 s; a transaction lands in the slot after its time, or one later
SLACK = 2 * 12

#: one EVM chain, a little background, and proceeds from three victims: what both stories start from
COLLECTION = {"typology": "investment_fraud_collection", "victims": 3, "amount_min_usd": 8000, "amount_max_usd": 12000,
              "days": 2}


def story(name: str, *steps: dict):
    """A spec template: ``template(typology, setting)`` is its text with ``setting`` (TOML, one line or
    several) added to the step of ``typology``."""
    def template(typology: str = "", setting: str = "") -> str:
        extra = tomllib.loads(setting) if setting else {}
        return spec_text(name, [COLLECTION] + [{**s, **(extra if s["typology"] == typology else {})} for s in steps],
                         days=4)
    return template


FAN_OUT = story("fan-out-mistakes", {"typology": "fan_out", "mules": 3, "threshold_usd": 5000},
                {"typology": "cash_out", "exchange": 1})
LAYERS = story("layers-mistakes", {"typology": "fan_in"}, {"typology": "round_trip", "hops": 3},
               {"typology": "exchange_layering", "hops": 2}, {"typology": "cash_out", "exchange": 2})


@functools.lru_cache(maxsize=None)
def facts(text: str, seed: int) -> dict:
    """Run the case and keep what the tests read: each move with its transaction as mined, the key's steps."""
    with run_case(load_spec("t.toml", text=text).with_seed(seed)) as case:
        world = case.world
        w3 = world.lanes["ethereum"].w3
        stamp = functools.lru_cache(maxsize=None)(lambda n: w3.eth.get_block(n)["timestamp"])
        moves = []
        for m in world.truth.moves:
            tx = w3.eth.get_transaction(m.tx)
            moves.append({"typology": m.typology, "note": m.note, "tx": m.tx, "from": tx["from"], "to": tx["to"],
                          "value": tx["value"], "block": tx["blockNumber"], "time": stamp(tx["blockNumber"])})
        key = world.truth.to_json()
        return {"moves": moves, "steps": {s["typology"]: s for s in key["steps"]}, "cashouts": key["cashouts"]}


def case(template, seed, typology="", setting=""):
    return facts(template(typology, setting), seed)


def moves_of(f, typology):
    return [m for m in f["moves"] if m["typology"] == typology]


def mistakes_of(f, typology):
    return [x["mistake"] for x in f["steps"][typology].get("mistakes", [])]


def gaps(ms):
    times = sorted(m["time"] for m in ms)
    return [b - a for a, b in zip(times, times[1:])]


# -- fan-out ----------------------------------------------------------------------------------
CAP = 5000 * ETH // ETH_PRICE_USD


@pytest.mark.parametrize("seed", SEEDS)
def test_fan_out_at_threshold(seed):
    on = moves_of(case(FAN_OUT, seed, "fan_out", "at_threshold = true"), "fan_out")
    off = moves_of(case(FAN_OUT, seed), "fan_out")
    # identical transfers of exactly the threshold's worth (but each address's last, which empties
    # it): what a structuring alert looks for
    senders = {m["from"] for m in on}
    for sender in senders:
        *full, last = [m["value"] for m in on if m["from"] == sender]
        assert all(v == CAP for v in full) and last <= CAP
    assert sum(m["value"] == CAP for m in on) >= len(on) - len(senders) >= 3
    assert all("exactly at the threshold" in m["note"] for m in on if m["value"] == CAP)
    # without the mistake, every amount is jittered below the threshold
    assert not any(m["value"] == CAP for m in off)
    assert len({m["value"] for m in off}) > len(off) // 2


@pytest.mark.parametrize("seed", SEEDS)
def test_fan_out_hasty(seed):
    on = case(FAN_OUT, seed, "fan_out", "hasty = true")
    off = case(FAN_OUT, seed)
    assert len(moves_of(on, "fan_out")) >= 3
    assert max(gaps(moves_of(on, "fan_out"))) <= 5 * 60 + SLACK
    assert max(gaps(moves_of(off, "fan_out"))) > 5 * 60 + SLACK
    assert mistakes_of(on, "fan_out") == ["hasty"] and mistakes_of(off, "fan_out") == []


@pytest.mark.parametrize("seed", SEEDS)
def test_fan_out_shared_identity(seed):
    on = case(FAN_OUT, seed, "fan_out", "shared_identity = true")
    off = case(FAN_OUT, seed)
    for f in (on, off):
        # every mule cashed out at the exchange, each as a customer of its own
        assert len({c["kyc"]["customer_id"] for c in f["cashouts"]}) == len(f["cashouts"]) == 3
    # the exchange's records: three customers, one name
    assert len({c["kyc"]["name"] for c in on["cashouts"]}) == 1
    assert len({c["kyc"]["name"] for c in off["cashouts"]}) == 3
    assert mistakes_of(on, "fan_out") == ["shared_identity"]
    assert on["cashouts"][0]["kyc"]["name"] in on["steps"]["fan_out"]["mistakes"][0]["clue"]


# -- fan-in, round trip, layering ---------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_fan_in_same_block(seed):
    on = moves_of(case(LAYERS, seed, "fan_in", "same_block = true"), "fan_in")
    off = moves_of(case(LAYERS, seed), "fan_in")
    assert len(on) == len(off) == 3
    assert len({m["block"] for m in on}) == 1
    assert len({m["block"] for m in off}) == 3
    assert all(m["note"] == "aggregation (mistake: same block)" for m in on)


def test_fan_in_same_block_is_recorded():
    assert mistakes_of(case(LAYERS, SEEDS[0], "fan_in", "same_block = true"), "fan_in") == ["same_block"]
    assert mistakes_of(case(LAYERS, SEEDS[0]), "fan_in") == []


@pytest.mark.parametrize("seed", SEEDS)
def test_round_trip_return_to_fresh(seed):
    on = moves_of(case(LAYERS, seed, "round_trip", 'return_to = "fresh"'), "round_trip")
    off = moves_of(case(LAYERS, seed), "round_trip")
    for trip in (on, off):
        assert len(trip) == 3
    # by default the money comes back to the address it left: a cycle on chain
    assert off[0]["from"] == off[-1]["to"]
    assert not nx.is_directed_acyclic_graph(nx.DiGraph((m["from"], m["to"]) for m in off))
    # back to a new address instead: no cycle, and an address the case never used before
    assert on[0]["from"] != on[-1]["to"]
    assert nx.is_directed_acyclic_graph(nx.DiGraph((m["from"], m["to"]) for m in on))
    everything = case(LAYERS, seed, "round_trip", 'return_to = "fresh"')["moves"]
    earlier = [m for m in everything if m["block"] < on[-1]["block"]]
    assert on[-1]["to"] not in {m["from"] for m in earlier} | {m["to"] for m in earlier}


@pytest.mark.parametrize("seed", SEEDS)
def test_round_trip_hasty(seed):
    on = case(LAYERS, seed, "round_trip", "hasty = true")
    off = case(LAYERS, seed)
    trip_on, trip_off = moves_of(on, "round_trip"), moves_of(off, "round_trip")
    # the "income" is back minutes after the money left
    assert max(gaps(trip_on)) <= 5 * 60 + SLACK
    assert trip_on[-1]["time"] - trip_on[0]["time"] <= 2 * (5 * 60 + SLACK)
    assert min(gaps(trip_off)) >= 10 * 60 - SLACK
    assert mistakes_of(on, "round_trip") == ["hasty"] and mistakes_of(off, "round_trip") == []
    assert all(m["note"].endswith("(mistake: hasty)") for m in trip_on)


def pairs(f):
    """(deposit, withdrawal) of each layering hop, as mined; the key's note names the deposit."""
    ms = moves_of(f, "exchange_layering")
    by_tx = {m["tx"]: m for m in ms}
    out = []
    for w in ms:
        if w["note"].startswith("withdrawal from"):
            dtx = w["note"].split("deposit ")[1][:66]
            out.append((by_tx[dtx], w))
    assert len(out) == 2
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_layering_reuse_addresses(seed):
    on = case(LAYERS, seed, "exchange_layering", "reuse_addresses = true")
    off = case(LAYERS, seed)
    # the exchange's hot wallet pays the very address the deposit came from
    assert all(w["to"] == d["from"] for d, w in pairs(on))
    # by default each withdrawal goes to an address the case never used before
    for d, w in pairs(off):
        earlier = [m for m in off["moves"] if m["block"] < w["block"]]
        assert w["to"] != d["from"] and w["to"] not in {m["from"] for m in earlier} | {m["to"] for m in earlier}
    assert mistakes_of(on, "exchange_layering") == ["reuse_addresses"]
    assert all("back to the depositing address" in w["note"] for _, w in pairs(on))


@pytest.mark.parametrize("seed", SEEDS)
def test_layering_hasty(seed):
    on = case(LAYERS, seed, "exchange_layering", "hasty = true")
    off = case(LAYERS, seed)
    assert all(w["time"] - d["time"] <= 15 * 60 + SLACK for d, w in pairs(on))
    assert all(w["time"] - d["time"] >= 60 * 60 - SLACK for d, w in pairs(off))
    assert mistakes_of(on, "exchange_layering") == ["hasty"] and mistakes_of(off, "exchange_layering") == []


def test_bad_return_to_names_the_field():
    with pytest.raises(SpecError, match=r"story\[2\]: return_to.*origin, fresh.*'back'"):
        load_spec("t.toml", text=LAYERS("round_trip", 'return_to = "back"'))
