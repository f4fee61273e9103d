"""Which addresses belong to known services, from attribution tags (GraphSense TagPacks).

The account-model heuristics start from services an investigator knows: exchanges' hot wallets
(deposit-address clustering), mixer pools (mixer linking), bridges (cross-chain matching),
instant swap services. :class:`Services` reads them from a tags table
(:func:`tracer.load.tagpack.load_tagpacks`) by category, or takes them as given.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

#: GraphSense categories (and older spellings) of each kind of service
EXCHANGE = ("exchange",)
MIXER = ("mixing_service", "mixer")
BRIDGE = ("defi_bridge", "bridge")
#: instant swap services are exchanges in GraphSense's taxonomy; their labels say what they are
SWAP_LABEL = re.compile(r"instant (swap|exchange)|swap service", re.IGNORECASE)


def key(address):
    """Addresses as the tags store them: ``0x`` addresses lower-cased."""
    return address.lower() if isinstance(address, str) and address.startswith("0x") else address


@dataclass
class Services:
    """Known service addresses: ``category`` and ``label`` by address."""

    category: dict = field(default_factory=dict)
    label: dict = field(default_factory=dict)

    @classmethod
    def from_tags(cls, tags):
        """From a tags table (``address``, ``category``, ``label`` columns), a mapping address ->
        category, or None (no services known).

        Examples
        --------
        >>> s = Services.from_tags({"0xAB": "exchange", "0xcd": "mixing_service"})
        >>> sorted(s.of(EXCHANGE)), s.name("0xab")
        (['0xab'], 'exchange 0xab')
        """
        if tags is None:
            return cls()
        if isinstance(tags, Services):
            return tags
        if isinstance(tags, dict):
            return cls({key(a): c for a, c in tags.items()}, {})
        if isinstance(tags, pd.DataFrame):
            cat, lab = {}, {}
            for a, c, label in zip(tags["address"], tags.get("category", [None] * len(tags)),
                                   tags.get("label", [None] * len(tags)), strict=True):
                if not isinstance(a, str):
                    continue
                a = key(a)
                cat.setdefault(a, c if isinstance(c, str) else "")
                if isinstance(label, str):
                    lab.setdefault(a, label)
            return cls(cat, lab)
        raise TypeError(f"tags: expected a tags table, a dict of address -> category or None, got "
                        f"{type(tags).__name__}")

    def of(self, categories):
        """Addresses whose category is one of ``categories``."""
        return {a for a, c in self.category.items() if c in categories}

    def swap_services(self):
        """Addresses tagged as instant swap services (an exchange whose label says so)."""
        return {a for a, label in self.label.items() if SWAP_LABEL.search(label)}

    def known(self):
        """Every tagged address."""
        return set(self.category)

    def name(self, address):
        """How a reason sentence names the service at ``address``."""
        a = key(address)
        if a in self.label:
            return f"{self.label[a]} ({address})"
        return f"{self.category.get(a) or 'service'} {address}"


def addresses(given, tags_of):
    """``given`` addresses (lower-cased ``0x``) if any, else those the tags give."""
    if given is not None:
        return {key(a) for a in given}
    return set(tags_of)
