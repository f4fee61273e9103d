"""Names and colours of addresses on a figure: one policy with the tables.

An address's label is the one the tables print (:func:`tracer.load.tagpack.address_labels`:
every distinct tag, in pack order); its category, which sets its colour, is that of its first
tag. Colours are fixed per category, so a category looks the same in every figure and report.
"""
from tracer import transfers as T

UNTAGGED, FEE_CATEGORY, OTHER = "untagged", "fee", "other"
_FIXED = {UNTAGGED: "#9e9e9e", FEE_CATEGORY: "#d9c27a", OTHER: "#cfcfcf"}
_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
            "#e377c2", "#bcbd22", "#393b79", "#637939", "#843c39"]
SOURCE_COLOUR = "#c00000"
FONT = 8


def tag_map(tags):
    """address -> (label, category) from a TagPack table.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"address": ["0xa", "0xa"], "label": ["Ex", "Ex Hot"], "category": ["exchange", None]})
    >>> tag_map(t)
    {'0xa': ('Ex (exchange); Ex Hot', 'exchange')}
    """
    if tags is None or len(tags) == 0:
        return {}
    for c in ("address", "label"):
        if c not in tags.columns:
            raise ValueError(f"tags table lacks column {c!r}; pass the table of load_tagpacks")
    if "category" not in tags.columns:
        tags = tags.assign(category=None)
    from tracer.load.tagpack import address_labels

    labels = address_labels(tags)
    out = {}
    for a, cat in zip(tags["address"], tags["category"], strict=True):
        if isinstance(a, str) and a in labels and a not in out:
            out[a] = (labels[a], cat if isinstance(cat, str) and cat else "tagged")
    return out


def short_address(address, keep=6):
    """An address shortened for a label: its first ``keep`` and last 4 characters.

    Examples
    --------
    >>> short_address("0x12ab34cd56ef78ab90cd12ef34ab56cd78efcdef")
    '0x12ab…cdef'
    >>> short_address("fee")
    'fee'
    """
    a = str(address)
    return a if len(a) <= keep + 5 else f"{a[:keep]}…{a[-4:]}"


def category(address, tag):
    if address in tag:
        return tag[address][1]
    return FEE_CATEGORY if address == T.FEE_ADDRESS else UNTAGGED


def label(address, tag):
    if address in tag:
        return tag[address][0]
    return "fees" if address == T.FEE_ADDRESS else short_address(address)


def ordered(cats):
    """Categories in a fixed order: tagged ones alphabetically, then fee, untagged, other."""
    tail = [c for c in (FEE_CATEGORY, UNTAGGED, OTHER) if c in cats]
    return sorted(c for c in cats if c not in tail) + tail


def colour(cat, tag):
    """A category's colour: by its position among all the tag table's categories, so a figure's
    colours do not depend on which appear in it."""
    if cat in _FIXED:
        return _FIXED[cat]
    known = sorted({c for _, c in tag.values()} | {cat})
    return _PALETTE[known.index(cat) % len(_PALETTE)]
