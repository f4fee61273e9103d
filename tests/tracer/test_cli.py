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


def test_table_amounts_are_exact_whole_units():
    r = CliRunner(env={"COLUMNS": "300"}).invoke(trace, ["--data", str(DATA / "eth"), "--address", A])
    assert r.exit_code == 0, r.output
    assert " 1.99999999999939 " in r.output and " 0.6 " in r.output  # ETH: 18 decimals, nothing rounded
    # a uint256 token amount, 6 decimals, to the last digit
    assert "115,792,089,237,316,195,423,570,985,008,687,907,853,269,984,665,640,564,039,457,584,007,913,129.639935" in r.output
    assert "amounts in whole units, exact" in r.output


def run(*args):
    r = CliRunner().invoke(trace, ["--data", str(DATA / "eth"), *args])
    return r


def test_backward_and_tx_start():
    r = run("--address", B, "--direction", "backward", "--json")
    assert r.exit_code == 0, r.output
    back = json.loads(r.output)
    assert back["direction"] == "backward" and {e["address"] for e in back["endpoints"]} == {A}
    r = run("--tx", "0xt1", "--rule", "haircut", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["source"] == "0xt1"


def test_paths_and_errors():
    r = run("--address", A, "--to", "0x" + "4" * 40)
    assert r.exit_code == 0, r.output
    assert "2 hops:" in r.output and "0xt1 0xt2" in r.output
    r = run("--address", "0x" + "9" * 40)
    assert r.exit_code == 1 and "does not appear in the data" in r.output
    r = run("--address", A, "--tx", "0xt1")
    assert r.exit_code == 2 and "exactly one" in r.output
    r = run("--address", A, "--start", "yesterday")
    assert r.exit_code == 2 and "ISO date" in r.output


def test_plot_files(tmp_path):
    r = run("--address", A, "--tags", str(DATA / "tags.yaml"), "--plot", str(tmp_path / "case"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "case-flow.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "case-timeline.png").is_file()
