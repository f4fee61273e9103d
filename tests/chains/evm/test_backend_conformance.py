"""One conformance class that every EVM backend runs (as eth-tester's backend tests do)."""
import socket

import pytest
from web3.exceptions import TransactionNotFound, Web3RPCError

from chains.evm import (
    Backend,
    BackendUnavailable,
    ChainRevert,
    EvmChain,
    NotSupported,
    ReplayLog,
    ReplayMismatch,
    TransactionRejected,
    find_anvil,
)
from chains.evm.export import (
    map_block,
    map_log,
    map_receipt,
    map_trace,
    map_transaction,
)
from chains.evm.replay import ReplayBlock

from .bytecode import STORE_TIMESTAMP, forwarder
from .sample_chain import GENESIS_TIME, build_story


def export_rows(fetched) -> dict[str, list[dict]]:
    """What an export writes of :meth:`Backend.fetch_blocks`' answers, file by file."""
    rows = {"blocks": [], "transactions": [], "receipts": [], "logs": [], "traces": []}
    for block, receipts, traces in fetched:
        rows["blocks"].append(map_block(block))
        rows["transactions"] += [map_transaction(t, rows["blocks"][-1]["timestamp"]) for t in block["transactions"]]
        rows["receipts"] += [map_receipt(r) for r in receipts]
        rows["logs"] += [map_log(lg) for r in receipts for lg in r["logs"]]
        rows["traces"] += [map_trace(t) for t in traces]
    return rows


class BackendConformance:
    backend: str

    @pytest.fixture
    def chain(self):
        with EvmChain.start(self.backend, chain_id=31_415, accounts=4, genesis_time=GENESIS_TIME) as chain:
            yield chain

    def test_genesis(self, chain):
        w3 = chain.w3
        assert w3.eth.chain_id == 31_415
        genesis = w3.eth.get_block(0)
        assert genesis["timestamp"] == GENESIS_TIME
        assert genesis["gasLimit"] == chain.genesis.gas_limit
        for acct in chain.accounts:
            assert w3.eth.get_balance(acct.address) == 10**6 * 10**18
        # BIP-44 path m/44'/60'/0'/0/0 of the test mnemonic
        assert chain.accounts[0].address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"

    def test_transfer_at_simulated_time(self, chain):
        alice, bob = chain.accounts[:2]
        h = chain.send(alice, bob.address, value=123)
        number = chain.mine(GENESIS_TIME + 3600)
        block = chain.w3.eth.get_block(number)
        assert block["timestamp"] == GENESIS_TIME + 3600
        assert [bytes(x) for x in block["transactions"]] == [h]
        assert chain.w3.eth.get_balance(bob.address) == 10**24 + 123
        receipt = chain.w3.eth.get_transaction_receipt(h)
        fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
        assert chain.w3.eth.get_balance(alice.address) == 10**24 - 123 - fee

    def test_time_only_moves_forward(self, chain):
        chain.mine(GENESIS_TIME + 100)
        with pytest.raises(ValueError, match="only moves forward"):
            chain.mine(GENESIS_TIME + 100)

    def test_contract_sees_simulated_time(self, chain):
        alice = chain.accounts[0]
        h = chain.send(alice, None, data=STORE_TIMESTAMP, gas=100_000)
        chain.mine()
        addr = chain.w3.eth.get_transaction_receipt(h)["contractAddress"]
        chain.send(alice, addr, gas=60_000)
        chain.mine(GENESIS_TIME + 86_400)
        assert int.from_bytes(chain.w3.eth.get_storage_at(addr, 0), "big") == GENESIS_TIME + 86_400

    def test_receipt_statuses(self, chain):
        alice, bob = chain.accounts[:2]
        hashes = [chain.send(alice, bob.address, value=v) for v in (1, 2)]
        chain.mine()
        chain.sync()  # the backend itself is read here, not through the chain's w3
        assert chain.backend.receipt_statuses(hashes) == [1, 1]
        assert chain.backend.receipt_status(hashes[0]) == 1
        with pytest.raises(TransactionNotFound):
            chain.backend.receipt_statuses([b"\x01" * 32])

    def test_estimate_for_a_sender_with_little_ether(self, chain):
        """A sender who cannot pay for a block's worth of gas still gets an estimate (py-evm's
        search once required it; the exchange-hack case's cash-out tripped on it)."""
        from eth_account import Account

        alice = chain.accounts[0]
        poor = Account.from_key(b"\x11" * 32)
        chain.send(alice, poor.address, value=10**15)  # 0.001 ETH < block gas limit x 1 gwei
        chain.mine()
        h = chain.send(alice, None, data=STORE_TIMESTAMP, gas=100_000)
        chain.mine()
        addr = chain.w3.eth.get_transaction_receipt(h)["contractAddress"]
        assert 21_000 < chain.estimate(poor, addr, b"") < 100_000

    def test_batches_split_at_the_gas_limit(self):
        with EvmChain.start(self.backend, accounts=2, gas_limit=21_000 * 10) as chain:
            alice, bob = chain.accounts
            hashes = chain.send_batch([{"sender": alice, "to": bob.address, "value": i} for i in range(25)])
            chain.mine()
            mined = [bytes(h) for n in range(1, chain.w3.eth.block_number + 1)
                     for h in chain.w3.eth.get_block(n)["transactions"]]
            assert mined == hashes
            assert chain.w3.eth.block_number == 5  # 5 transfers fill the target, half the limit
            assert {chain.w3.eth.get_block(n)["baseFeePerGas"] for n in range(6)} == {0}
            assert chain.w3.eth.get_balance(bob.address) == 10**24 + sum(range(25))

    def test_same_inputs_same_hashes(self, chain):
        alice, bob = chain.accounts[:2]
        first = chain.send_batch([{"sender": alice, "to": bob.address, "value": v} for v in (1, 2, 3)])
        with EvmChain.start(self.backend, chain_id=31_415, accounts=4, genesis_time=GENESIS_TIME) as other:
            again = other.send_batch([{"sender": other.accounts[0], "to": bob.address, "value": v} for v in (1, 2, 3)])
        assert first == again

    def test_same_inputs_same_blocks(self):
        def run():
            with EvmChain.start(self.backend, accounts=3) as chain:
                a, b, c = chain.accounts
                chain.send_batch([{"sender": a, "to": b.address, "value": 1},
                                  {"sender": b, "to": c.address, "value": 2}])
                chain.mine(GENESIS_TIME + 100)
                chain.mine(GENESIS_TIME + 200)
                return [bytes(chain.w3.eth.get_block(n)["hash"]) for n in range(3)]

        assert run() == run()

    def test_snapshot_and_revert(self, chain):
        alice, bob = chain.accounts[:2]
        chain.send(alice, bob.address, value=5)
        chain.mine()
        snap = chain.snapshot()
        chain.send(alice, bob.address, value=7)
        chain.mine()
        assert chain.w3.eth.get_balance(bob.address) == 10**24 + 12
        chain.revert(snap)
        assert chain.w3.eth.get_balance(bob.address) == 10**24 + 5
        assert len(chain.replay.blocks) == 1
        # the reverted nonce is reused, as the chain no longer has that transaction
        chain.send(alice, bob.address, value=9)
        chain.mine()
        assert chain.w3.eth.get_balance(bob.address) == 10**24 + 14

    @pytest.mark.parametrize("target", ["anvil", "pyevm"])
    def test_replay_rebuilds_on_either_backend(self, chain, target, tmp_path):
        if target == "anvil" and not find_anvil():
            pytest.skip("anvil not installed")
        alice, bob, carol = chain.accounts[:3]
        chain.send_batch([{"sender": alice, "to": bob.address, "value": 10**18},
                          {"sender": bob, "to": carol.address, "value": 5 * 10**17}])
        chain.mine(GENESIS_TIME + 60)
        h = chain.send(carol, None, data=STORE_TIMESTAMP, gas=100_000)
        chain.mine(GENESIS_TIME + 3600)
        addr = chain.w3.eth.get_transaction_receipt(h)["contractAddress"]
        chain.send(carol, addr, gas=60_000)
        chain.mine(GENESIS_TIME + 7200)
        path = chain.write_replay(tmp_path / "replay.jsonl")
        original = [[bytes(x) for x in chain.w3.eth.get_block(n)["transactions"]] for n in range(1, 4)]
        with EvmChain.rebuild(path, target) as rebuilt:
            assert [[bytes(x) for x in rebuilt.w3.eth.get_block(n)["transactions"]] for n in range(1, 4)] == original
            for acct in (alice, bob, carol):
                assert rebuilt.w3.eth.get_balance(acct.address) == chain.w3.eth.get_balance(acct.address)
            assert rebuilt.w3.eth.get_transaction_receipt(h)["contractAddress"] == addr
            assert int.from_bytes(rebuilt.w3.eth.get_storage_at(addr, 0), "big") == GENESIS_TIME + 7200
            assert rebuilt.replay.dumps() == ReplayLog.read(path).dumps()
            # a rebuilt chain goes on from the log: its senders' nonces come from the node
            rebuilt.send(carol, alice.address, value=1)
            rebuilt.mine(GENESIS_TIME + 7300)
            assert rebuilt.w3.eth.get_transaction_count(carol.address) == 3

    def test_a_log_the_node_would_mine_otherwise_does_not_rebuild(self, chain):
        alice, bob = chain.accounts[:2]
        first, second = chain.sign(alice, bob.address, value=1), chain.sign(alice, bob.address, value=2)
        log = ReplayLog(chain.genesis)
        log.blocks.append(ReplayBlock(1, GENESIS_TIME + 12, (second.raw, first.raw)))  # nonce 1 before nonce 0
        with pytest.raises(ReplayMismatch, match="block 1: "):
            EvmChain.rebuild(log, self.backend)
        log.blocks[0] = ReplayBlock(2, GENESIS_TIME + 12, (first.raw,))
        with pytest.raises(ReplayMismatch, match="the log has block 2 where block 1 belongs"):
            EvmChain.rebuild(log, self.backend)

    def test_internal_transfers(self, chain):
        alice, _, carol = chain.accounts[:3]
        h = chain.send(alice, None, data=forwarder(carol.address), gas=200_000)
        chain.mine()
        fwd = chain.w3.eth.get_transaction_receipt(h)["contractAddress"]
        h = chain.send(alice, fwd, value=777, gas=100_000)
        number = chain.mine()
        assert chain.w3.eth.get_balance(carol.address) == 10**24 + 777
        if not chain.backend.caps.trace_api:
            with pytest.raises(NotSupported, match="no trace API"):
                chain.backend.trace_block(number)
            return
        traces = chain.backend.trace_block(number)
        inner = [t for t in traces if t["traceAddress"]]
        assert len(inner) == 1
        assert inner[0]["action"]["from"] == fwd.lower()
        assert inner[0]["action"]["to"] == carol.address.lower()
        assert int(inner[0]["action"]["value"], 16) == 777
        assert inner[0]["transactionHash"] == "0x" + h.hex()

    def test_fetch_blocks_agrees_with_web3(self, chain):
        """The backend's own way to an export's blocks gives the rows that web3 gives one request at a time."""
        facts = build_story(chain)
        chain.sync()  # the backend itself is read here
        numbers = list(range(facts["head"] + 1))
        fast = export_rows(chain.backend.fetch_blocks(numbers))
        assert fast == export_rows(Backend.fetch_blocks(chain.backend, numbers))
        assert [b["number"] for b in fast["blocks"]] == numbers
        assert len(fast["transactions"]) == len(fast["receipts"]) == 9 and len(fast["logs"]) >= 3
        assert {r["status"] for r in fast["receipts"]} == {0, 1}
        created = [r["contract_address"] for r in fast["receipts"] if r["contract_address"]]
        assert facts["forwarder"] in created and facts["token"] in created
        if chain.backend.caps.trace_api:
            assert any(t["trace_address"] and t["value"] == facts["internal_value"] for t in fast["traces"])
        else:
            assert fast["traces"] == []
        assert list(chain.backend.fetch_blocks([])) == []

    def test_reads_see_every_write_before_them(self, chain):
        """On a node process, sends and mining run behind the lab's back; a read must wait for them."""
        alice, bob = chain.accounts[:2]
        for _ in range(30):
            chain.send(alice, bob.address, value=1)
            chain.mine()
        assert chain.w3.eth.block_number == 30
        assert chain.w3.eth.get_balance(bob.address) == 10**24 + 30
        assert chain.w3.eth.get_transaction_count(alice.address) == 30

    def test_a_revert_found_after_mining_raises(self, chain):
        alice = chain.accounts[0]
        h = chain.send(alice, None, data=STORE_TIMESTAMP, gas=100_000)
        chain.mine()
        contract = chain.w3.eth.get_transaction_receipt(h)["contractAddress"]
        # 0xfe is INVALID: the call fails whatever its gas, and says nothing
        h = chain.send(alice, None, data=bytes.fromhex("60fe60005360016000f3"), gas=100_000)
        chain.mine()
        bad = chain.w3.eth.get_transaction_receipt(h)["contractAddress"]
        good = chain.send(alice, contract, gas=100_000)
        chain.mine()
        chain.expect_success([good], "good call")
        chain.sync()
        h = chain.send(alice, bad, gas=100_000)
        chain.mine()
        # several statements under pytest.raises (PT012) in this class: py-evm raises at the first, a node
        # process only at the last, when the lab next waits for its writes
        with pytest.raises(ChainRevert, match=f"bad call 0x{h.hex()} reverted on chain"):  # noqa: PT012 -- above
            chain.expect_success([h], "bad call")  # py-evm checks here
            chain.sync()  # a node's check is done by the time of the next read

    def test_a_refused_write_raises_and_nothing_behind_it_runs(self, chain):
        from eth_account import Account

        alice, bob = chain.accounts[:2]
        poor = Account.from_key(b"\x22" * 32)  # holds nothing: the node refuses its transaction
        with pytest.raises(TransactionRejected, match=r"(?i)insufficient funds|cannot afford"):  # noqa: PT012 -- py-evm or node
            chain.submit([chain.sign(poor, bob.address, value=1)])  # py-evm refuses here
            chain.mine()
            chain.send(alice, bob.address, value=5)
            chain.mine()
            chain.sync()  # a node's refusal surfaces here
        assert chain.w3.eth.block_number == 0
        if chain.backend.caps.rpc_url:  # a chain whose writes went astray says so from then on
            chain.send(alice, bob.address, value=5)
            chain.mine()
            with pytest.raises(RuntimeError, match="an earlier write to the node failed"):
                chain.sync()

    def test_a_big_block_keeps_the_order_sent(self):
        """The replay log records blocks in the order the lab sent them; the node must mine that order
        (anvil once reordered the tail of a JSON-RPC batch of more than 64)."""
        with EvmChain.start(self.backend, accounts=150) as chain:
            first, *others = chain.accounts
            hashes = chain.send_batch([{"sender": a, "to": first.address, "value": 1} for a in others])
            number = chain.mine()
            assert [bytes(h) for h in chain.w3.eth.get_block(number)["transactions"]] == hashes

    def test_a_transaction_the_node_keeps_back_raises(self, chain):
        alice, bob = chain.accounts[:2]
        kept_back = r"(?i)mined 0 of the 1 transactions sent for it \(1 kept back\)|nonce"
        with pytest.raises(TransactionRejected, match=kept_back):  # noqa: PT012 -- py-evm or node
            chain.submit([chain.sign(alice, bob.address, value=1, nonce=5)])  # a nonce gap: not minable yet
            chain.mine()
            chain.sync()


class TestPyEvm(BackendConformance):
    backend = "pyevm"


@pytest.mark.skipif(not find_anvil(), reason="anvil not installed (make setup installs it)")
class TestAnvil(BackendConformance):
    backend = "anvil"

    def test_port_taken(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            with pytest.raises(BackendUnavailable, match=f"port {port} is taken"):
                EvmChain.start("anvil", port=port, startup_timeout=5)

    def test_without_history_blocks_receipts_and_traces_stay(self):
        with EvmChain.start("anvil", accounts=3, history=False) as chain:
            alice, _, carol = chain.accounts
            h = chain.send(alice, None, data=forwarder(carol.address), gas=200_000)
            chain.mine()
            fwd = chain.w3.eth.get_transaction_receipt(h)["contractAddress"]
            h = chain.send(alice, fwd, value=777, gas=100_000)
            number = chain.mine()
            for _ in range(5):
                chain.send(alice, carol.address, value=1)
                chain.mine()
            assert chain.w3.eth.get_balance(carol.address) == 10**24 + 782
            assert chain.w3.eth.get_transaction_receipt(h)["status"] == 1
            assert [bytes(x) for x in chain.w3.eth.get_block(number)["transactions"]] == [h]
            inner = [t for t in chain.backend.trace_block(number) if t["traceAddress"]]
            assert int(inner[0]["action"]["value"], 16) == 777
            with pytest.raises(Web3RPCError, match="requested was"):  # what the option gives up
                chain.w3.eth.get_balance(carol.address, number)

    def test_no_orphan_process(self):
        chain = EvmChain.start("anvil", accounts=1)
        proc = chain.backend._proc
        chain.close()
        assert proc.poll() is not None


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown EVM backend 'geth'"):
        EvmChain.start("geth")
