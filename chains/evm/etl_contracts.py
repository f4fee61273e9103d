"""What ethereum-etl infers about a contract: its function selectors, whether it is a token, the token's metadata.

ethereum-etl reads the selectors from the bytecode's PUSH4 operands and calls a token's ERC-20
getters; a contract that answers none of them still gets a row, with empty cells.
"""
from __future__ import annotations

from collections.abc import Iterable

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3 import Web3

from . import etl_schema as S


def function_sighashes(bytecode: str | None) -> list[str]:
    """The PUSH4 operands of ``bytecode``, sorted: ethereum-etl's guess at a contract's selectors."""
    if not bytecode or bytecode == "0x":
        return []
    code = bytes.fromhex(bytecode.removeprefix("0x"))
    found, i = set(), 0
    while i < len(code):
        op = code[i]
        if 0x60 <= op <= 0x7F:  # PUSH1..PUSH32: skip the pushed bytes, they are data not opcodes
            n = op - 0x5F
            if op == 0x63 and i + 1 + n <= len(code):
                found.add("0x" + code[i + 1:i + 1 + n].hex())
            i += 1 + n
        else:
            i += 1
    return sorted(found)


def _selector(signature: str) -> str:
    return "0x" + function_signature_to_4byte_selector(signature).hex()


def is_erc20(sighashes: Iterable[str]) -> bool:
    have = set(sighashes)
    return all(_selector(f) in have for f in S.ERC20_FUNCTIONS)


def is_erc721(sighashes: Iterable[str]) -> bool:
    have = set(sighashes)
    return (all(_selector(f) in have for f in S.ERC721_FUNCTIONS)
            and any(_selector(f) in have for f in S.ERC721_TRANSFER_ANY_OF))


def _decode_text(raw: bytes) -> str | None:
    if not raw:
        return None
    try:
        text = abi_decode(["string"], raw)[0]
    except (DecodingError, UnicodeDecodeError, OverflowError):
        if len(raw) != 32:  # some old tokens return bytes32
            return None
        text = raw.rstrip(b"\x00").decode("utf-8", "replace")
    return text.replace("\x00", "")


def _decode_uint(raw: bytes) -> int | None:
    if len(raw) < 32:
        return None
    return int.from_bytes(raw[:32], "big")


def read_token(w3: Web3, address: str, block: int) -> dict:
    """symbol, name, decimals and total_supply by ``eth_call`` at ``block``; a call that fails gives None."""
    def call(signature: str) -> bytes:
        try:
            return bytes(w3.eth.call({"to": to_checksum_address(address),
                                      "data": _selector(signature)}, block_identifier=block))
        except Exception:  # noqa: BLE001 -- not every contract that emits Transfer answers every ERC-20 getter
            return b""
    return {"symbol": _decode_text(call("symbol()")), "name": _decode_text(call("name()")),
            "decimals": _decode_uint(call("decimals()")), "total_supply": _decode_uint(call("totalSupply()"))}
