"""Load GraphSense TagPack YAML: header fields are inherited by every tag; each tag keeps its pack."""
import pandas as pd
import yaml

from tracer.errors import LoadError

TAG_COLUMNS = ["address", "label", "category", "source", "confidence", "currency", "pack"]


def load_tagpacks(*paths):
    """Load TagPacks into a table with :data:`TAG_COLUMNS` (EVM addresses lower-cased).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "p.yaml")
    >>> _ = open(p, "w").write("title: t\\ncreator: me\\ncategory: exchange\\nsource: https://x\\n"
    ...                        "tags:\\n  - address: '0xAB'\\n    label: Ex deposit\\n")
    >>> load_tagpacks(p)[["address", "label", "category", "source"]].values.tolist()
    [['0xab', 'Ex deposit', 'exchange', 'https://x']]
    """
    rows = []
    for p in paths:
        try:
            pack = yaml.safe_load(open(p))
        except yaml.YAMLError as e:
            raise LoadError(p, f"not YAML: {e}") from None
        if not isinstance(pack, dict) or not isinstance(pack.get("tags"), list):
            raise LoadError(p, "missing field", column="tags")
        header = {k: v for k, v in pack.items() if k != "tags"}
        for n, tag in enumerate(pack["tags"], 1):
            t = {**header, **tag}
            for c in ("address", "label"):
                if not t.get(c):
                    raise LoadError(p, "missing field", row=n, column=c)
            if not isinstance(t["address"], str):  # YAML reads an unquoted 0x... as a number
                raise LoadError(p, f"address is not a string (quote it): {t['address']!r}", row=n, column="address")
            a = t["address"]
            rows.append([a.lower() if a.startswith("0x") else a, t["label"], t.get("category"), t.get("source"),
                         t.get("confidence"), t.get("currency"), str(p)])
    return pd.DataFrame(rows, columns=TAG_COLUMNS)
