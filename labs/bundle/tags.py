"""Attribution tags a real investigator would have: known services, as a GraphSense TagPack.

Exchanges' hot wallets and deposit-address factories, the mixer pools and their relayer, the
stablecoin, the swap pool, the bridge, OTC desks, merchants, casinos and the instant swap
service's hot wallet. Never a perpetrator, a mule, or a customer's deposit address.
"""
from __future__ import annotations

import datetime as dt
import json

from ..units import fmt


def tagpack(case, reference: str) -> dict:
    """Attributions a real investigator would have for known services (never for the perpetrators)."""
    world = case.world
    tags = []

    def tag(address, chain, label, category, actor, currency="ETH"):
        # GraphSense names networks by currency code; which lab chain a tag is on goes in context
        tags.append({"address": address, "currency": currency, "label": label, "category": category,
                     "actor": actor, "network": currency, "context": json.dumps({"lab_chain": chain})})

    services = world.of_kind("merchant") + world.of_kind("gambling") + world.of_kind("otc") + \
        world.of_kind("swap_service")
    category = {"merchant": "shop", "gambling": "gambling", "otc": "exchange", "swap_service": "exchange"}
    suffix = {"otc": " (OTC desk)", "swap_service": " (instant swap service)"}
    for name, lane in world.lanes.items():
        if lane.kind == "utxo":
            # an exchange's hot wallet is public knowledge; its customers' deposit addresses are not
            for ex in world.exchanges.values():
                tag(lane.hot(ex.actor), name, f"{ex.actor.name}: hot wallet", "exchange", ex.actor.id, "BTC")
            if lane.coordinator is not None:  # its fee address is public, as Whirlpool's was
                tag(lane.coordinator.fee_address(), name, f"{lane.coordinator.actor.name}: pool fee address",
                    "mixing_service", lane.coordinator.actor.id, "BTC")
            for actor in services:
                if actor.kind == "swap_service":
                    continue  # its per-order deposit addresses are what only its records reveal
                for address in lane.addresses_of(actor):
                    tag(address, name, actor.name + suffix.get(actor.kind, ""), category[actor.kind], actor.id,
                        "BTC")
            continue
        c = lane.contracts
        for ex in world.exchanges.values():
            tag(ex.hot_wallet.address, name, f"{ex.actor.name}: hot wallet", "exchange", ex.actor.id)
            tag(c[ex.actor.id].address, name, f"{ex.actor.name}: deposit address factory", "exchange", ex.actor.id)
        for key, contract in sorted(c.items()):
            if key.startswith("mixer-"):
                denom = int(key.split("-", 1)[1])
                tag(contract.address, name, f"Lab Mixer: {fmt(denom, 18, 'ETH')} pool", "mixing_service", "lab-mixer")
        tag(c["stablecoin"].address, name, "Lab Dollar (LUSD): stablecoin token", "defi", "issuer")
        tag(c["weth"].address, name, "Wrapped Ether (WETH)", "defi", "weth")
        tag(c["pool"].address, name, "WETH/LUSD swap pool", "defi_dex", "swap-pool")
        if "bridge" in c:
            tag(c["bridge"].address, name, "Lab Bridge (lock-and-mint)", "defi_bridge", "lab-bridge")
            tag(world.actors["bridge-relayer"].address, name, "Lab Bridge relayer", "defi_bridge", "lab-bridge")
        tag(world.actors["mixer-relayer"].address, name, "Lab Mixer relayer", "mixing_service", "lab-mixer")
        for actor in services:
            tag(actor.address, name, actor.name + suffix.get(actor.kind, ""), category[actor.kind], actor.id)
    return {
        "title": f"tracelab case {reference}: known services",
        "creator": "tracelab",
        "description": "Attributions of known services on the lab chains, as a commercial tool or public "
                       "sources would provide them. Perpetrators are not tagged.",
        "lastmod": dt.datetime.fromtimestamp(case.spec.start, dt.timezone.utc).date().isoformat(),
        "confidence": "service_data",
        "source": "tracelab world model (service self-disclosure)",
        "tags": tags,
    }
