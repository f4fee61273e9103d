import pytest

import tracer.heuristics as th
from tracer.heuristics.examples import evm, send, tx, utxo


def test_run_reports_what_it_skipped_and_why():
    t = utxo(tx("t1", [("a", 5_000_000), ("b", 7_000_000)], [("shop", 6_000_000), ("a", 5_990_000)]))
    r = th.run(t)
    assert set(r.ran) | set(r.skipped) == set(th.HEURISTICS)
    assert "extra=True" in r.skipped["change.locktime"]
    assert "--tags" in r.skipped["mixer.timing"] and "--price" in r.skipped["structuring"]
    assert r.of("multi_input")["a"].tolist() == ["a"]


def test_run_with_tags_and_prices_runs_everything_the_data_allows():
    E18 = 10**18
    t = evm(send("0xu", "0xpool", E18, tx="0xd1", block=1), extra=True)
    r = th.run(t, tags={"0xpool": "mixing_service", "0xhot": "exchange", "0xbr": "defi_bridge"},
               prices={"ETH": 3_000})
    assert "mixer.unique_gas_price" in r.ran and "deposit_address" in r.ran and "structuring" in r.ran
    assert set(r.skipped) == {"change.address_type", "change.locktime", "change.version", "swap"}


def test_unknown_names_say_what_exists():
    with pytest.raises(ValueError, match=r"unknown heuristic 'peel'.*peel_chain"):
        th.select(["peel"])


def test_every_heuristic_runs_on_every_export_the_tracer_reads():
    from pathlib import Path

    from tracer.load.tagpack import load_tagpacks

    data = Path(__file__).parents[1] / "data"
    tags = load_tagpacks(data / "tags.yaml")
    for folder in ["eth", "btc", "bitcoin_etl/mainnet", "bitcoin_etl/bigquery", "bitcoin_etl/csv",
                   "bitcoin_etl/shapes", "ethereum_etl/export_all", "ethereum_etl/geth"]:
        r = th.run(th.load(data / folder), tags=tags, prices={"BTC": 60_000, "ETH": 3_000, "USDT": 1})
        assert set(r.ran) | set(r.skipped) == set(th.HEURISTICS), folder
        assert all("needs tags" in why for why in r.skipped.values()), (folder, r.skipped)
