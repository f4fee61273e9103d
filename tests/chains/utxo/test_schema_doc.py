"""docs/bitcoin-etl.md lists exactly the fields of chains/utxo/etl_schema.py, in order."""
import re
from pathlib import Path

from chains.utxo import etl_schema

DOC = Path(__file__).parents[3] / "docs" / "bitcoin-etl.md"


def tables():
    found, current = {}, None
    for line in DOC.read_text().splitlines():
        heading = re.match(r"^#+ (\S+)", line)
        if heading:
            current = heading.group(1)
        row = re.match(r"^\| (\w+) \|", line)
        if row and row.group(1) != "Field" and current:
            found.setdefault(current, []).append(row.group(1))
    return found


def test_doc_mirrors_constants():
    t = tables()
    assert tuple(t["blocks.json"]) == etl_schema.BLOCK_FIELDS
    assert tuple(t["transactions.json"]) == etl_schema.TRANSACTION_FIELDS
    assert tuple(t["transaction_input"]) == etl_schema.INPUT_FIELDS
    assert tuple(t["transaction_output"]) == etl_schema.OUTPUT_FIELDS
