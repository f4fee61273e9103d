"""`tracelab trace --report`: the trace as markdown, saying what it rests on."""
import json
import re
from pathlib import Path

from click.testing import CliRunner

from tracer.cli import trace

DATA = Path(__file__).parent / "data"
A = "0x" + "1" * 40


def test_a_plain_trace_report_says_it_rests_on_no_heuristic_and_names_its_transactions(tmp_path):
    out = tmp_path / "report.md"
    r = CliRunner().invoke(trace, ["--data", str(DATA / "eth"), "--address", A, "--tags", str(DATA / "tags.yaml"),
                                   "--report", str(out), "--json"])
    assert r.exit_code == 0, r.output
    assert f"report: {out}" in r.stderr and json.loads(r.stdout)["endpoints"]  # stdout stays one JSON object
    text = out.read_text()
    assert "| endpoint | label | entry | why | total |\n" in text  # one source: no share columns
    assert "| endpoint | amount | hops | why | transactions |\n" in text
    heads = [line for line in text.splitlines() if line.startswith("#")]
    assert heads == [f"# Trace report: fifo forward from {A}", "## Who gets what back",
                     "## What this trace relies on", "## The transactions behind each endpoint"]
    assert "Example Exchange" in text and "stopping at attributed services" in text
    assert "No heuristic: every flow follows an exact rule over the data" in text
    exported = {line.split(",")[0] for line in (DATA / "eth" / "transactions.csv").read_text().splitlines()}
    behind = text.split("## The transactions behind each endpoint")[1]
    hashes = {h for line in behind.splitlines() if line.startswith("| `")
              for h in re.findall(r"`([^`]+)`", line.rsplit("|", 2)[1])}
    assert hashes == {"0xt1"} and hashes <= exported


def test_report_errors_say_what_is_wrong(tmp_path):
    missing = str(tmp_path / "no" / "r.md")
    r = CliRunner().invoke(trace, ["--data", str(DATA / "eth"), "--address", A, "--report", missing])
    assert r.exit_code == 1 and f"--report {missing}: there is no folder {tmp_path / 'no'}" in r.output
    r = CliRunner().invoke(trace, ["--data", str(DATA / "eth"), "--address", A, "--to", A, "--report", "r.md"])
    assert r.exit_code == 2 and "not with --to" in r.output


def test_a_followed_trace_report_cites_the_rates_file_it_is_given(tmp_path):
    from tracer.heuristics import measured
    from tracer.heuristics.follow import trace as follow
    from tracer.report import report

    from .heuristics.test_citations import _peel_chain

    t = _peel_chain()
    r = follow(t, "src", ["change"], hops=1)
    shipped = report(r, t)
    assert "## The legs" in shipped and measured.cite("peel_chain") in shipped
    other = json.loads(measured.PATH.read_text())
    other["counts"]["peel_chain"] = [1, 1, 0]
    (tmp_path / "rates.json").write_text(json.dumps(other))
    changed = report(r, t, rates=tmp_path / "rates.json")
    assert measured.cite("peel_chain", tmp_path / "rates.json") in changed
    assert "precision 50.00% (95% CI 9.45-90.55%, 1 wrong of 2)" in changed
    assert measured.cite("peel_chain") not in changed


def test_value_stopped_at_a_defi_contract_is_not_sent_to_it_for_records():
    """A bridge or a swap pool is tagged like a service, but a production order has no one to go to
    there: the report says to follow the value through it instead; an exchange gets no such line."""
    import pandas as pd

    import tracer as tr
    from tracer.handmade import account
    from tracer.report import who_gets_what

    bridge, exchange = "0x" + "b" * 40, "0x" + "e" * 40
    t = account([("t1", "s", "a", 10), ("t2", "a", bridge, 6), ("t3", "a", exchange, 4)])
    tags = pd.DataFrame({"address": [bridge, exchange], "label": ["Lab Bridge", "Kestrel Exchange"],
                         "category": ["defi_bridge", "exchange"]})
    text = "\n".join(who_gets_what(tr.trace(t, "s", stop=tags)))
    assert "Lab Bridge: a contract, not a custodian" in text and "--follow bridge,swap" in text
    assert "Kestrel Exchange:" not in text
    back = "\n".join(who_gets_what(tr.trace(account([("t1", bridge, "a", 5)]), "a", direction="backward", stop=tags)))
    assert "Lab Bridge: a contract, not a custodian" in back and "--follow" not in back


def test_value_stopped_at_a_mixer_pool_points_to_the_mixer_heuristics_not_at_a_coinjoin():
    import pandas as pd

    import tracer as tr
    from tracer.handmade import account, utxo
    from tracer.report import onward_note

    pool = "0x" + "d" * 40
    tags = pd.DataFrame({"address": [pool, "coord"], "label": ["Lab Mixer 1 ETH", "Lab CoinJoin"],
                         "category": ["mixing_service", "mixing_service"]})
    note = onward_note(tr.trace(account([("t1", "s", "a", 10), ("t2", "a", pool, 10)]), "s", stop=tags))
    assert note.startswith("Lab Mixer 1 ETH: a mixer.") and "tracelab heuristics --only mixer" in note
    # a CoinJoin is followed through its transaction; its coordinator's fee is no pool to link from
    join = utxo([("j1", [("s", 10, None), ("x", 10, None)], [("coord", 2), ("o1", 9), ("o2", 9)])])
    r = tr.trace(join, "s", stop=tags)
    assert "coord" in set(r.endpoints["address"]) and onward_note(r) is None


def test_value_stopped_at_an_instant_swap_service_says_where_it_went_on():
    import pandas as pd

    import tracer as tr
    from tracer.handmade import utxo
    from tracer.report import onward_note

    t = utxo([("pay", [("s", 10_000, None)], [("order", 9_000)]),
              ("sweep", [("order", 9_000, "pay:0")], [("hot", 8_900)])])
    tags = pd.DataFrame({"address": ["hot"], "label": ["Vertex Instant Swap (instant swap service): hot wallet"],
                         "category": ["exchange"]})
    r = tr.trace(t, "s", stop=tags)
    assert r.endpoints.query("address == 'hot'")["entry"].tolist() == ["order"]
    note = onward_note(r)
    assert note.startswith("Vertex Instant Swap (instant swap service): hot wallet: an instant swap service.")
    assert "--follow swap" in note and "entry column" in note
    plain = tags.assign(label=["Kestrel Exchange: hot wallet"])
    assert onward_note(tr.trace(t, "s", stop=plain)) is None  # an exchange: the order goes there, nothing more


def test_the_terminal_table_says_it_too(tmp_path):
    pack = tmp_path / "bridge.yaml"
    pack.write_text((DATA / "tags.yaml").read_text().replace("category: exchange", "category: defi_bridge")
                    .replace("Example Exchange deposit", "Example Bridge"))
    r = CliRunner().invoke(trace, ["--data", str(DATA / "eth"), "--address", A, "--tags", str(pack)])
    assert r.exit_code == 0, r.output
    assert "Example Bridge: a contract, not a custodian" in r.output
    r = CliRunner().invoke(trace, ["--data", str(DATA / "eth"), "--address", A, "--tags", str(DATA / "tags.yaml")])
    assert r.exit_code == 0 and "not a custodian" not in r.output


def test_a_bundle_given_as_dot_is_named_by_its_folder(tmp_path, monkeypatch):
    from tracer.report import data_line

    case = tmp_path / "case7"
    case.mkdir()
    (case / "MANIFEST.sha256").write_text("x\n")
    monkeypatch.chdir(case)
    assert data_line(["."]).startswith("Data: `case7/` (MANIFEST.sha256 hashes to")
