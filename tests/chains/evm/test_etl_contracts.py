"""Contract and token inference as ethereum-etl does it, on bytecode alone."""
import json

from chains.contracts import ARTIFACTS_DIR
from chains.evm.etl_contracts import function_sighashes, is_erc20, is_erc721


def test_function_sighashes_skip_push_data():
    # PUSH4 a9059cbb, then a PUSH32 whose data contains a PUSH4 opcode byte (0x63) that is not code
    code = "0x63a9059cbb" + "7f" + "63deadbeef" + "00" * 27 + "00"
    assert function_sighashes(code) == ["0xa9059cbb"]
    assert function_sighashes("0x") == [] and not is_erc20(["0xa9059cbb"])


def test_the_lab_stablecoin_is_an_erc20_and_the_mixer_is_not():
    def runtime(name):
        return function_sighashes(json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())["deployedBytecode"])
    coin = runtime("Stablecoin")
    assert is_erc20(coin) and not is_erc721(coin)
    assert not is_erc20(runtime("Mixer"))
