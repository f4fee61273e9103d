import json

import pytest
from click.testing import CliRunner

from chains.evm import find_anvil
from labs.bench.scenario import bench_scenario


@pytest.mark.skipif(not find_anvil(), reason="anvil not installed")
def test_bench_scenario_json():
    result = CliRunner().invoke(bench_scenario, ["--transactions", "150", "--json"])
    assert result.exit_code == 0, result.output
    r = json.loads(result.output)
    assert r["transactions"] >= 150
    assert r["tx_per_s"] > 0 and r["seconds"] > 0
    assert r["ratio_to_raw_evm"] == pytest.approx(r["tx_per_s"] / r["raw_evm_tx_per_s"], rel=0.02)
