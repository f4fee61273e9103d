"""The lab's Solidity contracts, as committed compiled artifacts.

>>> from chains.contracts import load
>>> art = load("Mixer")
>>> art.name, art.bytecode[:2], art.compiler_version.split("+")[0]
('Mixer', '0x', '0.8.37')

The sources are ``chains/contracts/*.sol``; ``python -m chains.contracts.compile`` rebuilds the
artifacts (it needs Node.js or a native solc; loading and deploying them needs neither).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"

__all__ = ["ARTIFACTS_DIR", "MIXER_DENOMINATIONS", "Artifact", "UnknownContract", "at", "deploy", "deploy_mixers",
           "load", "names"]

#: Denominations of the mixer pools, in wei: 0.1, 1, 10 and 100 ETH (one Mixer instance each).
MIXER_DENOMINATIONS = (10**17, 10**18, 10**19, 10**20)


class UnknownContract(LookupError):
    """No artifact of that name."""


@dataclass(frozen=True)
class Artifact:
    """One compiled contract.

    Attributes
    ----------
    name : str
        Contract name, e.g. ``"Stablecoin"``.
    source_name : str
        Solidity file it is defined in.
    abi : list
        The ABI as solc emits it.
    bytecode, deployed_bytecode : str
        Creation and runtime code, ``0x``-prefixed hex.
    compiler_version : str
        solc version with commit, e.g. ``"0.8.37+commit.f401782d"``.
    settings : dict
        Optimizer, EVM version and metadata settings used.
    source_sha256 : str
        SHA-256 of the source file.
    sources : dict
        SHA-256 of every source file the contract was compiled from (its file and imports).
    """

    name: str
    source_name: str
    abi: list
    bytecode: str
    deployed_bytecode: str
    compiler_version: str
    settings: dict
    source_sha256: str
    sources: dict

    def event_names(self) -> list[str]:
        return sorted(e["name"] for e in self.abi if e["type"] == "event")

    def encode_call(self, function: str, *args: Any) -> bytes:
        """Calldata of ``function(*args)``: what web3 encodes, without building a contract function
        (twenty times faster, for the many calls of a case's background).

        >>> data = load("WETH9").encode_call("approve", "0x" + "11" * 20, 5)
        >>> data[:4].hex(), len(data)
        ('095ea7b3', 68)
        """
        from eth_abi import encode

        selector, types = _function(self.name, function)
        return selector + encode(types, args)


@cache
def _function(contract: str, function: str) -> tuple[bytes, tuple[str, ...]]:
    from eth_utils import function_signature_to_4byte_selector

    found = [f for f in load(contract).abi if f["type"] == "function" and f["name"] == function]
    if len(found) != 1:
        raise ValueError(f"{contract} has {len(found)} functions named {function!r}: expected one")
    types = tuple(i["type"] for i in found[0]["inputs"])
    if any(t.startswith("tuple") for t in types):
        raise ValueError(f"{contract}.{function} takes a struct: encode it through web3")
    return function_signature_to_4byte_selector(f"{function}({','.join(types)})"), types


def names() -> list[str]:
    """Names of every compiled contract, sorted."""
    return sorted(p.stem for p in ARTIFACTS_DIR.glob("*.json"))


@cache
def load(name: str) -> Artifact:
    """The artifact of contract ``name``; :class:`UnknownContract` lists the known names."""
    path = ARTIFACTS_DIR / f"{name}.json"
    if not name or "/" in name or not path.is_file():
        raise UnknownContract(f"no compiled contract named {name!r}; known: {', '.join(names())}")
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return Artifact(name=d["contractName"], source_name=d["sourceName"], abi=d["abi"], bytecode=d["bytecode"],
                        deployed_bytecode=d["deployedBytecode"], compiler_version=d["compiler"]["version"],
                        settings=d["settings"], source_sha256=d["sourceSha256"], sources=d["sources"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a valid artifact ({exc.__class__.__name__}: {exc}); "
                         "rebuild with `python -m chains.contracts.compile`") from None


def deploy(chain: Any, name: str, *args: Any, sender: Any, value: int = 0, timestamp: int | None = None):
    """Deploy contract ``name`` on ``chain`` (a :class:`chains.evm.EvmChain`); return the web3 contract."""
    art = load(name)
    return chain.deploy(art.abi, art.bytecode, *args, sender=sender, value=value, timestamp=timestamp)


def at(chain: Any, name: str, address: str):
    """The web3 contract ``name`` at ``address`` on ``chain``."""
    return chain.w3.eth.contract(address=address, abi=load(name).abi)


def deploy_mixers(chain: Any, *, sender: Any, denominations: tuple[int, ...] = MIXER_DENOMINATIONS) -> dict:
    """Deploy one Mixer per denomination, as Tornado Cash has one pool per amount; ``{wei: contract}``."""
    return {d: deploy(chain, "Mixer", d, sender=sender) for d in denominations}
