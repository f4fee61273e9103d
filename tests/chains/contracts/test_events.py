"""Events keep their mainnet counterparts' signatures, and docs/contracts.md documents every one."""
from pathlib import Path

from eth_utils import keccak

from chains.contracts import MIXER_DENOMINATIONS, deploy_mixers, load, names

from .conftest import ETHER

# topic0 of the mainnet events the lab's contracts imitate, as block explorers show them
MAINNET_TOPICS = {
    ("Mixer", "Deposit"): "0xa945e51eec50ab98c161376f0db4cf2aeba3ec92755fe2fcd388bdbbb80ff196",  # Tornado Cash
    ("Mixer", "Withdrawal"): "0xe9e508bad6d4c3227e881ca19068f099da81b5164dd6d62b2eaf1e8bc6c34931",  # Tornado Cash
    ("SwapPool", "Swap"): "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822",  # Uniswap V2 pair
    ("SwapPool", "Sync"): "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1",  # Uniswap V2 pair
    ("Stablecoin", "Transfer"): "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",  # ERC-20
    ("WETH9", "Deposit"): "0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c",  # WETH9
    ("WETH9", "Withdrawal"): "0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65",  # WETH9
}
DOC = Path(__file__).resolve().parents[3] / "docs" / "contracts.md"


def signature(event):
    return f"{event['name']}({','.join(i['type'] for i in event['inputs'])})"


def declaration(event):
    args = ", ".join(f"{i['type']}{' indexed' if i['indexed'] else ''} {i['name']}" for i in event["inputs"])
    return f"{event['name']}({args})"


def events(name):
    return [e for e in load(name).abi if e["type"] == "event"]


def test_events_have_their_mainnet_topics():
    for (contract, event), topic in MAINNET_TOPICS.items():
        (ev,) = [e for e in events(contract) if e["name"] == event]
        assert "0x" + keccak(text=signature(ev)).hex() == topic, f"{contract}.{event}"


def test_emitted_topic_is_tornado_cash_deposit(chain):
    mixers = deploy_mixers(chain, sender=chain.accounts[0])
    assert sorted(mixers) == list(MIXER_DENOMINATIONS)
    r = chain.transact(mixers[ETHER].functions.deposit(keccak(b"c")), sender=chain.accounts[1], value=ETHER)
    (log,) = r["logs"]
    assert "0x" + bytes(log["topics"][0]).hex() == MAINNET_TOPICS[("Mixer", "Deposit")]
    assert bytes(log["topics"][1]) == keccak(b"c")


def test_docs_declare_every_event():
    text = DOC.read_text(encoding="utf-8")
    missing = [f"{n}.{declaration(e)}" for n in names() for e in events(n) if f"`{declaration(e)}`" not in text]
    assert not missing, f"{DOC} does not declare: {missing}"
