"""Typologies on the UTXO chain: graph invariants read from the ledger itself, over several seeds."""
import json

import pytest

from chains.utxo.params import block_subsidy
from chains.utxo.scripts import address as script_address
from chains.utxo.scripts import script_for_address
from labs.scenario import run_case
from labs.spec import SpecError, load_spec

from ..specs import spec_text

def peel(hops: int = 3, position: str = "last", reuse: bool = False, round_: bool = False) -> str:
    return spec_text("peel-small", [
        {"typology": "ransomware_payment", "chain": "bitcoin", "amount_usd": 120000},
        {"typology": "peel_chain", "hops": hops, "change_position": position, "reuse_addresses": reuse,
         "round_peels": round_},
        {"typology": "cash_out", "chain": "bitcoin"}], chains=("bitcoin",), users=8, transactions=60, merchants=2)

FAN_IN = spec_text("fan-in-small", [
    {"typology": "ransomware_payment", "chain": "bitcoin", "amount_usd": 50000},
    {"typology": "ransomware_payment", "chain": "bitcoin", "amount_usd": 70000, "country": "RS"},
    {"typology": "fan_in", "chain": "bitcoin"}, {"typology": "cash_out", "chain": "bitcoin", "exchange": 2}],
    chains=("bitcoin",), days=2)

MIXED = spec_text("mixed-small", [
    {"typology": "ransomware_payment", "chain": "bitcoin", "amount_usd": 60000},
    {"typology": "peel_chain", "hops": 4}], chains=("ethereum", "bitcoin"), transactions=80, days=2)


def peel_spec(seed, hops=6, position="random", reuse=False, round_=False):
    return load_spec("peel.toml", text=peel(hops, position, reuse, round_)).with_seed(seed)


_CASES = {}


def case_of(spec):
    """Run ``spec`` once per test module (cases are deterministic, so reuse is safe)."""
    key = json.dumps(spec.to_dict(), sort_keys=True)
    if key not in _CASES:
        with run_case(spec, backend="pyevm") as case:
            _CASES[key] = case
    return _CASES[key]


def lane_of(case):
    (lane,) = [lane for lane in case.world.lanes.values() if lane.kind == "utxo"]
    return lane


def tx_of(ledger, txid):
    tx, height = ledger.get_transaction(txid)
    assert height is not None, f"{txid} is not confirmed"
    return tx


def inputs_of(ledger, tx):
    """[(txid, vout, address, value)] of a confirmed transaction's inputs."""
    found = []
    for op in tx.outpoints():
        coin = ledger.outputs[op]
        found.append((op[0].hex(), op[1], script_address(coin.script), coin.value))
    return found


def outputs_of(tx):
    return [(script_address(o.script_pubkey.data), o.value) for o in tx.tx.vout]


def check_ledger(ledger):
    """Value is conserved in every transaction, and the coins in existence are exactly what was mined."""
    for block in ledger.blocks[1:]:
        for tx in block.txs[1:]:
            ins = sum(v for *_, v in inputs_of(ledger, tx))
            outs = sum(v for _, v in outputs_of(tx))
            assert ins == outs + ledger.fees[tx.txid] and ledger.fees[tx.txid] > 0
    minted = sum(block_subsidy(h) for h in range(1, ledger.height + 1))
    assert sum(c.value for c in ledger.utxos.values()) == minted
    assert not ledger.mempool


def check_truth_on_ledger(case):
    """Every tx hash and address of the key is on the ledger; funds arrive before they leave."""
    lane = lane_of(case)
    ledger = lane.ledger
    seen = set()
    for block in ledger.blocks:
        for tx in block.txs:
            seen.update(a for a, _ in outputs_of(tx))
    for m in case.world.truth.moves:
        if m.chain != lane.name:
            continue
        tx = tx_of(ledger, m.tx)
        assert m.sender in seen and m.recipient in seen
        assert (m.recipient, m.amount) in outputs_of(tx) or m.sender in {a for _, _, a, _ in inputs_of(ledger, tx)}
        where = ledger.tx_index[m.tx]
        for txid, _, _, _ in inputs_of(ledger, tx):
            assert ledger.tx_index[txid] < where, "spent before it arrived"
    for addrs in case.world.truth.clusters.values():
        assert all(a in seen for a in addrs.get(lane.name, []))


def peel_txs(case):
    """The peel chain's transactions in order, as [(txid, peel move, change move)]."""
    step = next(s["step"] for s in case.world.truth.steps if s["typology"] == "peel_chain")
    by_tx = {}
    for m in case.world.truth.moves:
        if m.step == step:
            by_tx.setdefault(m.tx, []).append(m)
    out = []
    for txid, moves in by_tx.items():
        change = [m for m in moves if m.note == "change"]
        peel = [m for m in moves if m.note != "change"]
        assert len(peel) == 1 and len(change) <= 1
        out.append((txid, peel[0], change[0] if change else None))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_peel_chain_shape(seed):
    case = case_of(peel_spec(seed))
    lane = lane_of(case)
    ledger = lane.ledger
    check_ledger(ledger)
    check_truth_on_ledger(case)
    hops = peel_txs(case)
    assert len(hops) >= 3
    ransom = case.world.truth.victims[0]
    previous = None
    perp = set(case.world.truth.clusters["perpetrator"]["bitcoin"])
    for txid, peel, change in hops:
        tx = tx_of(ledger, txid)
        ins, outs = inputs_of(ledger, tx), outputs_of(tx)
        # one input, from the previous hop's change (the first from the ransom), two outputs
        assert len(ins) == 1 and len(outs) == 2
        if previous is None:
            assert ins[0][0] == ransom["tx"] and ins[0][2] == ransom["to"]
        else:
            assert (ins[0][0], ins[0][2]) == (previous[0], previous[2].recipient)
        assert change is not None and (change.recipient, change.amount) in outs
        assert (peel.recipient, peel.amount) in outs and peel.amount < change.amount
        assert peel.amount + change.amount + ledger.fees[txid] == ins[0][3]
        # the perpetrator's cluster holds every hop address, and no peel recipient
        assert ins[0][2] in perp and change.recipient in perp and peel.recipient not in perp
        previous = (txid, peel, change)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_peels_to_exchanges_are_cashouts_swept_by_the_exchange(seed):
    case = case_of(peel_spec(seed))
    lane, world = lane_of(case), case.world
    ledger = lane.ledger
    spenders = {}
    for block in ledger.blocks[1:]:
        for tx in block.txs[1:]:
            for op in tx.outpoints():
                spenders[op] = tx
    exchange_peels = [p for _, p, _ in peel_txs(case) if " Exchange" in p.note or " Coin" in p.note]
    cashouts = {c["address"]: c for c in world.truth.cashouts if c["chain"] == "bitcoin"}
    names = {ex.actor.name: ex for ex in world.exchanges.values()}
    assert cashouts, "the case ends at an exchange"
    for p in exchange_peels:
        assert p.recipient in cashouts
    for c in cashouts.values():
        ex = names[c["exchange"]]
        assert lane.wallet(ex.actor).owns(script_for_address(c["address"]))
        assert c["kyc"]["customer_id"] in ex.customers and c["kyc"]["name"]
        tx = tx_of(ledger, c["tx"])
        vout = [n for n, (a, v) in enumerate(outputs_of(tx)) if a == c["address"] and v == c["amount"]]
        assert len(vout) == 1
        # the exchange consolidated the deposit into its hot wallet: one output, to the hot address
        sweep = spenders[(bytes.fromhex(c["tx"]), vout[0])]
        assert outputs_of(sweep)[0][0] == lane.hot_address[ex.actor.id] and len(outputs_of(sweep)) == 1


def test_consolidations_cluster_an_exchanges_deposit_addresses():
    case = case_of(peel_spec(2))
    lane = lane_of(case)
    ledger = lane.ledger
    multi = 0
    for ex in case.world.exchanges.values():
        hot = lane.hot_address[ex.actor.id]
        for block in ledger.blocks[1:]:
            for tx in block.txs[1:]:
                outs = outputs_of(tx)
                if len(outs) == 1 and outs[0][0] == hot:
                    ins = inputs_of(ledger, tx)
                    assert all(lane.wallet(ex.actor).owns(script_for_address(a)) for _, _, a, _ in ins)
                    multi += len(ins) > 1
    assert multi >= 1


def test_habits_round_peels_change_last_and_reuse():
    case = case_of(peel_spec(4, hops=5, position="last", reuse=True, round_=True))
    ledger = lane_of(case).ledger
    check_ledger(ledger)
    check_truth_on_ledger(case)
    hops = peel_txs(case)
    assert len(hops) >= 2
    for txid, peel, change in hops:
        tx = tx_of(ledger, txid)
        (inp,) = inputs_of(ledger, tx)
        assert peel.amount % 100_000 == 0
        assert outputs_of(tx)[-1] == (change.recipient, change.amount)  # change last
        assert change.recipient == inp[2]  # change back to the spending address: reuse
    (step,) = [s for s in case.world.truth.steps if s["typology"] == "peel_chain"]
    assert {m["mistake"] for m in step["mistakes"]} == {"reuse_addresses", "round_peels", "change_position"}
    clean = case_of(peel_spec(4))
    assert all("mistakes" not in s for s in clean.world.truth.steps)


def test_fan_in_is_one_multi_input_consolidation():
    case = case_of(load_spec("fan.toml", text=FAN_IN).with_seed(5))
    ledger = lane_of(case).ledger
    check_ledger(ledger)
    check_truth_on_ledger(case)
    step = next(s["step"] for s in case.world.truth.steps if s["typology"] == "fan_in")
    moves = [m for m in case.world.truth.moves if m.step == step]
    (txid,) = {m.tx for m in moves}
    tx = tx_of(ledger, txid)
    ins, outs = inputs_of(ledger, tx), outputs_of(tx)
    ransoms = {v["to"] for v in case.world.truth.victims}
    assert len(ins) == 2 and len(outs) == 1 and {a for _, _, a, _ in ins} == ransoms
    assert sum(v for *_, v in ins) == outs[0][1] + ledger.fees[txid]
    (cash,) = case.world.truth.cashouts
    assert cash["amount"] < outs[0][1] and cash["exchange"] == case.world.spec.world.exchanges[1].name


def test_same_seed_same_case_other_seed_other_case():
    a = case_of(peel_spec(1))
    with run_case(peel_spec(1), backend="pyevm") as b:
        assert json.dumps(a.world.truth.to_json()) == json.dumps(b.world.truth.to_json())
        assert [blk.hash for blk in lane_of(a).ledger.blocks] == [blk.hash for blk in lane_of(b).ledger.blocks]
    c = case_of(peel_spec(2))
    assert json.dumps(a.world.truth.to_json()) != json.dumps(c.world.truth.to_json())
    assert lane_of(a).ledger.tip.hash != lane_of(c).ledger.tip.hash


def test_blocks_come_per_ten_minute_slot():
    case = case_of(peel_spec(3))
    ledger = lane_of(case).ledger
    times = [b.header.time for b in ledger.blocks[1:]]
    assert times == sorted(times) and len(set(times)) == len(times)
    start = case.world.spec.start
    case_blocks = [b for b in ledger.blocks if b.header.time >= start]
    assert case_blocks and all(len(b.txs) > 1 for b in case_blocks)  # a block only for a slot with transactions
    assert all((b.header.time - lane_of(case).genesis_time) % 600 == 0 for b in case_blocks)


def test_background_spreads_over_both_kinds_of_chain():
    case = case_of(load_spec("mixed.toml", text=MIXED).with_seed(3))
    world = case.world
    assert {lane.kind for lane in world.lanes.values()} == {"evm", "utxo"}
    ledger = lane_of(case).ledger
    check_ledger(ledger)
    check_truth_on_ledger(case)
    in_case = sum(len(b.txs) - 1 for b in ledger.blocks if b.header.time >= world.spec.start)
    story = len({m.tx for m in world.truth.moves if m.chain == "bitcoin"})
    assert in_case > story + 10
    assert world.lanes["ethereum"].w3.eth.block_number > 20
    # an exchange customer has a deposit address on each chain
    rec = next(iter(next(iter(world.exchanges.values())).customers.values()))
    assert rec["deposit_address"]["ethereum"].startswith("0x") and rec["deposit_address"]["bitcoin"].startswith("bcrt1")


def test_unknown_typology_and_peel_on_evm_raise():
    with pytest.raises(SpecError, match="unknown typology 'peel_chian'"):
        load_spec("x.toml", text=peel()
                  .replace("peel_chain", "peel_chian"))
    with pytest.raises(SpecError, match="peel_max"):
        load_spec("y.toml", text=peel()
                  .replace("hops = 3", "hops = 3\npeel_max = 0.9"))
    evm = MIXED.replace('typology = "peel_chain"', 'typology = "peel_chain"\nchain = "ethereum"')
    with pytest.raises(SpecError, match=r"story\[1\]\.chain: expected a UTXO chain, got 'ethereum', an EVM "
                                        r"chain \(the spec has bitcoin\)"):
        load_spec("evm.toml", text=evm)


HOP = MIXED + """
[[story]]
typology = "chain_hop"
[[story]]
typology = "cash_out"
chain = "ethereum"
"""


@pytest.mark.parametrize("seed", [3, 8])
def test_chain_hop_through_the_swap_service(seed):
    from labs.typologies.chain_hop import wei_for_sats

    case = case_of(load_spec("hop.toml", text=HOP).with_seed(seed))
    world = case.world
    ledger, evm = lane_of(case).ledger, world.lanes["ethereum"]
    check_ledger(ledger)
    check_truth_on_ledger(case)
    (order,) = [o for o in world.truth.swap_orders if o["actor"] == "perpetrator"]
    service = world.actors["swap-service"]
    # BTC leg: the whole holding to the order's deposit address, a fresh address of the service's wallet
    tx = tx_of(ledger, order["btc_tx"])
    assert outputs_of(tx) == [(order["btc_deposit"], order["sats"])]
    assert lane_of(case).wallet(service).owns(script_for_address(order["btc_deposit"]))
    # ETH leg: from the service's hot wallet, at the lab's price less the fee
    eth = evm.w3.eth.get_transaction(order["eth_tx"])
    assert eth["from"] == service.address and eth["to"] == order["eth_to"]
    fair = wei_for_sats(order["sats"], 100)  # the lab's price less the fee, moved by the order's quote
    assert eth["value"] == order["wei"] and 0 < abs(order["wei"] - fair) <= fair * 60 // 10_000 + 10**14
    assert evm.w3.eth.get_transaction_receipt(order["eth_tx"])["status"] == 1
    legs = [m for m in world.truth.moves if order["order"] in m.note]
    assert {m.chain for m in legs} == {"bitcoin", "ethereum"}
    # nothing on chain links the legs: the ETH recipient never appears on the UTXO chain, and the
    # perpetrator's clusters on both chains hold each leg's own end
    assert order["eth_to"] in world.truth.clusters["perpetrator"]["ethereum"]
    assert all(i[2] in world.truth.clusters["perpetrator"]["bitcoin"] for i in inputs_of(ledger, tx))
    (cash,) = [c for c in world.truth.cashouts if c["chain"] == "ethereum"]
    assert cash["from"] == order["eth_to"] and 0 < order["wei"] - cash["amount"] < 10**15
    # the service sweeps its order deposits into its hot wallet (the bitcoin is not left where the
    # launderer paid it, looking unspent), with any other orders' deposits
    hot = lane_of(case).hot_address[service.id]
    (sweep,) = [t for b in ledger.blocks[1:] for t in b.txs[1:]
                if any(i[2] == order["btc_deposit"] for i in inputs_of(ledger, t))]
    assert [a for a, _ in outputs_of(sweep)] == [hot]
    assert {i[2] for i in inputs_of(ledger, sweep)} <= set(lane_of(case).addresses_of(service))
