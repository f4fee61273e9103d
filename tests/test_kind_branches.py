"""No code asks ``kind == "evm"`` (or ``"utxo"``): what differs between chain kinds is the lanes'
(``lane.coin``, ``lane.write``, ...) or a table from kind to what differs (``labs/spec/kinds.py``,
a typology's ``RUN``), so a new kind of chain is an entry, not a hunt through ``if`` branches.

Read from the sources with :mod:`ast`: a comparison with the string ``"evm"`` or ``"utxo"`` is
one, whatever its left side; a string in a table or a call is not.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = {"evm", "utxo"}
#: where a comparison with those strings is not a chain's kind, and why
NOT_A_CHAIN_KIND = {
    # the tracer's transfers table has a kind column too: "utxo" marks a UTXO output's row
    "labs/difficulty.py": 2,
}


def kind_comparisons(source: str) -> list[int]:
    """The lines of ``source`` that compare something with ``"evm"`` or ``"utxo"``.

    >>> kind_comparisons('if lane.kind == "utxo":\\n    pass\\nKIND = {"evm": 1}\\nok = "evm" != k')
    [1, 4]
    """
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Constant) and s.value in NAMES for s in sides):
                lines.append(node.lineno)
    return sorted(lines)


def test_no_code_branches_on_a_chain_kind():
    found = {}
    for path in sorted(p for package in ("chains", "tracer", "labs") for p in (ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        lines = kind_comparisons(path.read_text(encoding="utf-8"))
        if lines and len(lines) != NOT_A_CHAIN_KIND.get(rel):
            found[rel] = lines
    assert not found, f"compare a chain kind with a string (use the lane or a table from kind): {found}"
