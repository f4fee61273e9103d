import pytest

from tracer.heuristics.evidence import MissingColumnError
from tracer.heuristics.examples import call, evm, send
from tracer.heuristics.mixer import Pools, multi_denomination, same_address, timing, unique_gas_price
from tracer.heuristics.mixer_links import gas_funding, linked_addresses

E18 = 10**18
H = 300  # blocks of 12 s: an hour
TAGS = {"0xp1": "mixing_service", "0xp10": "mixing_service", "0xrelayer": "mixing_service", "0xhot": "exchange"}


def deposit(who, pool, amount, tx, block, **kw):
    return send(who, pool, amount, tx=tx, block=block, **kw)


def relayed(tx, pool, to, amount, block, fee=E18 // 1000):
    return call(tx, "0xrelayer", internal=[(pool, to, amount - fee), (pool, "0xrelayer", fee)], block=block)


def own(tx, pool, to, amount, block, gas_price=10**9):
    return call(tx, to, internal=[(pool, to, amount)], block=block, gas_price=gas_price)


def test_pools_read_deposits_and_withdrawals_without_relayer_fees():
    t = evm(deposit("0xu", "0xp1", E18, "0xd1", 1), relayed("0xw1", "0xp1", "0xr", E18, 50))
    p = Pools.of(t, TAGS)
    assert p.deposits[["pool", "address"]].values.tolist() == [["0xp1", "0xu"]]
    assert p.withdrawals[["pool", "address", "sender"]].values.tolist() == [["0xp1", "0xr", "0xrelayer"]]
    assert p.denomination == {("ethereum", "0xp1"): E18}


def test_a_pool_deployed_alike_on_two_chains_is_two_pools():
    """One pool contract address on two chains (one deployer at one nonce): a deposit on one chain
    and a withdrawal on the other are never one note, for any rule."""
    import pandas as pd

    from tracer import transfers as T

    here = evm(deposit("0xu", "0xp1", E18, "0xd1", 1), deposit("0xx", "0xp10", 10 * E18, "0xd3", 3),
               deposit("0xx", "0xp1", E18, "0xd4", 4), deposit("0xv", "0xp1", E18, "0xd2", 2 * H), chain="ethereum")
    there = evm(relayed("0xw2", "0xp1", "0xz", E18, 2 * H + H // 4), relayed("0xw1", "0xp1", "0xu", E18, 9 * H),
                relayed("0xw3", "0xp1", "0xy", E18, 10 * H), relayed("0xw4", "0xp10", "0xy", 10 * E18, 10 * H),
                chain="sidechain")
    t = T.sort(pd.concat([here, there], ignore_index=True))
    assert same_address(t, TAGS).empty and timing(t, TAGS).empty and multi_denomination(t, TAGS).empty
    assert Pools.of(t, TAGS).denomination == {("ethereum", "0xp1"): E18, ("ethereum", "0xp10"): 10 * E18}


def test_same_address():
    t = evm(deposit("0xu", "0xp1", E18, "0xd1", 1), deposit("0xv", "0xp1", E18, "0xd2", 2),
            relayed("0xw1", "0xp1", "0xu", E18, 9 * H), relayed("0xw2", "0xp1", "0xnew", E18, 10 * H),
            relayed("0xw3", "0xp10", "0xv", 10 * E18, 11 * H))  # another pool: no match
    e = same_address(t, TAGS)
    assert e[["a", "b", "txs"]].values.tolist() == [["0xu", "0xu", ("0xd1", "0xw1")]]


def test_unique_gas_price_needs_the_column_and_ignores_relayed_withdrawals():
    rows = [deposit("0xu", "0xp1", E18, "0xd1", 1, gas_price=23_400_000_001),
            deposit("0xv", "0xp1", E18, "0xd2", 2), deposit("0xx", "0xp1", E18, "0xd3", 3),
            own("0xw1", "0xp1", "0xfresh", E18, 9 * H, gas_price=23_400_000_001),
            relayed("0xw2", "0xp1", "0xr", E18, 10 * H)]
    with pytest.raises(MissingColumnError, match="gas_price"):
        unique_gas_price(evm(*rows), TAGS)
    e = unique_gas_price(evm(*rows, extra=True), TAGS)
    assert e[["a", "b", "confidence"]].values.tolist() == [["0xu", "0xfresh", "high"]]
    common = [deposit("0xu", "0xp1", E18, "0xd1", 1), deposit("0xv", "0xp1", E18, "0xd2", 2),
              own("0xw1", "0xp1", "0xfresh", E18, 9 * H)]
    assert unique_gas_price(evm(*common, extra=True), TAGS).empty  # everyone's default price


def test_timing():
    quick = evm(deposit("0xu", "0xp1", E18, "0xd1", 100), relayed("0xw1", "0xp1", "0xr", E18, 100 + H // 2))
    assert timing(quick, TAGS)[["a", "b"]].values.tolist() == [["0xu", "0xr"]]
    crowded = evm(deposit("0xu", "0xp1", E18, "0xd1", 100), deposit("0xv", "0xp1", E18, "0xd2", 110),
                  relayed("0xw1", "0xp1", "0xr", E18, 100 + H // 2))
    assert timing(crowded, TAGS).empty
    slow = evm(deposit("0xu", "0xp1", E18, "0xd1", 100), relayed("0xw1", "0xp1", "0xr", E18, 100 + 30 * H))
    assert timing(slow, TAGS).empty


def test_multi_denomination():
    dep = [deposit("0xu", "0xp10", 10 * E18, "0xd1", 10), deposit("0xu", "0xp1", E18, "0xd2", 20),
           deposit("0xu", "0xp1", E18, "0xd3", 30), deposit("0xo", "0xp1", E18, "0xd4", 40)]
    wd = [relayed("0xw1", "0xp1", "0xr", E18, 100 * H), relayed("0xw2", "0xp10", "0xr", 10 * E18, 101 * H),
          relayed("0xw3", "0xp1", "0xr", E18, 102 * H)]
    e = multi_denomination(evm(*dep, *wd), TAGS)
    assert e[["a", "b", "confidence"]].values.tolist() == [["0xu", "0xr", "high"]]
    assert e.loc[0, "txs"] == ("0xd1", "0xd2", "0xd3", "0xw1", "0xw2", "0xw3")
    assert "2 x 1 ETH" in e.loc[0, "reason"]
    other_mix = wd[:2]  # 1 x 1 ETH + 1 x 10 ETH: nobody deposited that
    assert multi_denomination(evm(*dep, *other_mix), TAGS).empty


def test_linked_addresses():
    t = evm(deposit("0xu", "0xp1", E18, "0xd1", 1), relayed("0xw1", "0xp1", "0xr", E18, 9 * H),
            send("0xr", "0xu", 10**17, tx="0xback", block=20 * H),
            send("0xr", "0xhot", 10**17, tx="0xcash", block=21 * H))
    e = linked_addresses(t, TAGS)
    assert e[["a", "b", "link"]].values.tolist() == [["0xu", "0xr", "same owner"]]
    before = evm(relayed("0xw1", "0xp1", "0xr", E18, 9 * H), deposit("0xu", "0xp1", E18, "0xd1", 10 * H),
                 send("0xr", "0xu", 10**17, tx="0xback", block=20 * H))
    assert linked_addresses(before, TAGS).empty  # the deposit came after the withdrawal


def test_gas_funding():
    t = evm(deposit("0xu", "0xp1", E18, "0xd1", 1),
            send("0xboss", "0xfresh", 10**16, tx="0xgas", block=5),
            own("0xw1", "0xp1", "0xfresh", E18, 9 * H),
            send("0xhot", "0xfresh2", 10**16, tx="0xgas2", block=6),  # an exchange withdrawal: no link
            own("0xw2", "0xp1", "0xfresh2", E18, 10 * H),
            relayed("0xw3", "0xp1", "0xr", E18, 11 * H))
    e = gas_funding(t, TAGS)
    assert e[["a", "b", "confidence", "txs"]].values.tolist() == [["0xboss", "0xfresh", "medium", ("0xgas", "0xw1")]]
