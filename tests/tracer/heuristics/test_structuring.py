import pytest

from tracer.heuristics.examples import evm, send, tx, utxo
from tracer.heuristics.structuring import structuring

E18 = 10**18
CAP = 10_000 * E18 // 3_000  # 3.33 ETH


def test_just_below_the_threshold_and_exactly_at_it():
    below = [send("0xboss", f"0xm{i}", CAP - (i + 1) * 10**16, tx=f"0xb{i}", block=100 * i + 1) for i in range(5)]
    at = [send("0xcareless", f"0xn{i}", CAP, tx=f"0xa{i}", block=100 * i + 2) for i in range(3)]
    e = structuring(evm(*below, *at), prices={"ETH": 3_000})
    assert e[["a", "confidence"]].values.tolist() == [["0xboss", "high"], ["0xcareless", "medium"]]


def test_not_structuring():
    few = [send("0xa", f"0xm{i}", CAP - 10**16, tx=f"0xf{i}", block=i + 1) for i in range(2)]
    # four days apart
    spread = [send("0xb", f"0xm{i}", CAP - 10**16, tx=f"0xs{i}", block=1 + i * 30_000) for i in range(3)]
    big = [send("0xc", f"0xm{i}", 2 * CAP, tx=f"0xg{i}", block=i + 1) for i in range(4)]
    hot = [send("0xhot", f"0xm{i}", CAP - 10**16, tx=f"0xh{i}", block=i + 1) for i in range(4)]
    t = evm(*few, *spread, *big, *hot)
    assert structuring(t, prices={"ETH": 3_000}, tags={"0xhot": "exchange"}).empty
    with pytest.raises(ValueError, match="prices"):
        structuring(t)


def test_utxo_payments_and_thresholds_in_base_units():
    t = utxo(*[tx(f"t{i}", [("bc1boss", 900_000 + 1_000 + 10_000 * i)], [(f"bc1m{i}", 900_000),
                                                                            ("bc1boss", 10_000 * i)], block=i + 1)
               for i in range(1, 4)])
    e = structuring(t, thresholds={"BTC": 1_000_000})
    assert e["a"].tolist() == ["bc1boss"] and e.loc[0, "txs"] == ("t1", "t2", "t3")
