import pytest

from labs.spec import catalog
from labs.spec import SpecError, describe, load_spec

MINIMAL = """
name = "t"
seed = 3
[chains.ethereum]
kind = "evm"
[[story]]
typology = "investment_fraud_collection"
victims = 2
"""


def load(text):
    return load_spec("test.toml", text=text)


def test_minimal_spec_defaults():
    spec = load(MINIMAL)
    assert spec.seed == 3
    assert spec.chain("ethereum").chain_id == 1337
    assert spec.story[0].params["victims"] == 2
    assert spec.story[0].params["countries"] == ("AL", "RS", "XK", "MK")
    assert spec.with_seed(9).seed == 9


@pytest.mark.parametrize("name", catalog.names())
def test_catalog_specs_load(name):
    spec = load_spec(catalog.path(name))
    assert spec.name == name
    assert spec.summary


@pytest.mark.parametrize("name", catalog.names())
def test_describe_says_what_the_loaded_spec_says(name):
    spec = load_spec(catalog.path(name))
    assert describe(catalog.path(name)) == {
        "name": spec.name, "difficulty": spec.difficulty, "summary": spec.summary,
        "chains": [{"name": c.name, "kind": c.kind} for c in spec.chains]}


def test_describe_checks_the_header_as_load_spec_does(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(MINIMAL.replace('kind = "evm"', 'kind = "solana"'))
    with pytest.raises(SpecError, match=r"bad.toml: chains.ethereum.kind: expected one of evm, utxo"):
        describe(bad)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('typology = "investment_fraud_collection"', 'typology = "teleport"'),
     r"story\[0\].typology: unknown typology 'teleport' \(expected one of investment_fraud_collection"),
    (lambda t: t.replace("victims = 2", "victims = 0"), r"story\[0\]: victims: expected at least 1"),
    (lambda t: t.replace("victims = 2", 'victims = "two"'), r"story\[0\].victims: expected an integer, got 'two'"),
    (lambda t: t.replace("victims = 2", "victimz = 2"), r"story\[0\].victimz: unknown field"),
    (lambda t: t.replace('kind = "evm"', 'kind = "solana"'),
     r"chains.ethereum.kind: expected one of evm, utxo, got 'solana'"),
    (lambda t: t.replace("seed = 3", "seed = -1"), r"seed: expected an integer >= 0, got -1"),
    (lambda t: t + '\n[world]\nusers = 1\n', r"world.users: expected an integer >= 2, got 1"),
    (lambda t: t + '\n[background]\ndays = "many"\n', r"background.days: expected an integer, got 'many'"),
    (lambda t: t.replace("seed = 3", "seed = 3\nstart = 2026-03-02T08:00:00"), r"^test.toml: start: expected a time with a zone"),
    (lambda t: t.replace("victims = 2", 'victims = 2\nchain = "bitcoin"'),
     r"story\[0\].chain: expected an EVM or a UTXO chain of the spec \(ethereum\), got 'bitcoin'"),
    (lambda t: t + '[[story]]\ntypology = "peel_chain"\n',
     r"story\[1\].chain: expected a UTXO chain of the spec \(it has none\), got 'bitcoin'"),
    (lambda t: t + '[[story]]\ntypology = "bridge_hop"\n',
     r"story\[1\].to_chain: expected an EVM chain of the spec \(ethereum\), got 'sidechain'"),
    (lambda t: t + '[chains.bitcoin]\nkind = "utxo"\n[[story]]\ntypology = "mixer"\nchain = "bitcoin"\n',
     r"story\[1\].chain: expected an EVM chain, got 'bitcoin', a UTXO chain \(the spec has ethereum\)"),
    (lambda t: t + '[[story]]\ntypology = "cash_out"\nexchange = 3\n',
     r"story\[1\].exchange: expected 1 to 2 \(the world's exchanges\), got 3"),
    (lambda t: t + '[world]\notc_desks = 0\n[[story]]\ntypology = "cash_out"\nvenue = "otc"\n',
     r"story\[1\].venue: 'otc' needs an OTC desk, and world.otc_desks is 0"),
    (lambda t: t.replace('name = "t"', ''), r"name: missing"),
    (lambda t: t.replace("seed = 3", "seed = 3\ncolour = 'red'"), r"^test.toml: colour: unknown field"),
    (lambda t: t.replace("[[story]]", "[story]"), r"story: expected a non-empty list"),
    (lambda t: "name = [", r"not valid TOML"),
])
def test_errors_name_field_value_and_expectation(edit, message):
    with pytest.raises(SpecError, match=message) as info:
        load(edit(MINIMAL))
    assert str(info.value).startswith("test.toml: ")


def test_unreadable_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read the spec"):
        load_spec(tmp_path / "missing.toml")


def test_unknown_catalog_case():
    with pytest.raises(SpecError, match="no catalog case named 'nope'"):
        catalog.path("nope")


def test_every_chain_parameter_of_every_typology_is_checked():
    import dataclasses

    from labs.typologies import TYPOLOGIES, get_typology

    for name in TYPOLOGIES:
        module = get_typology(name)
        fields = {f.name for f in dataclasses.fields(module.Params) if f.name.endswith("chain")}
        assert set(module.CHAINS) == fields, name
        assert all(set(kinds) <= {"evm", "utxo"} and kinds for kinds in module.CHAINS.values()), name
