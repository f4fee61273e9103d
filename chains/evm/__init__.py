"""The lab EVM chain: anvil or py-evm behind one seam, driven by web3.py.

>>> from chains.evm import EvmChain
>>> with EvmChain.start("pyevm", chain_id=7, accounts=1) as chain:
...     chain.w3.eth.chain_id
7
"""
from .backends import (Backend, BackendUnavailable, Capabilities, NotSupported, TransactionRejected, find_anvil,
                       open_backend)
from .chain import ChainRevert, EvmChain, ReplayMismatch
from .genesis import DEFAULT_MNEMONIC, Genesis, derive_accounts, funded_genesis
from .replay import ReplayLog

__all__ = [
    "DEFAULT_MNEMONIC",
    "Backend",
    "BackendUnavailable",
    "Capabilities",
    "ChainRevert",
    "EvmChain",
    "Genesis",
    "NotSupported",
    "ReplayLog",
    "ReplayMismatch",
    "TransactionRejected",
    "derive_accounts",
    "find_anvil",
    "funded_genesis",
    "open_backend",
]


def __getattr__(name):
    # the export pulls in more than starting a chain needs: load it on first use
    if name in ("export_chain", "MissingTracesWarning"):
        from . import export

        return getattr(export, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
