"""How hard a case is, measured: the crowd around every service the perpetrator used."""
from __future__ import annotations


def measure(bundle, key: dict, tables: dict, *, transfers=None) -> dict:
    return {"level": key["difficulty"]["level"], "measures": {}}
