"""The evaluation's cases: one story that uses every service a heuristic reads, and its settings.

A setting is a difficulty with no launderer mistake, or with one of :data:`MISTAKES` turned on.
Every setting uses the same seeds, so a mistake's setting differs from the clean one by the
mistake alone (and what it changes downstream).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

#: the evaluation story: every kind of link a heuristic claims appears in it
STORY = [
    ("investment_fraud_collection", {"chain": "bitcoin", "victims": 6}),
    ("fan_in", {"chain": "bitcoin"}),
    ("peel_chain", {"chain": "bitcoin", "hops": 6}),
    ("coinjoin", {"chain": "bitcoin"}),
    ("chain_hop", {"chain": "bitcoin", "to_chain": "ethereum"}),
    ("investment_fraud_collection", {"chain": "ethereum", "victims": 8, "amount_min_usd": 15_000,
                                     "amount_max_usd": 40_000, "payments_max": 1}),
    ("fan_out", {"chain": "ethereum"}),
    ("mixer", {"chain": "ethereum"}),
    ("exchange_layering", {"chain": "ethereum", "hops": 1}),
    ("bridge_hop", {"chain": "ethereum", "to_chain": "sidechain"}),
    ("cash_out", {"chain": "sidechain"}),
]
SPEC = """name = "evaluate"
summary = "Every service a heuristic reads, used by a launderer among ordinary users."
seed = {seed}
difficulty = "{difficulty}"
start = 2026-03-02T08:00:00Z
[chains.bitcoin]
kind = "utxo"
[chains.ethereum]
kind = "evm"
chain_id = 1
block_time = 600
[chains.sidechain]
kind = "evm"
chain_id = 8453
block_time = 600
[world]
users = {users}
[background]
transactions = {background}
days = 10
"""
DIFFICULTIES = ("easy", "standard", "hard")


@dataclass(frozen=True)
class Mistake:
    """A launderer's mistake: a typology's parameter set to ``value``, and the heuristic it should help."""

    name: str
    typology: str
    param: str
    value: object
    helps: str | None


#: every mistake of the story's typologies; each setting turns on at most one
MISTAKES = [
    Mistake("investment_fraud_collection.shared_address", "investment_fraud_collection", "shared_address", True,
            "multi_input"),
    Mistake("fan_in.same_block", "fan_in", "same_block", True, "multi_input"),
    Mistake("peel_chain.reuse_addresses", "peel_chain", "reuse_addresses", True, "change.address_reuse"),
    Mistake("peel_chain.round_peels", "peel_chain", "round_peels", True, "change.power_of_ten_value"),
    Mistake("peel_chain.change_position", "peel_chain", "change_position", "last", "peel_chain"),
    Mistake("coinjoin.consolidate", "coinjoin", "consolidate", True, "multi_input"),
    Mistake("fan_out.at_threshold", "fan_out", "at_threshold", True, "structuring"),
    Mistake("fan_out.hasty", "fan_out", "hasty", True, "structuring"),
    Mistake("fan_out.shared_identity", "fan_out", "shared_identity", True, None),
    Mistake("mixer.hasty", "mixer", "hasty", True, "mixer.timing"),
    Mistake("mixer.no_relayer", "mixer", "relayer", False, "mixer.gas_funding"),
    Mistake("exchange_layering.reuse_addresses", "exchange_layering", "reuse_addresses", True, "deposit_address"),
    Mistake("exchange_layering.hasty", "exchange_layering", "hasty", True, None),
    Mistake("bridge_hop.same_recipient", "bridge_hop", "fresh_recipient", False, "bridge"),
]
BY_NAME = {m.name: m for m in MISTAKES}


def setting_name(difficulty, mistake=None):
    """``"standard"`` or ``"standard, mixer.hasty"``."""
    return difficulty if mistake is None else f"{difficulty}, {mistake}"


def spec_text(difficulty="standard", mistake=None, seed=1, background=800):
    """The TOML of one evaluation case.

    Examples
    --------
    >>> "hasty = true" in spec_text(mistake="mixer.hasty") and "hasty" not in spec_text()
    True
    """
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {difficulty!r}: expected one of {', '.join(DIFFICULTIES)}")
    if mistake is not None and mistake not in BY_NAME:
        raise ValueError(f"unknown mistake {mistake!r}: expected one of {', '.join(BY_NAME)}")
    turned = BY_NAME.get(mistake)
    text = SPEC.format(seed=seed, difficulty=difficulty, users=max(40, background // 15), background=background)
    for typology, params in STORY:
        params = dict(params)
        if turned is not None and turned.typology == typology:
            params[turned.param] = turned.value
        text += f'[[story]]\ntypology = "{typology}"\n'
        text += "".join(f"{k} = {_toml(v)}\n" for k, v in params.items())
    return text


def _toml(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return f'"{v}"' if isinstance(v, str) else str(v)


def generate(text, folder, backend="auto", progress=None):
    """Make the case of spec ``text`` into ``folder/case`` (bundle) and ``folder/case.key``; the seconds it took."""
    from ..bundle import write_bundle
    from ..scenario import run_case
    from ..spec import load_spec

    spec = load_spec("case.toml", text=text)
    start = time.perf_counter()
    with run_case(spec, backend=backend, progress=progress) as c:
        write_bundle(c, folder / "case", folder / "case.key", progress=progress)
    return time.perf_counter() - start


def prices():
    """The lab's prices (US dollars per whole unit), for the swap and structuring heuristics."""
    from ..world.utxo_lane import BTC_PRICE_USD
    from ..world import ETH_PRICE_USD

    return {"BTC": BTC_PRICE_USD, "ETH": ETH_PRICE_USD, "WETH": ETH_PRICE_USD, "bETH": ETH_PRICE_USD,
            "LUSD": 1, "bLUSD": 1}
