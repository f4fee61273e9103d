"""Background activity's fixed gas limits must cover the worst case they meet."""
import pytest
from eth_utils import keccak
from web3.logs import DISCARD

from chains import contracts
from chains.evm import EvmChain
from labs.units import ETH, USD
from labs.world.background import SWEEP_BATCH, SWEEP_GAS_BASE, SWEEP_GAS_PER_ADDRESS

from ..specs import spec_text


@pytest.mark.parametrize("first", ["eth", "token"])
def test_sweep_gas_covers_a_full_batch_of_new_deposit_addresses(first):
    """The costliest sweep deploys every deposit address of a full batch; it must fit its limit with room."""
    with EvmChain.start("pyevm", accounts=3) as chain:
        op, hot, payer = chain.accounts
        chain.w3.eth.default_account = op.address
        ex = contracts.deploy(chain, "ExchangeDeposits", op.address, hot.address, sender=op)
        usd = contracts.deploy(chain, "Stablecoin", "Lab USD", "LUSD", op.address, sender=op)
        salts = [keccak(f"customer:{i}".encode()) for i in range(SWEEP_BATCH)]
        for salt in salts:
            addr = ex.functions.depositAddressOf(salt).call()
            chain.send(payer, addr, value=ETH, gas=40_000)
            chain.transact(usd.functions.mint(addr, 5 * USD), sender=op)
        chain.mine()
        limit = SWEEP_GAS_BASE + SWEEP_GAS_PER_ADDRESS * len(salts)
        tokens = ["0x" + "00" * 20, usd.address]
        for token in tokens if first == "eth" else tokens[::-1]:
            receipt = chain.transact(ex.functions.sweep(salts, token), op, gas=limit)
            assert receipt["status"] == 1
            assert receipt["gasUsed"] <= limit * 9 // 10
        assert chain.w3.eth.get_balance(hot.address) == 10**24 + SWEEP_BATCH * ETH
        assert usd.functions.balanceOf(hot.address).call() == SWEEP_BATCH * 5 * USD


TWO_CHAINS = spec_text("noise", [
    {"typology": "exchange_hack", "amount_eth": 20, "addresses": 1},
    {"typology": "bridge_hop", "to_chain": "sidechain"}], chains=("ethereum", "sidechain"), users=12,
    transactions=600, days=3)


@pytest.fixture(scope="module")
def noisy():
    from labs.scenario import run_case
    from labs.spec import load_spec

    with run_case(load_spec("noise.toml", text=TWO_CHAINS).with_seed(4)) as case:
        yield case.world


def _calls(world, chain, contract):
    """(tx, receipt) of every transaction to ``contract`` on ``chain``, with the 4-byte selector."""
    lane = world.lanes[chain]
    w3, address = lane.w3, lane.contracts[contract].address
    out = []
    for n in range(1, w3.eth.block_number + 1):
        for tx in w3.eth.get_block(n, full_transactions=True)["transactions"]:
            if tx["to"] == address:
                out.append((tx, w3.eth.get_transaction_receipt(tx["hash"])))
    return out


def test_ordinary_users_bridge_and_every_deposit_is_paid_out(noisy):
    story = {m.tx for m in noisy.truth.moves}
    paid = set(noisy.bridge_payouts)
    for chain in noisy.lanes:
        bridge = noisy.lanes[chain].contracts["bridge"]
        deposits = {"0x" + bytes(ev["transactionHash"]).hex()
                    for _, r in _calls(noisy, chain, "bridge")
                    for ev in bridge.events.Deposited().process_receipt(r, errors=DISCARD)}
        assert len(deposits - story) >= 3, f"too few ordinary bridge users on {chain}"
        assert deposits <= paid, f"deposits on {chain} never paid out"
    # the story's deposit is paid once, whoever relayed it
    (mint,) = [m for m in noisy.truth.moves if m.note.startswith("bridge mint")]
    assert noisy.lanes["sidechain"].w3.eth.get_transaction_receipt(mint.tx)["status"] == 1


def test_ordinary_users_withdraw_and_pay_stablecoin(noisy):
    for chain, lane in noisy.lanes.items():
        usd = lane.contracts["stablecoin"]
        hot = {ex.hot_wallet.address for ex in noisy.exchanges.values()}
        users = {u.address for u in noisy.of_kind("user")}
        transfers = [ev["args"] for _, r in _calls(noisy, chain, "stablecoin")
                     for ev in usd.events.Transfer().process_receipt(r, errors=DISCARD)]
        withdrawals = [a for a in transfers if a["from"] in hot and a["to"] in users]
        onward = [a for a in transfers if a["from"] in users]
        assert len(withdrawals) >= 3 and len(onward) >= 3, chain
        assert all(a["value"] % USD == 0 for a in withdrawals + onward)  # whole dollars


def test_ordinary_users_swap_in_the_pool(noisy):
    for chain in noisy.lanes:
        swaps = [r for tx, r in _calls(noisy, chain, "pool") if r["status"] == 1]
        assert len(swaps) >= 3


@pytest.mark.parametrize("contract", ["bridge", "pool", "weth", "stablecoin", "mixer-100000000000000000"])
def test_background_calls_succeed_within_their_fixed_gas(noisy, contract):
    for chain in noisy.lanes:
        calls = _calls(noisy, chain, contract)
        for tx, receipt in calls:
            assert receipt["status"] == 1, f"{contract} call 0x{bytes(tx['hash']).hex()} reverted"
            assert receipt["gasUsed"] <= tx["gas"] * 9 // 10, f"{contract} call near its gas limit"


BTC_AND_ETH = spec_text("noise-two-kinds", [
    {"typology": "ransomware_payment", "chain": "bitcoin", "amount_usd": 30000},
    {"typology": "cash_out", "chain": "bitcoin", "venue": "otc"}], chains=("ethereum", "bitcoin"), users=12,
    transactions=800, days=3)


@pytest.fixture(scope="module")
def mixed():
    from labs.scenario import run_case
    from labs.spec import load_spec

    with run_case(load_spec("mixed.toml", text=BTC_AND_ETH).with_seed(3), backend="pyevm") as case:
        yield case.world


def _btc_payments_to(world, actor):
    """(txid, value) of every UTXO-chain output paying into ``actor``'s wallet, coinbases aside."""
    from chains.utxo.scripts import script_for_address

    lane = world.lanes["bitcoin"]
    owned = {script_for_address(a) for a in lane.addresses_of(actor)}
    return [(tx.txid, o.value) for block in lane.ledger.blocks[1:] for tx in block.txs[1:]
            for o in tx.tx.vout if o.script_pubkey.data in owned]


def test_ordinary_users_swap_btc_for_eth_at_the_instant_service(mixed):
    from labs.world.background import INSTANT_FEE_BPS
    from labs.typologies.chain_hop import QUOTE_SPREAD_BPS, wei_for_sats

    service = mixed.actors["swap-service"]
    orders = _btc_payments_to(mixed, service)
    assert len(orders) >= 3
    w3 = mixed.lanes["ethereum"].w3
    payouts = [tx for n in range(1, w3.eth.block_number + 1)
               for tx in w3.eth.get_block(n, full_transactions=True)["transactions"] if tx["from"] == service.address]
    assert payouts
    # each payout answers one BTC order of the key, at the lab's price less the fee, moved by that order's quote
    keyed = {o["eth_tx"]: o for o in mixed.truth.swap_orders if o["eth_tx"]}
    paid = {(txid, sats) for txid, sats in orders}
    for tx in payouts:
        order = keyed["0x" + bytes(tx["hash"]).hex()]
        assert (order["btc_tx"], order["sats"]) in paid and tx["value"] == order["wei"]
        fair = wei_for_sats(order["sats"], INSTANT_FEE_BPS)
        assert abs(tx["value"] - fair) <= fair * QUOTE_SPREAD_BPS // 10_000 + 10**14
        assert tx["value"] != fair  # never exactly the deposit less a fixed fee: that would pair them


def test_ordinary_users_trade_with_otc_desks_on_both_chains(mixed):
    story = {m.tx for m in mixed.truth.moves}
    desks = mixed.of_kind("otc")
    assert len([txid for d in desks for txid, _ in _btc_payments_to(mixed, d) if txid not in story]) >= 3
    w3, addresses = mixed.lanes["ethereum"].w3, {d.address for d in desks}
    eth = [tx for n in range(1, w3.eth.block_number + 1)
           for tx in w3.eth.get_block(n, full_transactions=True)["transactions"]
           if tx["to"] in addresses or tx["from"] in addresses]
    assert len(eth) >= 3


def test_a_btc_cash_out_at_an_otc_desk_pays_a_fresh_address_of_the_desk(mixed):
    (co,) = mixed.truth.cashouts
    assert co["venue"] == "otc" and co["chain"] == "bitcoin"
    desk = next(d for d in mixed.of_kind("otc") if d.name == co["desk"])
    assert co["address"] in mixed.lanes["bitcoin"].addresses_of(desk)
    assert (co["tx"], co["amount"]) in _btc_payments_to(mixed, desk)


@pytest.mark.xdist_group("catalog-ransomware-mixer")
def test_some_ordinary_mixer_users_withdraw_to_the_address_they_deposited_from(catalog_bundle):
    """A share of the background's withdrawals go back to the depositing address (none of the
    launderer's), and Tutela's address match finds each of them in the bundle's own exports."""
    import json

    from labs.world.background.evm import SAME_ADDRESS
    from tracer.heuristics import load, run
    from tracer.load.tagpack import load_tagpacks

    bundle, key = catalog_bundle("ransomware-mixer")
    notes = [json.loads(line) for line in (key / "mixer_notes.jsonl").read_text().splitlines()]
    withdrawn = [n for n in notes if n["withdraw_tx"]]
    back = [n for n in withdrawn if n["recipient"] == n["deposit_from"]]
    assert 0 < len(back) < 3 * SAME_ADDRESS * len(withdrawn)
    assert all(n["depositor"].startswith("user-") for n in back)
    t = load(bundle / "exports")
    found = run(t, tags=load_tagpacks(bundle), only=["mixer.same_address"])
    pairs = {(r.chain, r.a, r.txs) for r in found.of("mixer.same_address").itertuples()}
    for n in back:
        assert (n["chain"], n["deposit_from"].lower(), (n["deposit_tx"], n["withdraw_tx"])) in pairs, n
