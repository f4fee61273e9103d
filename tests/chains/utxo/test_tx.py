"""Serialization, ids and signature hashes against published Bitcoin test vectors."""
import coincurve
import pytest

from chains.utxo import params
from chains.utxo.block import Block, Header
from chains.utxo.errors import TxRejected
from chains.utxo.keys import Key, taproot_tweak_secret
from chains.utxo.tx import DecodeError, SigHasher, Tx, p2wpkh_script_code, sign_input
from chains.utxo.validation import Coin, verify_input

# BIP-143, example "Native P2WPKH" (github.com/bitcoin/bips, bip-0143.mediawiki).
BIP143_UNSIGNED = (
    "0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffff"
    "ef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206"
    "000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42db"
    "ee7e4dbe6a21b2d50ce2f0167faa815988ac11000000")
BIP143_SIGNED = (
    "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830"
    "450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f928"
    "1a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e81"
    "5b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f6"
    "6f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988"
    "ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c"
    "4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7aca"
    "fcdb3566bb0ad253f62fc70f07aeee635711000000")
BIP143_KEY = "619c335025c7f4012e556c2a58b2506e30b8511b53ade95ea316fd8c3286feb9"
BIP143_PUB = "025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357"
BIP143_SIGHASH = "c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670"
BIP143_SIG = ("304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c"
              "4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee")

# BIP-341 wallet test vectors, keyPathSpending[0]
# (bitcoin/bitcoin src/test/data/bip341_wallet_vectors.json, = bips bip-0341/wallet-test-vectors.json).
BIP341_UNSIGNED = (
    "02000000097de20cbff686da83a54981d2b9bab3586f4ca7e48f57f5b55963115f3b334e9c010000000000000000"
    "d7b7cab57b1393ace2d064f4d4a2cb8af6def61273e127517d44759b6dafdd990000000000fffffffff8e1f58338"
    "4333689228c5d28eac13366be082dc57441760d957275419a418420000000000fffffffff0689180aa63b30cb162"
    "a73c6d2a38b7eeda2a83ece74310fda0843ad604853b0100000000feffffffaa5202bdf6d8ccd2ee0f0202afbbb7"
    "461d9264a25e5bfd3c5a52ee1239e0ba6c0000000000feffffff956149bdc66faa968eb2be2d2faa29718acbfe39"
    "41215893a2a3446d32acd050000000000000000000e664b9773b88c09c32cb70a2a3e4da0ced63b7ba3b22f84853"
    "1bbb1d5d5f4c94010000000000000000e9aa6b8e6c9de67619e6a3924ae25696bb7b694bb677a632a74ef7eadfd4"
    "eabf0000000000ffffffffa778eb6a263dc090464cd125c466b5a99667720b1c110468831d058aa1b82af1010000"
    "0000ffffffff0200ca9a3b000000001976a91406afd46bcdfd22ef94ac122aa11f241244a37ecc88ac807840cb00"
    "00000020ac9a87f5594be208f8532db38cff670c450ed2fea8fcdefcc9a663f78bab962b0065cd1d")
BIP341_UTXOS = [
    ("512053a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343", 420000000),
    ("5120147c9c57132f6e7ecddba9800bb0c4449251c92a1e60371ee77557b6620f3ea3", 462000000),
    ("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", 294000000),
    ("5120e4d810fd50586274face62b8a807eb9719cef49c04177cc6b76a9a4251d5450e", 504000000),
    ("512091b64d5324723a985170e4dc5a0f84c041804f2cd12660fa5dec09fc21783605", 630000000),
    ("00147dd65592d0ab2fe0d0257d571abf032cd9db93dc", 378000000),
    ("512075169f4001aa68f15bbed28b218df1d0a62cbbcf1188c6665110c293c907b831", 672000000),
    ("5120712447206d7a5238acc7ff53fbe94a3b64539ad291c7cdbc490b7577e4b17df5", 546000000),
    ("512077e30a5522dd9f894c3f8b8bd4c4b2cf82ca7da8a3ea6a239655c39c050ab220", 588000000),
]
# inputSpending entries: (txinIndex, internalPrivkey, merkleRoot, hashType, tweakedPrivkey,
#                         sigHash, witness signature)
BIP341_INPUTS = [
    (3, "d3c7af07da2d54f7a7735d3d0fc4f0a73164db638b2f2f7c43f711f6d4aa7e64",
     "c525714a7f49c28aedbbba78c005931a81c234b2f6c99a73e4d06082adc8bf2b", 1,
     "97323385e57015b75b0339a549c56a948eb961555973f0951f555ae6039ef00d",
     "bf013ea93474aa67815b1b6cc441d23b64fa310911d991e713cd34c7f5d46669",
     "ff45f742a876139946a149ab4d9185574b98dc919d2eb6754f8abaa59d18b025637a3aa043b91817739554f4ed"
     "2026cf8022dbd83e351ce1fabc272841d2510a01"),
    (4, "f36bb07a11e469ce941d16b63b11b9b9120a84d9d87cff2c84a8d4affb438f4e",
     "ccbd66c6f7e8fdab47b3a486f59d28262be857f30d4773f2d5ea47f7761ce0e2", 0,
     "a8e7aa924f0d58854185a490e6c41f6efb7b675c0f3331b7f14b549400b4d501",
     "4f900a0bae3f1446fd48490c2958b5a023228f01661cda3496a11da502a7f7ef",
     "b4010dd48a617db09926f729e79c33ae0b4e94b79f04a1ae93ede6315eb3669de185a17d2b0ac9ee09fd4c64b6"
     "78a0b61a0a86fa888a273c8511be83bfd6810f"),
]

# The first mainnet transaction: the genesis coinbase (txid published in every explorer), and
# the regtest genesis block hash from Bitcoin Core's chainparams.cpp.
GENESIS_TXID = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
REGTEST_GENESIS_HASH = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
MAINNET_GENESIS_HASH = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"


def test_mainnet_genesis_transaction_and_blocks():
    tx = Tx.from_raw(params.GENESIS_TX_HEX)
    assert tx.txid == GENESIS_TXID and tx.wtxid == GENESIS_TXID
    assert tx.raw.hex() == params.GENESIS_TX_HEX
    assert tx.is_coinbase
    mainnet = Header(1, "00" * 32, GENESIS_TXID, 1231006505, 0x1D00FFFF, 2083236893)
    assert mainnet.hash == MAINNET_GENESIS_HASH
    regtest = Block(Header(1, "00" * 32, GENESIS_TXID, 1296688602, 0x207FFFFF, 2), (tx,))
    assert regtest.hash == REGTEST_GENESIS_HASH
    assert Block.from_raw(regtest.serialize()).hash == REGTEST_GENESIS_HASH


def test_bip143_native_p2wpkh_sighash_and_signature():
    unsigned = Tx.from_raw(BIP143_UNSIGNED)
    keyhash = bytes.fromhex("1d0f172a0ecb48aee1be1f2687d2963ae33f71a1")
    hasher = SigHasher(unsigned.tx, [625000000, 600000000],
                       [bytes.fromhex("2103c9f4836b9a4f77fc0d81f7bcb01b7f1b35916864b9476c241ce9fc198bd25432ac"),
                        b"\x00\x14" + keyhash])
    digest = hasher.bip143(1, p2wpkh_script_code(keyhash), 600000000)
    assert digest.hex() == BIP143_SIGHASH
    key = Key(bytes.fromhex(BIP143_KEY))
    assert key.pubkey.hex() == BIP143_PUB
    # RFC 6979 signatures are deterministic: libsecp256k1 reproduces the published one.
    assert coincurve.PrivateKey(key.secret).sign(digest, hasher=None).hex() == BIP143_SIG
    sign_input(hasher, 1, key)
    signed = Tx.from_raw(BIP143_SIGNED)
    assert unsigned.tx.vin[1].witness.items == signed.tx.vin[1].witness.items
    assert signed.raw.hex() == BIP143_SIGNED
    # With the published P2PK scriptSig of input 0, our signed transaction is the published one.
    unsigned.tx.vin[0].script_sig = signed.tx.vin[0].script_sig
    assert Tx(unsigned.tx).raw.hex() == BIP143_SIGNED
    assert signed.wtxid != signed.txid
    # The validator accepts the published witness and rejects a tampered one.
    verify_input(SigHasher(signed.tx, hasher.amounts, hasher.spent_scripts), 1,
                 Coin(600000000, b"\x00\x14" + keyhash, 1, False))
    bad = Tx.from_raw(BIP143_SIGNED)
    bad.tx.vout[0].value += 1
    with pytest.raises(TxRejected) as info:
        verify_input(SigHasher(bad.tx, hasher.amounts, hasher.spent_scripts), 1,
                     Coin(600000000, b"\x00\x14" + keyhash, 1, False))
    assert info.value.reason == "mandatory-script-verify-flag-failed"


@pytest.mark.parametrize("vector", BIP341_INPUTS, ids=lambda v: f"input{v[0]}")
def test_bip341_key_path_vector(vector):
    index, internal, merkle_root, hashtype, tweaked, sighash, witness = vector
    tx = Tx.from_raw(BIP341_UNSIGNED)
    hasher = SigHasher(tx.tx, [v for _, v in BIP341_UTXOS], [bytes.fromhex(s) for s, _ in BIP341_UTXOS])
    assert taproot_tweak_secret(bytes.fromhex(internal), bytes.fromhex(merkle_root)).hex() == tweaked
    assert hasher.bip341(index, hashtype).hex() == sighash
    sig = bytes.fromhex(witness)
    output_key = bytes.fromhex(BIP341_UTXOS[index][0])[2:]
    assert coincurve.PublicKeyXOnly(output_key).verify(sig[:64], bytes.fromhex(sighash))
    tx.tx.vin[index].witness.items = [sig]
    coin = Coin(BIP341_UTXOS[index][1], bytes.fromhex(BIP341_UTXOS[index][0]), 1, False)
    verify_input(hasher, index, coin)


def test_roundtrip_and_decode_errors():
    tx = Tx.from_raw(BIP143_SIGNED)
    assert Tx.from_raw(tx.raw).raw == tx.raw
    assert tx.size == len(bytes.fromhex(BIP143_SIGNED))
    assert tx.weight == 3 * tx.stripped_size + tx.size
    with pytest.raises(DecodeError, match="after the transaction"):
        Tx.from_raw(BIP143_SIGNED + "00")
    with pytest.raises(DecodeError):
        Tx.from_raw(BIP143_SIGNED[:-10])
    with pytest.raises(DecodeError, match="not hex"):
        Tx.from_raw("zz")


def test_sign_and_verify_each_script_type():
    from chains.utxo.tx import build, sign
    from chains.utxo.validation import check_tx
    key = Key(bytes(31) + b"\x07")
    for kind in ("p2pkh", "p2wpkh", "p2tr"):
        script = key.script(kind)
        tx = build([("11" * 32, 0, 0xFFFFFFFD)], [(key.script("p2wpkh"), 90_000)])
        signed = sign(tx, [(100_000, script)], [key])
        coin = Coin(100_000, script, 1, False)
        fee, _ = check_tx(signed, lambda op, coin=coin: coin, 200, 0)
        assert fee == 10_000
        assert Tx.from_raw(signed.raw).txid == signed.txid
        # Signing is deterministic for every type (a seeded case must give the same wtxids).
        assert sign(tx, [(100_000, script)], [key]).raw == signed.raw


def test_serialization_matches_embits():
    """Tx's one-pass serializer writes what embit's writes, with and without witnesses, and txids agree."""
    import random

    from embit.script import Script, Witness
    from embit.transaction import Transaction, TransactionInput, TransactionOutput

    from chains.utxo.tx import serialize

    rng = random.Random(3)
    for case in range(60):
        vin = [TransactionInput(rng.randbytes(32), rng.randrange(300),
                                Script(rng.randbytes(rng.choice([0, 1, 107, 300]))), rng.randrange(1 << 32))
               for _ in range(rng.choice([1, 2, 5, 260]))]
        if case % 3:  # some inputs with witnesses (segwit), others without
            for inp in vin:
                if rng.random() < 0.7:
                    inp.witness = Witness([rng.randbytes(rng.choice([0, 33, 72, 300]))
                                           for _ in range(rng.randrange(1, 4))])
        vout = [TransactionOutput(rng.randrange(1 << 50), Script(rng.randbytes(rng.choice([22, 25, 34, 260]))))
                for _ in range(rng.choice([1, 3, 253]))]
        tx = Transaction(version=rng.choice([1, 2]), vin=vin, vout=vout, locktime=rng.randrange(1 << 32))
        raw, stripped = serialize(tx)
        assert raw == tx.serialize()
        assert Tx(tx).txid == tx.txid().hex()
        assert (raw == stripped) == (not tx.is_segwit)
