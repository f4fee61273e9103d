"""The README's layout tables name every top-level folder and every ``labs/`` package, and no other."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _table_rows(text: str, heading: str) -> list[str]:
    """First cells of the first markdown table after the line starting with ``heading``."""
    lines = text[text.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2:]:  # past the header and the |---| line
        if not line.startswith("|"):
            break
        rows.append(line.split("|")[1])
    return rows


def _folders(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)/`", cell))


def _tracked_folders() -> set[str]:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return {f.split("/")[0] for f in files.splitlines() if "/" in f and not f.startswith(".")}


def test_top_level_table_matches_the_tree():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set().union(*map(_folders, _table_rows(readme, "## What is here")))
    assert named == _tracked_folders()


def test_labs_table_matches_the_packages():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set().union(*map(_folders, _table_rows(readme, "`labs/` in the order")))
    packages = {f"labs/{p.parent.name}" for p in (ROOT / "labs").glob("*/__init__.py")}
    assert named == packages


def test_readme_points_to_the_architecture_in_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/architecture.md)" in readme and "shared/DESIGN.md" not in readme
    assert (ROOT / "docs" / "architecture.md").is_file()
