"""Ready-made scenario specs: one TOML file each, named for the case."""
from __future__ import annotations

from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent


def names() -> list[str]:
    return sorted(p.stem for p in CATALOG_DIR.glob("*.toml"))


def path(name: str) -> Path:
    from ...errors import SpecError

    p = CATALOG_DIR / f"{name}.toml"
    if "/" in name or not p.is_file():
        raise SpecError(f"no catalog case named {name!r} (known: {', '.join(names())})")
    return p
