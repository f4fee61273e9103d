"""Honest cases: nothing in a trainee's bundle gives away what only the key should know."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest

from labs.spec import catalog
from labs.typologies import TYPOLOGIES, get_typology

from ..conftest import CATALOG, catalog_seeds

#: parameter names that are also ordinary words of the public formats in a bundle
_COMMON = {"chain", "exchange", "venue", "addresses", "days", "victims", "countries", "splits", "mules", "relayer",
           "pool", "country"}
#: typologies named for the service they use, which the tags name as a service of the case
_SERVICES = {"mixer", "coinjoin"}


def _identifiers() -> list[str]:
    """Words that only a spec uses: typology names and step parameter names."""
    words = set(TYPOLOGIES) - _SERVICES
    for name in TYPOLOGIES:
        words |= {f.name for f in dataclasses.fields(get_typology(name).Params)} - _COMMON
    return sorted(words)


def _secrets(key: dict, actors: dict, spec: dict) -> list[str]:
    """What only the key knows: the perpetrators' and mules' identities, every mnemonic, the spec's words."""
    found = [spec["name"], spec["summary"]]
    for a in actors.values():
        found.append(a["mnemonic"])
        if a["kind"] not in ("victim", "exchange", "merchant", "otc", "gambling", "swap_service", "issuer") \
                and a["kyc"]:
            found.append(a["kyc"]["name"])
    for co in key["cashouts"]:
        kyc = co.get("kyc") or {}
        found += [kyc.get(k) for k in ("customer_id", "document", "email", "name") if kyc.get(k)]
    return found


@pytest.mark.parametrize("name", CATALOG)
def test_no_answer_in_the_bundle(catalog_bundle, name):
    identifiers = re.compile(r"\b(" + "|".join(map(re.escape, _identifiers())) + r")\b", re.IGNORECASE)
    for seed in catalog_seeds(name):
        bundle, key_dir = catalog_bundle(name, seed)
        key = json.loads((key_dir / "key.json").read_text())
        actors = json.loads((key_dir / "actors.json").read_text())
        spec = json.loads((key_dir / "spec.json").read_text())
        secrets = _secrets(key, actors, spec)
        reported = {v["to"].lower() for v in key["victims"]}
        perpetrators = {a.lower() for chains in key["clusters"].values() for addrs in chains.values()
                        for a in addrs} - reported
        assert perpetrators, "the key names the perpetrators' addresses"
        for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
            rel = path.relative_to(bundle).as_posix()
            text = path.read_text(errors="ignore")
            hit = identifiers.search(text)
            assert hit is None, f"{name} seed {seed}: {rel} names {hit.group(0)!r}, a word of the spec"
            for s in secrets:
                assert s not in text, f"{name} seed {seed}: {rel} holds {s!r}, which only the key knows"
            if not rel.startswith(("exports/", "chains/")):  # chain data is public: addresses are in it
                low = text.lower()
                leaked = sorted(a for a in perpetrators if a in low)
                assert not leaked, f"{name} seed {seed}: {rel} names perpetrator address(es) {leaked[:3]}"
        brief = (bundle / "brief.md").read_text()
        for v in key["victims"]:  # the starting points are given, with the output on a UTXO chain
            assert v["tx"] in brief and v["from"] in brief and v["to"] in brief
            if v.get("vout") is not None:
                assert f"| `{v['tx']}` | {v['vout']} |" in brief
        from labs.course.case import read_reports  # reports.csv, what a notebook reads, lists the same payments

        assert list(read_reports(bundle / "reports.csv")["tx"]) == [v["tx"] for v in sorted(
            key["victims"], key=lambda v: (v["time"], v["tx"]))]


@pytest.mark.xdist_group("catalog-investment-fraud")
def test_the_brief_lists_only_services_of_the_case(catalog_bundle):
    bundle, _ = catalog_bundle("investment-fraud")  # one UTXO chain: no mixer, stablecoin, bridge or swap service
    brief = (bundle / "brief.md").read_text()
    for absent in ("Mixer", "LUSD", "Bridge", "Instant Swap", "swap pool", "Ethereum JSON-RPC"):
        assert absent not in brief, absent
    assert "Bitcoin Core JSON-RPC" in brief


def test_same_seed_of_two_cases_shares_no_one():
    """Actors of two cases with one seed: every key and name comes from the seed *and* the case."""
    from labs.spec import load_spec
    from labs.world import World

    worlds = {}
    for name in ("investment-fraud", "ransomware-mixer"):
        world = World(load_spec(catalog.path(name)).with_seed(42), backend="pyevm")
        world.close()
        worlds[name] = world.actors
    a, b = worlds.values()
    assert not {x.mnemonic for x in a.values()} & {x.mnemonic for x in b.values()}

    def users(w):
        return {x.name for x in w.values() if x.kind == "user"}

    assert len(users(a) & users(b)) < len(users(a)) // 4  # a few names recur by chance, not the people


@pytest.mark.parametrize("name", CATALOG)
def test_the_key_names_whose_every_token_contract_is(catalog_bundle, name):
    """A complete key: every token contract the exports show transfers of, the stablecoin and the
    bridge's own tokens (bLUSD, bETH) included, is in ``addresses.jsonl`` with its owner."""
    import csv

    bundle, key_dir = catalog_bundle(name)
    rows = [json.loads(line) for line in (key_dir / "addresses.jsonl").read_text().splitlines()]
    known = {(r["chain"], r["address"].lower()): r for r in rows}
    for path in sorted(bundle.glob("exports/*/token_transfers.csv")):
        chain = path.parent.name
        with open(path, newline="") as fh:
            tokens = {r["token_address"].lower() for r in csv.DictReader(fh)}
        assert tokens, path
        missing = sorted(t for t in tokens if (chain, t) not in known)
        assert not missing, (chain, missing)
        for t in tokens:
            r = known[(chain, t)]
            assert r["role"] in ("token", "bridged_token", "swap_pool"), r   # the pool's shares are the pool
            if r["role"] == "bridged_token":
                assert r["actor"] == "lab-bridge" and r["origin_chain"] != chain
