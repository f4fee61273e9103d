"""A subset of Bitcoin Core's JSON-RPC methods over one ledger: their parameters, answers and errors.

Methods: getblockchaininfo, getblockcount, getbestblockhash, getblockhash, getblockheader,
getblock (verbosity 0, 1, 2), getrawtransaction, decoderawtransaction, sendrawtransaction,
gettxout, getrawmempool, getmempoolinfo, and for the lab generatetoaddress and generateblock
(blocks get the tip's time plus ``block_interval`` seconds: time stays simulated).

Parameters may be positional or named; error codes are Bitcoin Core's. The HTTP server that
carries the requests is :mod:`chains.utxo.rpcserver`. One idea, at about 400 lines: each method is
short, but keeps Core's field names, verbosity levels and error messages, so that a client sees
what a Core node would answer.
"""
import inspect
import threading
from decimal import Decimal, InvalidOperation

from chains.utxo import errors as E
from chains.utxo.ledger import Ledger
from chains.utxo.params import CHAIN_NAME, COIN, MIN_RELAY_FEE
from chains.utxo.rpcjson import (Btc, chainwork_hex, difficulty, header_json,
                                 script_pubkey_json, target_hex, tx_json)
from chains.utxo.scripts import AddressError, script_for_address
from chains.utxo.tx import DecodeError, Tx

# Bitcoin Core's error codes (src/rpc/protocol.h).
RPC_MISC_ERROR = -1
RPC_TYPE_ERROR = -3
RPC_INVALID_ADDRESS_OR_KEY = -5
RPC_INVALID_PARAMETER = -8
RPC_DESERIALIZATION_ERROR = -22
RPC_VERIFY_ERROR = -25
RPC_VERIFY_REJECTED = -26
RPC_VERIFY_ALREADY_IN_CHAIN = -27
RPC_INVALID_REQUEST = -32600
RPC_METHOD_NOT_FOUND = -32601
RPC_PARSE_ERROR = -32700
#: sendrawtransaction's default maxfeerate: 0.10 BTC/kvB, in sat/kvB.
DEFAULT_MAX_FEE_RATE = 10_000_000


class RpcError(Exception):
    """An error answered to the client with Bitcoin Core's ``code`` and ``message``."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RpcError(RPC_TYPE_ERROR, f"JSON value of type {_type(value)} for field {name} is "
                                       f"not of expected type number")
    return value


def _str(value, name: str) -> str:
    if not isinstance(value, str):
        raise RpcError(RPC_TYPE_ERROR, f"JSON value of type {_type(value)} for field {name} is "
                                       f"not of expected type string")
    return value


def _type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _hash(value, name: str) -> str:
    value = _str(value, name)
    if len(value) != 64:
        raise RpcError(RPC_INVALID_PARAMETER, f"{name} must be of length 64 (not {len(value)}, "
                                              f"for '{value}')")
    try:
        bytes.fromhex(value)
    except ValueError:
        raise RpcError(RPC_INVALID_PARAMETER, f"{name} must be hexadecimal string (not "
                                              f"'{value}')") from None
    return value.lower()


def _verbosity(value, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    return _int(value, "verbosity")


class LabRpc:
    """The RPC methods over one ledger; every call holds the ledger's lock.

    Parameters
    ----------
    ledger : Ledger
        The chain to serve.
    block_interval : int
        Seconds between the tip's time and a block mined on demand.
    """

    def __init__(self, ledger: Ledger, block_interval: int = 600):
        self.ledger = ledger
        self.block_interval = block_interval
        self.lock = threading.RLock()
        self.methods = {name[4:]: getattr(self, name) for name in dir(self)
                        if name.startswith("rpc_")}

    # -- dispatch ---------------------------------------------------------------------------
    def call(self, method: str, params) -> object:
        """Run one method with positional (list) or named (dict) ``params``."""
        func = self.methods.get(method)
        if func is None:
            raise RpcError(RPC_METHOD_NOT_FOUND, "Method not found")
        sig = inspect.signature(func)
        names = list(sig.parameters)
        if params is None:
            params = []
        if isinstance(params, dict):
            unknown = [k for k in params if k not in names]
            if unknown:
                raise RpcError(RPC_INVALID_PARAMETER, f"Unknown named parameter {unknown[0]}")
            args = params
        elif isinstance(params, list):
            if len(params) > len(names):
                raise RpcError(RPC_MISC_ERROR, f"{method}: too many parameters "
                                               f"({len(params)} > {len(names)})")
            args = dict(zip(names, params, strict=False))  # trailing optional parameters may be left out
        else:
            raise RpcError(RPC_INVALID_REQUEST, "Params must be an array or object")
        for name, p in sig.parameters.items():
            if p.default is inspect.Parameter.empty and args.get(name) is None:
                raise RpcError(RPC_MISC_ERROR, f"{method}: missing required parameter {name}")
        with self.lock:
            return func(**{k: v for k, v in args.items() if v is not None})

    # -- chain ------------------------------------------------------------------------------
    def rpc_getblockchaininfo(self):
        L = self.ledger
        tip = L.tip
        return {"chain": CHAIN_NAME, "blocks": L.height, "headers": L.height,
                "bestblockhash": tip.hash, "bits": f"{tip.header.bits:08x}",
                "target": target_hex(tip.header.bits), "difficulty": difficulty(tip.header.bits),
                "time": tip.header.time, "mediantime": L.median_time_past(),
                "verificationprogress": 1, "initialblockdownload": False,
                "chainwork": chainwork_hex(L.height, tip.header.bits),
                "size_on_disk": sum(b.size for b in L.blocks), "pruned": False, "warnings": []}

    def rpc_getblockcount(self):
        return self.ledger.height

    def rpc_getbestblockhash(self):
        return self.ledger.tip.hash

    def rpc_getblockhash(self, height):
        height = _int(height, "height")
        if not 0 <= height <= self.ledger.height:
            raise RpcError(RPC_INVALID_PARAMETER, "Block height out of range")
        return self.ledger.blocks[height].hash

    def _block(self, blockhash):
        blockhash = _hash(blockhash, "blockhash")
        if blockhash not in self.ledger.heights:
            raise RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found")
        height = self.ledger.heights[blockhash]
        return self.ledger.blocks[height], height

    def _header(self, block, height):
        L = self.ledger
        nxt = L.blocks[height + 1].hash if height < L.height else None
        return header_json(block, height, L.height, L.median_time_past(height), nxt)

    def rpc_getblockheader(self, blockhash, verbose=True):
        block, height = self._block(blockhash)
        if not verbose:
            return block.header.serialize().hex()
        return self._header(block, height)

    def rpc_getblock(self, blockhash, verbosity=1):
        block, height = self._block(blockhash)
        verbosity = _verbosity(verbosity, 1)
        if verbosity <= 0:
            return block.serialize().hex()
        out = self._header(block, height)
        out.update({"strippedsize": block.stripped_size, "size": block.size,
                    "weight": block.weight})
        if verbosity == 1:
            out["tx"] = [t.txid for t in block.txs]
        else:
            txs = []
            for t in block.txs:
                j = tx_json(t)
                if not t.is_coinbase and t.txid in self.ledger.fees:
                    j["fee"] = Btc(self.ledger.fees[t.txid])
                j["hex"] = t.raw.hex()
                txs.append(j)
            out["tx"] = txs
        return out

    # -- transactions -----------------------------------------------------------------------
    def rpc_getrawtransaction(self, txid, verbose=False, blockhash=None):
        txid = _hash(txid, "parameter 1")
        verbose = _verbosity(verbose, 0)
        if txid == self.ledger.blocks[0].txs[0].txid:
            raise RpcError(RPC_INVALID_ADDRESS_OR_KEY, "The genesis block coinbase is not "
                           "considered an ordinary transaction and cannot be retrieved")
        try:
            tx, height = self.ledger.get_transaction(txid)
        except KeyError:
            raise RpcError(RPC_INVALID_ADDRESS_OR_KEY, "No such mempool or blockchain "
                           "transaction. Use gettransaction for wallet transactions.") from None
        if blockhash is not None:
            block, bh = self._block(blockhash)
            if height != bh:
                raise RpcError(RPC_INVALID_ADDRESS_OR_KEY, "No such transaction found in the "
                                                           "provided block.")
        if not verbose:
            return tx.raw.hex()
        out = tx_json(tx)
        if verbose >= 2 and not tx.is_coinbase:
            self._add_prevouts(tx, out)
        out["hex"] = tx.raw.hex()
        if height is not None:
            block = self.ledger.blocks[height]
            out.update({"blockhash": block.hash,
                        "confirmations": self.ledger.height - height + 1,
                        "time": block.header.time, "blocktime": block.header.time})
            if blockhash is not None:
                out["in_active_chain"] = True
        return out

    def _add_prevouts(self, tx: Tx, out: dict) -> None:
        """Core 25+'s verbosity 2: each input's spent output, and the fee."""
        total = 0
        for entry, op in zip(out["vin"], tx.outpoints(), strict=True):
            coin = self.ledger.outputs.get(op) or self.ledger.coin(op, include_mempool=True)
            if coin is None:
                return
            total += coin.value
            entry["prevout"] = {"generated": coin.coinbase, "height": coin.height,
                                "value": Btc(coin.value),
                                "scriptPubKey": script_pubkey_json(coin.script)}
        out["fee"] = Btc(total - sum(o.value for o in tx.tx.vout))

    def rpc_decoderawtransaction(self, hexstring, iswitness=None):
        try:
            tx = Tx.from_raw(_str(hexstring, "hexstring"))
        except DecodeError:
            raise RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed") from None
        return tx_json(tx)

    def rpc_sendrawtransaction(self, hexstring, maxfeerate=None, maxburnamount=None):
        try:
            tx = Tx.from_raw(_str(hexstring, "hexstring"))
        except DecodeError:
            raise RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed. Make sure the tx has "
                                                      "at least one input.") from None
        if tx.txid in self.ledger.mempool:
            return tx.txid  # Core answers the txid again for a known mempool transaction
        max_rate = DEFAULT_MAX_FEE_RATE if maxfeerate is None else _btc_per_kvb(maxfeerate)
        try:
            if tx.txid in self.ledger.tx_index:
                raise E.TxRejected(E.ALREADY_IN_CHAIN, "")
            self._check_fee_cap(tx, max_rate)
            self.ledger.submit(tx)
        except E.TxRejected as rej:
            if rej.reason == E.ALREADY_IN_CHAIN:
                raise RpcError(RPC_VERIFY_ALREADY_IN_CHAIN,
                               "Transaction outputs already in utxo set") from None
            if rej.reason == E.MISSING_OR_SPENT:
                raise RpcError(RPC_VERIFY_ERROR, "bad-txns-inputs-missingorspent") from None
            if rej.reason == "max-fee-exceeded":
                raise RpcError(RPC_VERIFY_ERROR, "Fee exceeds maximum configured by user (e.g. "
                                                 "-maxtxfee, maxfeerate)") from None
            msg = rej.reason + (f", {rej.detail}" if rej.detail else "")
            raise RpcError(RPC_VERIFY_REJECTED, msg) from None
        return tx.txid

    def _check_fee_cap(self, tx: Tx, max_rate: int) -> None:
        if max_rate == 0:
            return
        total_in = 0
        for op in tx.outpoints():
            coin = self.ledger.coin(op, include_mempool=True)
            if coin is None:
                return  # submit() names the missing input
            total_in += coin.value
        fee = total_in - sum(o.value for o in tx.tx.vout)
        if fee * 1000 > max_rate * tx.vsize:
            raise E.TxRejected("max-fee-exceeded", "")

    def rpc_gettxout(self, txid, n, include_mempool=True):
        txid = _hash(txid, "txid")
        n = _int(n, "n")
        L = self.ledger
        coin = L.coin((bytes.fromhex(txid), n), include_mempool=bool(include_mempool))
        if coin is None:
            return None
        confirmations = 0 if coin.height > L.height else L.height - coin.height + 1
        return {"bestblock": L.tip.hash, "confirmations": confirmations,
                "value": Btc(coin.value), "scriptPubKey": script_pubkey_json(coin.script),
                "coinbase": coin.coinbase}

    # -- mempool ----------------------------------------------------------------------------
    def rpc_getrawmempool(self, verbose=False, mempool_sequence=False):
        pool = self.ledger.mempool
        if not verbose:
            return list(pool)
        parents = {txid: sorted({op[0].hex() for op in e.tx.outpoints()
                                 if op[0].hex() in pool}) for txid, e in pool.items()}
        children = {txid: [] for txid in pool}
        for txid, ps in parents.items():
            for p in ps:
                children[p].append(txid)

        def closure(start, edges):
            seen, stack = set(), [start]
            while stack:
                for nxt in edges[stack.pop()]:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            return seen

        out = {}
        for txid, e in pool.items():
            anc, desc = closure(txid, parents) | {txid}, closure(txid, children) | {txid}
            out[txid] = {
                "vsize": e.tx.vsize, "weight": e.tx.weight, "time": e.time, "height": e.height,
                "descendantcount": len(desc),
                "descendantsize": sum(pool[t].tx.vsize for t in desc),
                "ancestorcount": len(anc), "ancestorsize": sum(pool[t].tx.vsize for t in anc),
                "wtxid": e.tx.wtxid,
                "fees": {"base": Btc(e.fee), "modified": Btc(e.fee),
                         "ancestor": Btc(sum(pool[t].fee for t in anc)),
                         "descendant": Btc(sum(pool[t].fee for t in desc))},
                "depends": parents[txid], "spentby": sorted(children[txid]),
                "bip125-replaceable": any(i.sequence <= 0xFFFFFFFD for i in e.tx.tx.vin),
                "unbroadcast": False}
        return out

    def rpc_getmempoolinfo(self):
        pool = self.ledger.mempool.values()
        return {"loaded": True, "size": len(pool), "bytes": sum(e.tx.vsize for e in pool),
                "usage": sum(e.tx.size for e in pool), "total_fee": Btc(sum(e.fee for e in pool)),
                "maxmempool": 300_000_000, "mempoolminfee": Btc(MIN_RELAY_FEE),
                "minrelaytxfee": Btc(MIN_RELAY_FEE), "incrementalrelayfee": Btc(MIN_RELAY_FEE),
                "unbroadcastcount": 0, "fullrbf": True}

    # -- lab mining -------------------------------------------------------------------------
    def _next_time(self) -> int:
        return max(self.ledger.tip.header.time + self.block_interval,
                   self.ledger.median_time_past() + 1)

    def _payout(self, address) -> bytes:
        try:
            return script_for_address(_str(address, "address"))
        except AddressError:
            raise RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Error: Invalid address") from None

    def rpc_generatetoaddress(self, nblocks, address, maxtries=1_000_000):
        nblocks = _int(nblocks, "nblocks")
        script = self._payout(address)
        return [self.ledger.mine_block(self._next_time(), script).hash for _ in range(nblocks)]

    def rpc_generateblock(self, output, transactions, submit=True):
        script = self._payout(output)
        if not isinstance(transactions, list):
            raise RpcError(RPC_TYPE_ERROR, "transactions must be an array")
        txids, raws = [], []
        for item in transactions:
            item = _str(item, "transactions")
            if len(item) == 64 and item in self.ledger.mempool:
                txids.append(item)
            elif len(item) == 64:
                raise RpcError(RPC_INVALID_ADDRESS_OR_KEY, f"Transaction {item} not in mempool.")
            else:
                try:
                    raws.append(Tx.from_raw(item))
                except DecodeError:
                    raise RpcError(RPC_DESERIALIZATION_ERROR,
                                   f"Transaction decode failed for {item}") from None
        txs = [self.ledger.mempool[t].tx for t in txids] + raws
        try:
            block = self.ledger.mine_transactions(self._next_time(), script, txs)
        except E.BlockRejected as rej:
            raise RpcError(RPC_VERIFY_ERROR, f"TestBlockValidity failed: {rej.reason}, "
                                             f"{rej.detail}") from None
        return {"hash": block.hash}


def _btc_per_kvb(value) -> int:
    """A BTC/kvB rate given as a JSON number or string, to sat/kvB, exactly."""
    try:
        rate = Decimal(str(value)) * COIN
    except InvalidOperation:
        raise RpcError(RPC_TYPE_ERROR, "Amount is not a number or string") from None
    if rate < 0 or rate != rate.to_integral_value():
        raise RpcError(RPC_TYPE_ERROR, "Invalid amount")
    return int(rate)
