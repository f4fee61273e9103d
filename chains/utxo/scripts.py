"""Output scripts: classification, addresses, asm and descriptors, spelled as Bitcoin Core does.

Script types use Bitcoin Core's names (``pubkeyhash``, ``witness_v0_keyhash``,
``witness_v1_taproot``, ``nulldata``, ...), which bitcoin-etl copies into its ``type`` field.
"""
import functools
from embit import bech32, base58
from embit.descriptor.checksum import add_checksum

from chains.utxo.params import NETWORK

PUBKEYHASH = "pubkeyhash"
SCRIPTHASH = "scripthash"
WITNESS_V0_KEYHASH = "witness_v0_keyhash"
WITNESS_V0_SCRIPTHASH = "witness_v0_scripthash"
WITNESS_V1_TAPROOT = "witness_v1_taproot"
WITNESS_UNKNOWN = "witness_unknown"
PUBKEY = "pubkey"
MULTISIG = "multisig"
NULLDATA = "nulldata"
NONSTANDARD = "nonstandard"

OP_NAMES = {
    0x4F: "-1", 0x50: "OP_RESERVED", 0x61: "OP_NOP", 0x62: "OP_VER", 0x63: "OP_IF",
    0x64: "OP_NOTIF", 0x65: "OP_VERIF", 0x66: "OP_VERNOTIF", 0x67: "OP_ELSE", 0x68: "OP_ENDIF",
    0x69: "OP_VERIFY", 0x6A: "OP_RETURN", 0x6B: "OP_TOALTSTACK", 0x6C: "OP_FROMALTSTACK",
    0x6D: "OP_2DROP", 0x6E: "OP_2DUP", 0x6F: "OP_3DUP", 0x70: "OP_2OVER", 0x71: "OP_2ROT",
    0x72: "OP_2SWAP", 0x73: "OP_IFDUP", 0x74: "OP_DEPTH", 0x75: "OP_DROP", 0x76: "OP_DUP",
    0x77: "OP_NIP", 0x78: "OP_OVER", 0x79: "OP_PICK", 0x7A: "OP_ROLL", 0x7B: "OP_ROT",
    0x7C: "OP_SWAP", 0x7D: "OP_TUCK", 0x7E: "OP_CAT", 0x7F: "OP_SUBSTR", 0x80: "OP_LEFT",
    0x81: "OP_RIGHT", 0x82: "OP_SIZE", 0x83: "OP_INVERT", 0x84: "OP_AND", 0x85: "OP_OR",
    0x86: "OP_XOR", 0x87: "OP_EQUAL", 0x88: "OP_EQUALVERIFY", 0x89: "OP_RESERVED1",
    0x8A: "OP_RESERVED2", 0x8B: "OP_1ADD", 0x8C: "OP_1SUB", 0x8D: "OP_2MUL", 0x8E: "OP_2DIV",
    0x8F: "OP_NEGATE", 0x90: "OP_ABS", 0x91: "OP_NOT", 0x92: "OP_0NOTEQUAL", 0x93: "OP_ADD",
    0x94: "OP_SUB", 0x95: "OP_MUL", 0x96: "OP_DIV", 0x97: "OP_MOD", 0x98: "OP_LSHIFT",
    0x99: "OP_RSHIFT", 0x9A: "OP_BOOLAND", 0x9B: "OP_BOOLOR", 0x9C: "OP_NUMEQUAL",
    0x9D: "OP_NUMEQUALVERIFY", 0x9E: "OP_NUMNOTEQUAL", 0x9F: "OP_LESSTHAN",
    0xA0: "OP_GREATERTHAN", 0xA1: "OP_LESSTHANOREQUAL", 0xA2: "OP_GREATERTHANOREQUAL",
    0xA3: "OP_MIN", 0xA4: "OP_MAX", 0xA5: "OP_WITHIN", 0xA6: "OP_RIPEMD160", 0xA7: "OP_SHA1",
    0xA8: "OP_SHA256", 0xA9: "OP_HASH160", 0xAA: "OP_HASH256", 0xAB: "OP_CODESEPARATOR",
    0xAC: "OP_CHECKSIG", 0xAD: "OP_CHECKSIGVERIFY", 0xAE: "OP_CHECKMULTISIG",
    0xAF: "OP_CHECKMULTISIGVERIFY", 0xB0: "OP_NOP1", 0xB1: "OP_CHECKLOCKTIMEVERIFY",
    0xB2: "OP_CHECKSEQUENCEVERIFY", 0xB3: "OP_NOP4", 0xB4: "OP_NOP5", 0xB5: "OP_NOP6",
    0xB6: "OP_NOP7", 0xB7: "OP_NOP8", 0xB8: "OP_NOP9", 0xB9: "OP_NOP10",
    0xBA: "OP_CHECKSIGADD",
}
for _n in range(1, 17):
    OP_NAMES[0x50 + _n] = str(_n)

SIGHASH_NAMES = {
    0x01: "ALL", 0x02: "NONE", 0x03: "SINGLE",
    0x81: "ALL|ANYONECANPAY", 0x82: "NONE|ANYONECANPAY", 0x83: "SINGLE|ANYONECANPAY",
}


def classify(script: bytes) -> str:
    """Return Bitcoin Core's type name for an output script.

    >>> classify(bytes.fromhex("0014" + "00" * 20))
    'witness_v0_keyhash'
    """
    n = len(script)
    if n == 25 and script[:3] == b"\x76\xa9\x14" and script[23:] == b"\x88\xac":
        return PUBKEYHASH
    if n == 22 and script[:2] == b"\x00\x14":
        return WITNESS_V0_KEYHASH
    if n == 34 and script[:2] == b"\x51\x20":
        return WITNESS_V1_TAPROOT
    if n == 34 and script[:2] == b"\x00\x20":
        return WITNESS_V0_SCRIPTHASH
    if n == 23 and script[:2] == b"\xa9\x14" and script[22] == 0x87:
        return SCRIPTHASH
    if n >= 1 and script[0] == 0x6A:
        return NULLDATA
    if n in (35, 67) and script[0] == n - 2 and script[-1] == 0xAC:
        return PUBKEY
    if 4 <= n <= 42 and (script[0] == 0 or 0x51 <= script[0] <= 0x60) and script[1] == n - 2:
        return WITNESS_UNKNOWN
    return NONSTANDARD


@functools.lru_cache(maxsize=1 << 16)  # pure, and wallets ask for the same few thousand again and again
def address(script: bytes) -> str | None:
    """Return the regtest address paying to ``script``, or None when it has none."""
    kind = classify(script)
    if kind == PUBKEYHASH:
        addr = base58.encode_check(NETWORK["p2pkh"] + script[3:23])
    elif kind == SCRIPTHASH:
        addr = base58.encode_check(NETWORK["p2sh"] + script[2:22])
    elif kind in (WITNESS_V0_KEYHASH, WITNESS_V0_SCRIPTHASH, WITNESS_V1_TAPROOT, WITNESS_UNKNOWN):
        version = 0 if script[0] == 0 else script[0] - 0x50
        addr = segwit_address(NETWORK["bech32"], version, script[2:])
    else:
        return None
    _SCRIPTS[addr] = script
    return addr


# Bech32 (BIP-173) and bech32m (BIP-350) checksums: the BCH code's generator, and the step it
# takes for each value of a checksum's top five bits (five conditional XORs folded into one lookup)
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_STEP = tuple(functools.reduce(lambda acc, g: acc ^ g, (g for i, g in enumerate(_GENERATOR) if top >> i & 1), 0)
              for top in range(32))
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CONST = {0: 1, "m": 0x2BC830A3}  # witness v0: bech32; v1 and up: bech32m


def _polymod(values, chk: int = 1) -> int:
    for v in values:
        chk = ((chk & 0x1FFFFFF) << 5) ^ v ^ _STEP[chk >> 25]
    return chk


@functools.lru_cache(maxsize=16)
def _hrp_state(hrp: str) -> int:
    return _polymod([ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp])


def segwit_address(hrp: str, version: int, program: bytes) -> str:
    """The bech32 (v0) or bech32m (v1+) address of a witness program (BIP-173, BIP-350).

    embit's encoder converts bit by bit and decodes its own result again; this is the same
    encoding at a fraction of the cost (a test compares the two).

    >>> segwit_address("bc", 0, bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6"))
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
    """
    groups = (8 * len(program) + 4) // 5
    n = int.from_bytes(program, "big") << (5 * groups - 8 * len(program))
    data = [version] + [(n >> 5 * (groups - 1 - i)) & 31 for i in range(groups)]
    chk = _polymod(data + [0] * 6, _hrp_state(hrp)) ^ _CONST[0 if version == 0 else "m"]
    return hrp + "1" + "".join(_CHARSET[d] for d in data) + "".join(_CHARSET[(chk >> 5 * (5 - i)) & 31]
                                                                  for i in range(6))


#: scripts of the addresses :func:`address` wrote: the way back needs no decoding
_SCRIPTS: dict[str, bytes] = {}


class AddressError(ValueError):
    """An address is malformed or belongs to another network."""


def script_for_address(addr: str) -> bytes:
    """Return the output script paying to a regtest address.

    Raises
    ------
    AddressError
        If ``addr`` is not a valid regtest address (names the address).
    """
    if not isinstance(addr, str) or not addr:
        raise AddressError(f"invalid address {addr!r}")
    if addr in _SCRIPTS:
        return _SCRIPTS[addr]
    hrp = NETWORK["bech32"]
    if addr.lower().startswith(hrp + "1"):
        version, program = bech32.decode(hrp, addr)
        if version is None:
            raise AddressError(f"invalid bech32 address {addr!r}")
        program = bytes(program)
        if version == 0 and len(program) not in (20, 32):
            raise AddressError(f"invalid witness v0 program length in {addr!r}")
        op = 0 if version == 0 else 0x50 + version
        return bytes([op, len(program)]) + program
    try:
        data = base58.decode_check(addr)
    except Exception as exc:
        raise AddressError(f"invalid address {addr!r} (not regtest bech32 nor base58check)") from exc
    if len(data) == 21 and data[:1] == NETWORK["p2pkh"]:
        return b"\x76\xa9\x14" + data[1:] + b"\x88\xac"
    if len(data) == 21 and data[:1] == NETWORK["p2sh"]:
        return b"\xa9\x14" + data[1:] + b"\x87"
    raise AddressError(f"address {addr!r} is not a regtest address")


def iter_ops(script: bytes):
    """Yield ``(opcode, pushed_data_or_None)`` for each operation; raise ValueError if truncated."""
    i, n = 0, len(script)
    while i < n:
        op = script[i]
        i += 1
        if op <= 0x4E:
            if op < 0x4C:
                size = op
            else:
                width = {0x4C: 1, 0x4D: 2, 0x4E: 4}[op]
                if i + width > n:
                    raise ValueError("truncated push length")
                size = int.from_bytes(script[i:i + width], "little")
                i += width
            if i + size > n:
                raise ValueError("push past end of script")
            yield op, script[i:i + size]
            i += size
        else:
            yield op, None


def _script_num(data: bytes) -> int:
    if not data:
        return 0
    value = int.from_bytes(data, "little")
    if data[-1] & 0x80:
        return -(value & ~(0x80 << (8 * (len(data) - 1))))
    return value


def is_der_signature(sig: bytes) -> bool:
    """BIP-66 strict DER check of a signature with its trailing sighash byte."""
    n = len(sig)
    if n < 9 or n > 73 or sig[0] != 0x30 or sig[1] != n - 3:
        return False
    len_r = sig[3]
    if 5 + len_r >= n:
        return False
    len_s = sig[5 + len_r]
    if len_r + len_s + 7 != n or sig[2] != 0x02 or len_r == 0 or sig[4] & 0x80:
        return False
    if len_r > 1 and sig[4] == 0 and not sig[5] & 0x80:
        return False
    if sig[len_r + 4] != 0x02 or len_s == 0 or sig[len_r + 6] & 0x80:
        return False
    if len_s > 1 and sig[len_r + 6] == 0 and not sig[len_r + 7] & 0x80:  # noqa: SIM103 -- one BIP-66 rule a line
        return False
    return True


def asm(script: bytes, sighash_decode: bool = False) -> str:
    """Return the script in Bitcoin Core's asm notation (``ScriptToAsmStr``).

    ``sighash_decode`` is Core's choice for scriptSigs: a pushed DER signature shows its
    sighash type as ``[ALL]``.

    >>> asm(bytes.fromhex("76a914" + "11" * 20 + "88ac"))
    'OP_DUP OP_HASH160 1111111111111111111111111111111111111111 OP_EQUALVERIFY OP_CHECKSIG'
    """
    parts = []
    unspendable = bool(script) and script[0] == 0x6A
    try:
        for op, data in iter_ops(script):
            if data is None:
                parts.append(OP_NAMES.get(op, "OP_UNKNOWN"))
            elif len(data) <= 4:
                parts.append(str(_script_num(data)))
            elif sighash_decode and not unspendable and is_der_signature(data) \
                    and data[-1] in SIGHASH_NAMES:
                parts.append(data[:-1].hex() + "[" + SIGHASH_NAMES[data[-1]] + "]")
            else:
                parts.append(data.hex())
    except ValueError:
        parts.append("[error]")
    return " ".join(parts)


def descriptor(script: bytes) -> str:
    """Return the inferred output descriptor Core shows (``addr(...)`` or ``raw(...)``)."""
    addr = address(script)
    body = f"addr({addr})" if addr is not None else f"raw({script.hex()})"
    return add_checksum(body)


def required_signatures(script: bytes) -> int | None:
    """Signatures needed to spend (Core's former ``reqSigs``); None for unspendable scripts."""
    kind = classify(script)
    if kind in (PUBKEYHASH, SCRIPTHASH, WITNESS_V0_KEYHASH, WITNESS_V0_SCRIPTHASH,
                WITNESS_V1_TAPROOT, PUBKEY):
        return 1
    return None
