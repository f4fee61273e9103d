"""Attribution tags a real investigator would have: known services, as a GraphSense TagPack.

Exchanges' hot wallets and deposit-address factories, the mixer pools and their relayer, the
stablecoin, the swap pool, the bridge, OTC desks, merchants, casinos and the instant swap
service's hot wallet. Never a perpetrator, a mule, or a customer's deposit address.
"""
from __future__ import annotations

import datetime as dt
import json

from ..units import ETH_DECIMALS, fmt


def tagpack(case, reference: str) -> dict:
    """Attributions a real investigator would have for known services (never for the perpetrators)."""
    world = case.world
    tags = []

    def tag(address, chain, label, category, actor, currency="ETH"):
        # GraphSense names networks by currency code; which lab chain a tag is on goes in context
        tags.append({"address": address, "currency": currency, "label": label, "category": category,
                     "actor": actor, "network": currency, "context": json.dumps({"lab_chain": chain})})

    for name, lane in world.lanes.items():
        PUBLIC[lane.kind](world, name, lane, tag)
    return {
        "title": f"tracelab case {reference}: known services",
        "creator": "tracelab",
        "description": "Attributions of known services on the lab chains, as a commercial tool or public "
                       "sources would provide them. Perpetrators are not tagged.",
        "lastmod": dt.datetime.fromtimestamp(case.spec.start, dt.UTC).date().isoformat(),
        "confidence": "service_data",
        "source": "tracelab world model (service self-disclosure)",
        "tags": tags,
    }


#: services tagged by what they are, and how their label ends
SERVICES = ("merchant", "gambling", "otc", "swap_service")
_CATEGORY = {"merchant": "shop", "gambling": "gambling", "otc": "exchange", "swap_service": "exchange"}
_SUFFIX = {"otc": " (OTC desk)", "swap_service": " (instant swap service)"}


def _services(world) -> list:
    return [a for kind in SERVICES for a in world.of_kind(kind)]


def _evm_public(world, name, lane, tag) -> None:
    """On an EVM chain: exchanges' hot wallets and deposit factories, the contracts, relayers and services."""
    c = lane.contracts
    for ex in world.exchanges.values():
        tag(ex.hot_wallet.address, name, f"{ex.actor.name}: hot wallet", "exchange", ex.actor.id)
        tag(c[ex.actor.id].address, name, f"{ex.actor.name}: deposit address factory", "exchange", ex.actor.id)
    for key, contract in sorted(c.items()):
        if key.startswith("mixer-"):
            denom = int(key.split("-", 1)[1])
            tag(contract.address, name, f"Lab Mixer: {fmt(denom, ETH_DECIMALS, 'ETH')} pool", "mixing_service",
                "lab-mixer")
    tag(c["stablecoin"].address, name, "Lab Dollar (LUSD): stablecoin token", "defi", "issuer")
    tag(c["weth"].address, name, "Wrapped Ether (WETH)", "defi", "weth")
    tag(c["pool"].address, name, "WETH/LUSD swap pool", "defi_dex", "swap-pool")
    if "bridge" in c:
        tag(c["bridge"].address, name, "Lab Bridge (lock-and-mint)", "defi_bridge", "lab-bridge")
        tag(world.actors["bridge-relayer"].address, name, "Lab Bridge relayer", "defi_bridge", "lab-bridge")
    tag(world.actors["mixer-relayer"].address, name, "Lab Mixer relayer", "mixing_service", "lab-mixer")
    for actor in _services(world):
        tag(actor.address, name, actor.name + _SUFFIX.get(actor.kind, ""), _CATEGORY[actor.kind], actor.id)


def _utxo_public(world, name, lane, tag) -> None:
    """On the UTXO chain: exchanges' hot wallets (their customers' deposit addresses are not public),
    the CoinJoin coordinator's fee address (as Whirlpool's was), and the services' addresses."""
    for ex in world.exchanges.values():
        tag(lane.hot(ex.actor), name, f"{ex.actor.name}: hot wallet", "exchange", ex.actor.id, "BTC")
    if lane.coordinator is not None:
        tag(lane.coordinator.fee_address(), name, f"{lane.coordinator.actor.name}: pool fee address",
            "mixing_service", lane.coordinator.actor.id, "BTC")
    for actor in _services(world):
        if actor.kind == "swap_service":
            # its per-order deposit addresses are what only its records reveal; the wallet it sweeps
            # them into is known, as an exchange's is
            if actor.id in lane.hot_address:
                tag(lane.hot(actor), name, f"{actor.name}{_SUFFIX[actor.kind]}: hot wallet", _CATEGORY[actor.kind],
                    actor.id, "BTC")
            continue
        for address in lane.addresses_of(actor):
            tag(address, name, actor.name + _SUFFIX.get(actor.kind, ""), _CATEGORY[actor.kind], actor.id, "BTC")


#: chain kind -> what is publicly known about the services on a chain of that kind
PUBLIC = {"evm": _evm_public, "utxo": _utxo_public}
