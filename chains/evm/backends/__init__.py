"""The EVM backends behind one seam, and the selector that starts one by name.

:mod:`.base` defines the seam (:class:`Backend`); :mod:`.anvil` and :mod:`.pyevm` implement it.
The selector lives here, above them (as eth-tester keeps its own in its backends package), so
the seam never imports what implements it.
"""
from __future__ import annotations

from ..genesis import Genesis
from .anvil import find_anvil
from .base import Backend, BackendUnavailable, Capabilities, NotSupported, TransactionRejected

BACKENDS = ("anvil", "pyevm")

__all__ = ["BACKENDS", "Backend", "BackendUnavailable", "Capabilities", "NotSupported", "TransactionRejected",
           "find_anvil", "open_backend"]


def open_backend(name: str, genesis: Genesis, **options) -> Backend:
    """Start backend ``name`` (``"anvil"``, ``"pyevm"`` or ``"auto"``: anvil when installed)."""
    if name == "auto":
        name = "anvil" if find_anvil() else "pyevm"
    if name == "anvil":
        from .anvil import AnvilBackend

        return AnvilBackend(genesis, **options)
    if name == "pyevm":
        from .pyevm import PyEvmBackend  # py-evm loads slowly: only when asked for

        return PyEvmBackend(genesis, **options)
    raise ValueError(f"unknown EVM backend {name!r}: expected one of {', '.join(BACKENDS)} or 'auto'")
