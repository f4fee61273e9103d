import json
import re
from pathlib import Path

from click.testing import CliRunner

from tracer.cli import trace

DATA = Path(__file__).parent / "data"
A, B = "0x" + "1" * 40, "0x" + "2" * 40
K = "0x" + "4" * 40


def run(*args, columns="80"):
    return CliRunner(env={"COLUMNS": columns}).invoke(trace, ["--data", str(DATA / "eth"), *args])


def test_json_endpoints():
    r = run("--address", A, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    ends = out["endpoints"]
    eth = [e for e in ends if e["asset"] == "ETH"]
    assert sum(int(e["amount"]) for e in eth) == 3 * 10**18 + 210000
    assert all(isinstance(e["amount"], str) and isinstance(e["path"], list) for e in ends)
    fields = {"source", "chain", "address", "asset", "symbol", "amount", "hops", "path", "why", "label", "entry"}
    assert all(set(e) == fields for e in ends)
    assert {e["chain"] for e in ends} == {"eth"} and {e["symbol"] for e in eth} == {"ETH"}
    assert out["sources"] == [{"source": A, "given": A, "label": None}] and out["decimals"]["ETH"] == 18


def test_tags_stop_and_table():
    r = run("--address", A, "--tags", str(DATA / "tags.yaml"))
    assert r.exit_code == 0, r.output
    assert "Example Exchange" in r.output and "0x3333" not in r.output


def test_table_amounts_are_exact_whole_units():
    r = run("--address", A, columns="300")
    assert r.exit_code == 0, r.output
    assert " 1.99999999999939 ETH " in r.output and " 0.6 ETH " in r.output  # 18 decimals, nothing rounded
    # a uint256 token amount, 6 decimals, to the last digit
    assert "115,792,089,237,316,195,423,570,985,008,687,907,853,269,984,665,640,564,039,457,584,007,913,129.639935" \
        in r.output
    assert "amounts in exact whole units" in r.output


def test_a_narrow_terminal_never_cuts_or_wraps_a_hash():
    r = run("--address", A, columns="40")
    assert r.exit_code == 0, r.output
    addresses = re.findall(r"0x[0-9a-fA-F]{40}", r.output)
    assert "0x4444444444444444444444444444444444444444" in {a.lower() for a in addresses}
    assert "…" not in r.output and not re.search(r"0x[0-9a-fA-F]{1,39}\s*│\s*$", r.output, re.M)


def test_backward_and_tx_start():
    r = run("--address", B, "--direction", "backward", "--json")
    assert r.exit_code == 0, r.output
    back = json.loads(r.output)
    assert back["direction"] == "backward" and {e["address"] for e in back["endpoints"]} == {A}
    r = run("--tx", "0xt1", "--rule", "haircut", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["sources"][0]["source"] == "0xt1"


def test_many_sources_each_endpoint_shows_every_share(tmp_path):
    r = run("--address", A, "--address", B, "--json")
    assert r.exit_code == 0, r.output
    got = {}
    for e in json.loads(r.output)["endpoints"]:
        got[e["source"]] = got.get(e["source"], 0) + int(e["amount"])
    assert set(got) == {A, B}
    csv = tmp_path / "victims.csv"
    csv.write_text(f"label,address\nAna,{A}\nBo,` {B.upper().replace('0X', '0x')} `\n")
    r = run("--sources", str(csv), columns="250")
    assert r.exit_code == 0, r.output
    assert "Ana" in r.output and "Bo" in r.output and "share" in r.output and "100.0%" in r.output
    r = run("--sources", str(csv), "--json")
    assert {e["source"] for e in json.loads(r.output)["endpoints"]} == {"Ana", "Bo"}


def test_one_source_has_no_share_columns():
    """Of one source every endpoint is all its own: a source column repeating the title's hash and
    a share of 100% on every row only made the table twice as wide."""
    r = run("--address", A, columns="250")
    head = next(line for line in r.output.splitlines() if "endpoint" in line)
    assert r.exit_code == 0 and "total" in head and "via tx" in head
    assert "share" not in head and "source" not in head and "100.0%" not in r.output


def test_address_errors_say_what_is_wrong():
    r = run("--address", "0x" + "9" * 40)
    assert r.exit_code == 1 and "does not appear in the data" in r.output
    r = run("--address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")  # one letter's case changed
    assert r.exit_code == 2 and "bad EIP-55 checksum" in r.output
    r = run("--address", "0x" + "ab" * 32)
    assert r.exit_code == 2 and "that is a transaction hash: use --tx" in r.output
    r = run("--address", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")
    assert r.exit_code == 2 and "bad bech32 checksum" in r.output
    r = run("--json")
    assert r.exit_code == 2 and "--address, --tx or --sources" in r.output


def test_paths_and_errors():
    r = run("--address", A, "--to", K)
    assert r.exit_code == 0, r.output
    assert "2 hops:" in r.output and "0xt1 0xt2" in r.output
    r = run("--address", A, "--address", B, "--to", K)
    assert r.exit_code == 2 and "exactly one --address" in r.output
    r = run("--address", A, "--start", "yesterday")
    assert r.exit_code == 2 and "ISO date" in r.output
    r = run("--address", A, "--follow", "swap", "--price", "ETH=0")
    assert r.exit_code == 2 and "Invalid value for '--price': 'ETH=0': expected SYMBOL=PRICE with a price above 0" \
        in r.output


def test_plot_files(tmp_path):
    r = run("--address", A, "--tags", str(DATA / "tags.yaml"), "--plot", str(tmp_path / "case"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "case-flow.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "case-timeline.png").is_file()


def test_plot_into_a_missing_folder_is_refused_before_the_trace(tmp_path):
    r = run("--address", A, "--plot", str(tmp_path / "no" / "case"))
    assert r.exit_code == 1 and f"--plot {tmp_path / 'no' / 'case'}: there is no folder" in r.output
    assert "fifo forward trace" not in r.output and not (tmp_path / "no").exists()


def test_a_bundle_s_own_tags_are_the_default(tmp_path):
    import shutil

    bundle = tmp_path / "case"
    shutil.copytree(DATA / "eth", bundle / "exports" / "eth")
    (bundle / "tags").mkdir()
    shutil.copy(DATA / "tags.yaml", bundle / "tags" / "services.yaml")
    r = CliRunner().invoke(trace, ["--data", str(bundle), "--address", A])
    assert r.exit_code == 0, r.output
    assert f"tags: {bundle / 'tags'} (the bundle's own" in r.stderr and "Example Exchange" in r.output
    # a bundle whose tags/ is empty, and the exports alone, carry no tags: nothing is assumed
    (bundle / "tags" / "services.yaml").rename(bundle / "services.yaml.off")
    r = CliRunner().invoke(trace, ["--data", str(bundle), "--address", A])
    assert r.exit_code == 0 and "using the bundle" not in r.stderr and "Example Exchange" not in r.output
    (bundle / "services.yaml.off").rename(bundle / "tags" / "services.yaml")
    r = CliRunner().invoke(trace, ["--data", str(bundle / "exports"), "--address", A])
    assert r.exit_code == 0 and "using the bundle" not in r.stderr and "Example Exchange" not in r.output


def test_the_data_may_be_given_as_arguments():
    """`tracelab trace . --address ...` in a bundle's folder said "Missing option '--data'"."""
    by_option = json.loads(run("--address", A, "--json").output)
    r = CliRunner().invoke(trace, [str(DATA / "eth"), "--address", A, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["endpoints"] == by_option["endpoints"]
    r = CliRunner().invoke(trace, ["--address", A])
    assert r.exit_code == 2 and "give the data to read" in r.output
    r = CliRunner().invoke(trace, [str(DATA / "no-such-folder"), "--address", A])
    assert r.exit_code == 2 and "does not exist" in r.output
