"""The benchmark command runs and reports its three figures (speed itself is not asserted)."""
import json

from click.testing import CliRunner

from chains.utxo.bench import bench_utxo


def test_bench_json_smoke():
    result = CliRunner().invoke(bench_utxo, ["--txs", "60", "--block-txs", "25", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["txs"] == 60 and figures["blocks"] == 3
    assert figures["tx_per_s"] > 0 and figures["raw_verify_per_s"] > 0
    assert figures["ratio"] == round(figures["tx_per_s"] / figures["raw_verify_per_s"], 4) or \
        abs(figures["ratio"] - figures["tx_per_s"] / figures["raw_verify_per_s"]) < 1e-3
