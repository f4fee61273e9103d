import json

import pytest
from click.testing import CliRunner

from chains.evm import find_anvil
from chains.evm.bench import bench_chain


@pytest.mark.skipif(not find_anvil(), reason="anvil not installed")
def test_bench_chain_json():
    result = CliRunner().invoke(bench_chain, ["--transfers", "300", "--pyevm-transfers", "50", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    for key in ("lab_tx_per_s", "raw_tx_per_s", "pure_python_tx_per_s", "ratio_lab_to_raw"):
        assert figures[key] > 0
    assert figures["ratio_lab_to_raw"] == pytest.approx(figures["lab_tx_per_s"] / figures["raw_tx_per_s"], rel=0.01)
    assert figures["blocks"] == figures["raw_blocks"] == 1
