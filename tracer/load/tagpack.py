"""Load GraphSense TagPacks (YAML attribution tags), validated against the public TagPack schema.

The rules follow graphsense-tagpack-tool (``conf/tagpack_schema.yaml``, ``db/confidence.csv``):
header ``title``, ``creator`` and ``tags`` are mandatory; header fields that are tag fields are
inherited by every tag and a tag may override them; each tag needs ``label``, ``source``,
``currency`` and exactly one of ``address`` / ``tx_hash``; ``network`` defaults to ``currency``;
a missing ``confidence`` becomes ``unknown`` (the lowest level, as the tool does); fields outside
the schema, empty values and confidence ids outside the taxonomy are errors. Every row keeps the
pack (file) and the tag's position in it, so each label can be traced to where it came from.
Several packs may tag one address with different labels: every row is kept. See ``docs/tracer.md``.
"""
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import yaml

from tracer.errors import LoadError

TAG_COLUMNS = ["address", "label", "category", "source", "confidence", "currency", "pack",
               "row", "network", "tx_hash", "abuse", "actor", "confidence_level", "lastmod",
               "is_cluster_definer", "context"]

HEADER_FIELDS = {"title": "text", "creator": "text", "description": "text", "owner": "text",
                 "is_public": "boolean", "tags": "list"}
TAG_FIELDS = {"label": "text", "source": "text", "currency": "text", "network": "text", "context": "json",
              "confidence": "text", "is_cluster_definer": "boolean", "lastmod": "date", "created": "date",
              "category": "text", "abuse": "text", "address": "text", "tx_hash": "text", "actor": "text",
              "concepts": "list", "tag_type": "text"}

#: graphsense-tagpack-tool's confidence taxonomy (db/confidence.csv): id -> level (0-100)
CONFIDENCE = {"override": 100, "ownership": 100, "ledger_immanent": 100, "manual_transaction": 90,
              "service_api": 70, "forensic_investigation": 70, "authority_data": 60, "trusted_provider": 50,
              "service_data": 50, "forensic": 50, "untrusted_transaction": 40, "web_crawl": 20, "heuristic": 10,
              "unknown": 5}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _check(path, row, field, value, kind):
    """Check one field's type; returns the value in the table's form."""
    if value is None:
        raise LoadError(path, "empty value (null)", row=row, column=field)
    if kind == "text":
        if field in ("address", "tx_hash") and not isinstance(value, str):
            raise LoadError(path, f"{field} is not a string (quote it in the YAML): {value!r}", row=row, column=field)
        if not isinstance(value, str) or not value.strip():
            raise LoadError(path, f"not a non-empty text: {value!r}", row=row, column=field)
        if field in ("address", "tx_hash") and any(c.isspace() for c in value):
            raise LoadError(path, f"whitespace in {field}: {value!r}", row=row, column=field)
    elif kind == "boolean" and not isinstance(value, bool):
        raise LoadError(path, f"not true/false: {value!r}", row=row, column=field)
    elif kind == "list" and not isinstance(value, list):
        raise LoadError(path, f"not a list: {value!r}", row=row, column=field)
    elif kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:  # the tool also accepts a quoted ISO date
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise LoadError(path, f"not a date (YYYY-MM-DD): {value!r}", row=row, column=field) from None
    elif kind == "json":
        if isinstance(value, (dict, list)):
            return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
        try:
            json.loads(value)
        except (TypeError, json.JSONDecodeError) as e:
            raise LoadError(path, f"context is not JSON: {e}", row=row, column=field) from None
    return value


def _read(path):
    try:
        with open(path) as f:
            pack = yaml.load(f, Loader=_UniqueKeyLoader)
    except OSError as e:
        raise LoadError(path, f"cannot read: {e.strerror}") from None
    except yaml.constructor.ConstructorError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        hint = " (header files via !include are not resolved: merge the header into the pack)" \
            if "!include" in str(e) else ""
        raise LoadError(path, f"not a TagPack: {e.problem}{hint} (YAML line {line})") from None
    except yaml.YAMLError as e:
        raise LoadError(path, f"not YAML: {e}") from None
    if not isinstance(pack, dict):
        raise LoadError(path, "not a TagPack: the file is not a YAML mapping")
    if isinstance(pack.get("header"), dict):  # the tool's alternative layout: header fields under "header:"
        pack = {**{k: v for k, v in pack.items() if k != "header"}, **pack["header"]}
    return pack


def load_tagpack(path):
    """Load and validate one TagPack; rows in file order (see :func:`load_tagpacks`)."""
    pack = _read(path)
    for field in ("title", "creator", "tags"):
        if field not in pack:
            raise LoadError(path, "missing header field", column=field)
    header = {}
    for field, value in pack.items():
        if field == "tags":
            continue
        kind = HEADER_FIELDS.get(field) or TAG_FIELDS.get(field)
        if kind is None:
            raise LoadError(path, "header field not in the TagPack schema", column=field)
        value = _check(path, None, field, value, kind)
        if field in TAG_FIELDS:
            header[field] = value
    if not isinstance(pack["tags"], list):
        raise LoadError(path, f"not a list: {type(pack['tags']).__name__}", column="tags")
    rows, seen = [], set()
    for n, tag in enumerate(pack["tags"], 1):
        if not isinstance(tag, dict):
            raise LoadError(path, f"a tag must be a mapping, not {tag!r}", row=n)
        t = dict(header)
        for field, value in tag.items():
            if field not in TAG_FIELDS:
                raise LoadError(path, "tag field not in the TagPack schema", row=n, column=field)
            t[field] = _check(path, n, field, value, TAG_FIELDS[field])
        for field in ("label", "source", "currency"):
            if field not in t:
                raise LoadError(path, "missing field (in the tag or the header)", row=n, column=field)
        if ("address" in t) == ("tx_hash" in t):
            raise LoadError(path, "a tag needs exactly one of address and tx_hash", row=n, column="address")
        if "network" not in tag and ("currency" in tag or "network" not in header):
            t["network"] = t["currency"]  # as the tool: a tag's own currency names its network
        t.setdefault("confidence", "unknown")
        if t["confidence"] not in CONFIDENCE:
            raise LoadError(path, f"confidence {t['confidence']!r} is not in the confidence taxonomy "
                                  f"({', '.join(CONFIDENCE)}); numeric scores were dropped in tagpack-tool 0.5.2",
                            row=n, column="confidence")
        address = t.get("address")
        if address is not None and address[:2].lower() == "0x":
            address = address.lower()  # EVM addresses compare case-insensitively, as the tagstore stores them
        key = tuple(str(x).lower() for x in (address, t.get("tx_hash"), t["currency"], t["network"], t["label"],
                                             t["source"]))
        if key in seen:
            continue  # the tool drops a tag repeated within one pack
        seen.add(key)
        rows.append([address, t["label"], t.get("category"), t["source"], t["confidence"], t["currency"], str(path),
                     n, t["network"], t.get("tx_hash"), t.get("abuse"), t.get("actor"), CONFIDENCE[t["confidence"]],
                     t.get("lastmod"), t.get("is_cluster_definer"), t.get("context")])
    return rows


def tagpack_files(*paths):
    """The TagPack files ``paths`` name: a file as given; a folder's ``*.yaml`` files, sorted; a
    scenario bundle (a folder with ``tags/``) its ``tags/*.yaml``. A folder without any is an error,
    so a mistyped folder never passes for "no attributions"."""
    files = []
    for p in map(Path, paths):
        if not p.is_dir():
            files.append(p)
            continue
        folder = p / "tags" if (p / "tags").is_dir() else p
        found = sorted(folder.glob("*.yaml"))
        if not found:
            raise LoadError(folder, "no TagPack files (*.yaml) in this folder")
        files += found
    return files


def bundle_tags(*data):
    """The ``tags/`` folders (with a TagPack in them) of the scenario bundles among ``data`` (what
    ``--data`` was given): the command line's default when no ``--tags`` is given, so a bundle's
    own attributions are used, and a bundle without any is traced untagged, as before."""
    return tuple(str(Path(d) / "tags") for d in data if any((Path(d) / "tags").glob("*.yaml")))


def load_tagpacks(*paths):
    """Load TagPacks into one table with :data:`TAG_COLUMNS`, every tag of every pack kept.

    A path may be a TagPack file, a folder of them or a scenario bundle (its ``tags/``): see
    :func:`tagpack_files`.

    ``pack`` is the file and ``row`` the tag's 1-based position in its ``tags`` list, so a label can
    always be traced back; ``confidence_level`` is the taxonomy's 0-100 level. Rows come in the order
    of ``paths`` then of the tags. An address tagged differently by two packs (or twice in one pack
    with different labels) gives two rows: nothing is overwritten. EVM ``0x`` addresses are lower-cased.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "p.yaml")
    >>> _ = open(p, "w").write("title: t\\ncreator: me\\ncategory: exchange\\nsource: https://x\\ncurrency: ETH\\n"
    ...                        "tags:\\n  - address: '0xAB'\\n    label: Ex deposit\\n    confidence: web_crawl\\n")
    >>> load_tagpacks(p)[["address", "label", "category", "source", "network", "confidence_level"]].values.tolist()
    [['0xab', 'Ex deposit', 'exchange', 'https://x', 'ETH', 20]]
    """
    rows = []
    for p in tagpack_files(*paths):
        rows += load_tagpack(p)
    table = pd.DataFrame(rows, columns=TAG_COLUMNS, dtype=object)
    return table


def address_labels(tags):
    """One display label per tagged address: ``label (category)``, every distinct tag joined by
    ``"; "`` in pack order (packs may disagree, and the reader must see that they do).

    Examples
    --------
    >>> t = pd.DataFrame({"address": ["0xa", "0xa", None], "label": ["Ex", "Ex Hot", "x"],
    ...                   "category": ["exchange", None, "y"]})
    >>> address_labels(t)
    {'0xa': 'Ex (exchange); Ex Hot'}
    """
    out = {}
    for a, label, category in zip(tags["address"], tags["label"], tags["category"], strict=True):
        if not isinstance(a, str) or not a:
            continue  # a transaction tag
        text = f"{label} ({category})" if isinstance(category, str) and category else str(label)
        if a not in out:
            out[a] = text
        elif text not in out[a].split("; "):
            out[a] += "; " + text
    return out
