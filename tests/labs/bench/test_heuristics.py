import json

from click.testing import CliRunner

from labs.cli import cli


def test_bench_heuristics_json_clustering_and_every_heuristic_on_a_small_case():
    r = CliRunner().invoke(cli, ["bench", "heuristics", "--transfers", "5000", "--transactions", "150", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    c = out["clustering"]
    assert c["rows"] == 5000 and c["ratio_vs_networkx"] > 0
    names = [h["heuristic"] for h in out["case"]["heuristics"]]
    from tracer.heuristics import HEURISTICS

    assert names == list(HEURISTICS)
    found = {h["heuristic"]: h["rows"] for h in out["case"]["heuristics"]}
    # the bench case's story: a peel chain, deposit addresses the exchanges sweep, a mixer, the bridge
    assert found["peel_chain"] > 0 and found["deposit_address"] > 0 and found["multi_input"] > 0
    skipped = {h["heuristic"]: h["skipped"] for h in out["case"]["heuristics"] if "skipped" in h}
    assert "bridge" not in skipped and found["bridge"] > 0, skipped  # its tags name the bridge it crosses
