import json
from pathlib import Path

from click.testing import CliRunner

from tracer.cli import trace

DATA = Path(__file__).parent / "data"
A, B = "0x" + "1" * 40, "0x" + "2" * 40


def test_json_endpoints():
    r = CliRunner().invoke(trace, ["--data", str(DATA / "eth"), "--address", A, "--json"])
    assert r.exit_code == 0, r.output
    ends = json.loads(r.output)["endpoints"]
    eth = [e for e in ends if e["asset"] == "ETH"]
    assert sum(int(e["amount"]) for e in eth) == 3 * 10**18 + 210000
    assert all(isinstance(e["amount"], str) and isinstance(e["path"], list) for e in ends)


def test_tags_stop_and_table():
    r = CliRunner().invoke(trace, ["--data", str(DATA / "eth"), "--address", A, "--tags", str(DATA / "tags.yaml")])
    assert r.exit_code == 0, r.output
    assert "Example Exchange" in r.output and "0x3333" not in r.output
