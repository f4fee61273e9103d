"""Laundering typologies: one module each, composable into a case's story.

A typology module has a ``Params`` dataclass (what a spec's ``[[story]]`` step may set, with
defaults), ``CHAINS`` (the kinds of chain, ``"evm"`` or ``"utxo"``, each chain parameter may
name; checked when the spec loads) and ``run(step, params, rng)``, which takes the proceeds where
the previous step left them (``step.world.proceeds``), acts on the lab chains, records every move
in the ground truth, and leaves the proceeds where they end up. A typology that acts differently
on each kind of chain keeps a table from kind to what differs (``RUN``: a function per kind;
``KIND``: a class of the few steps that differ), never an ``if kind ==``.
"""
from __future__ import annotations

import importlib

from ..errors import SpecError

#: name -> module, in the order the catalog lists them
TYPOLOGIES = {
    "investment_fraud_collection": "collection",
    "ransomware_payment": "ransomware",
    "exchange_hack": "exchange_hack",
    "bridge_hop": "bridge_hop",
    "fan_out": "fan_out",
    "fan_in": "fan_in",
    "mixer": "mixer",
    "coinjoin": "coinjoin",
    "swap_to_stablecoin": "swap",
    "exchange_layering": "layering",
    "round_trip": "round_trip",
    "cash_out": "cash_out",
    "peel_chain": "peel_chain",
    "chain_hop": "chain_hop",
}


def get_typology(name: str, path: str = "typology"):
    """The module of typology ``name``; an unknown name raises :class:`SpecError` listing the known ones."""
    if name not in TYPOLOGIES:
        raise SpecError(f"{path}: unknown typology {name!r} (expected one of {', '.join(TYPOLOGIES)})")
    return importlib.import_module(f"{__name__}.{TYPOLOGIES[name]}")
