"""Script types, addresses and asm as Bitcoin Core spells them."""
import random

import pytest
from embit import bech32

from chains.utxo import scripts
from chains.utxo.keys import Key
from chains.utxo.tx import Tx

from .test_tx import BIP143_SIGNED


def test_types_and_addresses_round_trip():
    key = Key(bytes(31) + b"\x05")
    expected = {"p2wpkh": ("witness_v0_keyhash", "bcrt1q"), "p2pkh": ("pubkeyhash", "m"),
                "p2tr": ("witness_v1_taproot", "bcrt1p")}
    for kind, (core_type, prefix) in expected.items():
        script = key.script(kind)
        assert scripts.classify(script) == core_type
        addr = scripts.address(script)
        assert addr.startswith(prefix) or (kind == "p2pkh" and addr[0] in "mn")
        assert scripts.script_for_address(addr) == script
        assert scripts.descriptor(script).startswith(f"addr({addr})#")
    assert scripts.classify(b"\x6a\x04abcd") == "nulldata"
    assert scripts.address(b"\x6a\x04abcd") is None
    assert scripts.descriptor(b"\x6a\x04abcd").startswith("raw(6a0461626364)#")


def test_segwit_addresses_match_embits_encoder():
    rng = random.Random(7)
    for version, size in [(0, 20), (0, 32), (1, 32), (2, 40), (16, 2)] * 40:
        program = rng.randbytes(size)
        for hrp in ("bcrt", "bc", "tb"):
            assert scripts.segwit_address(hrp, version, program) == bech32.encode(hrp, version, program)


@pytest.mark.parametrize("bad", ["bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
                                 "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", "bcrt1qxyz", "", 42])
def test_foreign_or_broken_addresses_are_named(bad):
    with pytest.raises(scripts.AddressError, match="address"):
        scripts.script_for_address(bad)


def test_asm_like_core():
    tx = Tx.from_raw(BIP143_SIGNED)
    sig_asm = scripts.asm(tx.tx.vin[0].script_sig.data, sighash_decode=True)
    assert sig_asm.endswith("[ALL]") and " " not in sig_asm
    assert scripts.asm(bytes.fromhex("0014" + "ab" * 20)) == "0 " + "ab" * 20
    assert scripts.asm(bytes.fromhex("5120" + "cd" * 32)) == "1 " + "cd" * 32
    # Pushes of up to 4 bytes show as CScriptNum: little-endian, sign bit in the last byte.
    assert scripts.asm(bytes.fromhex("6a04aabbccdd")) == "OP_RETURN -" + str(0x5DCCBBAA)
    assert scripts.asm(bytes.fromhex("4c")) == "[error]"


def test_witness_addresses_match_a_checked_encoder():
    """address() skips the encoder's own decode-check; it must agree with it for every witness
    version and length, and the address must decode back to the script without the memo."""
    import random

    from embit import bech32

    from chains.utxo import scripts

    rng = random.Random(3)
    for version, size in [(0, 20), (0, 32), (1, 32), (2, 40), (16, 2)]:
        for _ in range(50):
            program = rng.randbytes(size)
            script = bytes([0 if version == 0 else 0x50 + version, size]) + program
            addr = scripts.address(script)
            assert addr == bech32.encode("bcrt", version, program)
            scripts._SCRIPTS.pop(addr)
            assert scripts.script_for_address(addr) == script
