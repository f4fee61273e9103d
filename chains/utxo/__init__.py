"""A Bitcoin-like UTXO lab chain: real transactions, blocks, validation, wallets, RPC and exports.

Transactions use Bitcoin's serialization (via embit) with txids, wtxids, bech32 ``bcrt1``
addresses and real signatures (ECDSA for P2PKH and P2WPKH, BIP-340 Schnorr for P2TR key path).
Blocks carry simulated timestamps chosen by the caller; there is no mining network.

Modules
-------
params       network constants (regtest), subsidy, dust, genesis block
scripts      script classification, addresses, script asm (Bitcoin Core's spelling)
keys         single keys and the P2PKH / P2WPKH / P2TR scripts they control
tx           parsing, txid/wtxid, weight, sighashes (legacy, BIP-143, BIP-341), signing
block        block header, merkle roots, witness commitment, block serialization
errors       rejection exceptions with Bitcoin Core's reject-reason codes
validation   transaction checks against a view of unspent outputs
mempool      the mempool's replacement policy (BIP-125, full RBF)
ledger       UTXO set, chain of blocks, mempool, mining on demand
coinselect   coin selection strategies and signed-size estimates
wallet       BIP-39/32 wallets on BIP-44/84/86 paths, payments with change
sweep        seizure sweeps: everything a key or a set of coins holds, to one address
rpcjson      Bitcoin Core's JSON views of transactions and blocks, exact BTC amounts
rpc          a subset of Bitcoin Core's JSON-RPC methods over a ledger
rpcserver    the HTTP server that carries them on loopback (JSON-RPC 1.0 and 2.0, basic auth)
demo         a small deterministic demo chain with a funded lab wallet
etl_schema   bitcoin-etl field names
export       bitcoin-etl JSON lines exports
replay       replay log (raw blocks) that rebuilds a ledger exactly
bench        ``tracelab bench utxo``
"""
from chains.utxo.errors import BlockRejected, TxRejected
from chains.utxo.ledger import Ledger
from chains.utxo.wallet import Wallet, WalletProfile

__all__ = ["BlockRejected", "Ledger", "TxRejected", "Wallet", "WalletProfile"]
