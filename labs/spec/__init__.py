"""Scenario specs: TOML in, typed and validated objects out.

An error names the field (as a dotted path), the value found and what was expected, because the
person reading it is an instructor editing a file, not a programmer reading a traceback.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SpecError
from .kinds import KINDS

__all__ = ["ScenarioSpec", "SpecError", "load_spec", "parse_params"]


#: how crowded the services a perpetrator uses are (see ``labs/difficulty.py`` for the floors)
DIFFICULTIES = ("easy", "standard", "hard")
CHAIN_KINDS = tuple(KINDS)


@dataclass(frozen=True)
class ChainSpec:
    name: str
    kind: str
    chain_id: int = 1337
    #: simulated seconds a block gathers transactions for (EVM): 12 is Ethereum's slot; a longer
    #: one puts more of a case's transactions in each block, which is faster to generate
    block_time: int = 60


@dataclass(frozen=True)
class ExchangeSpec:
    name: str
    jurisdiction: str
    #: seconds between the exchange's sweeps of customer deposit addresses into its hot wallet
    sweep_every: int = 6 * 3600  # seconds written out: listing commands read specs, and labs.units imports the tracer


@dataclass(frozen=True)
class WorldSpec:
    users: int = 30
    exchanges: tuple[ExchangeSpec, ...] = (
        ExchangeSpec("Kestrel Exchange", "MT"),
        ExchangeSpec("Adriatic Coin", "HR"),
    )
    merchants: int = 3
    otc_desks: int = 1
    gambling_sites: int = 1


@dataclass(frozen=True)
class BackgroundSpec:
    #: ordinary transactions spread over the case's time span, on every chain
    transactions: int = 200
    days: int = 7


@dataclass(frozen=True)
class StepSpec:
    typology: str
    params: dict[str, Any]
    index: int


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    seed: int
    summary: str
    start: int
    difficulty: str
    chains: tuple[ChainSpec, ...]
    world: WorldSpec
    background: BackgroundSpec
    story: tuple[StepSpec, ...]
    #: whose case this is (a class gives each trainee one): part of what seeds every random draw
    trainee: str = ""

    def chain(self, name: str) -> ChainSpec:
        for c in self.chains:
            if c.name == name:
                return c
        raise SpecError(f"no chain named {name!r}: the spec has {', '.join(c.name for c in self.chains)}")

    def with_seed(self, seed: int) -> ScenarioSpec:
        return dataclasses.replace(self, seed=_int(seed, "seed", minimum=0))

    def for_trainee(self, trainee: str) -> ScenarioSpec:
        return dataclasses.replace(self, trainee=_str(trainee, "trainee"))

    def to_dict(self) -> dict:
        """A plain, JSON-able form (the spec as used, written into the key)."""
        d = dataclasses.asdict(self)
        d["story"] = [{"typology": s.typology, **s.params} for s in self.story]
        return d


# -- small typed readers --------------------------------------------------------------------
def _type_name(t) -> str:
    return {int: "an integer", str: "a string", bool: "true or false", float: "a number"}.get(t, str(t))


def _int(value, path: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise SpecError(f"{path}: expected an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise SpecError(f"{path}: expected an integer >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise SpecError(f"{path}: expected an integer <= {maximum}, got {value}")
    return value


def _str(value, path: str, *, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{path}: expected a non-empty string, got {value!r}")
    if choices and value not in choices:
        raise SpecError(f"{path}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def _table(value, path: str) -> dict:
    if not isinstance(value, dict):
        raise SpecError(f"{path}: expected a table, got {value!r}")
    return value


def _no_unknown(table: dict, known: set[str], path: str):
    unknown = sorted(set(table) - known)
    if unknown:
        where = f"{path}." if path else ""
        raise SpecError(f"{where}{unknown[0]}: unknown field (expected one of {', '.join(sorted(known))})")


def _time(value, path: str) -> int:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise SpecError(f"{path}: expected a time with a zone (e.g. 2026-03-02T08:00:00Z), got {value}")
        return int(value.timestamp())
    if isinstance(value, int) and not isinstance(value, bool):
        return _int(value, path, minimum=0)
    raise SpecError(f"{path}: expected a date-time like 2026-03-02T08:00:00Z, got {value!r}")


def parse_params(cls, raw: dict, path: str):
    """Build the params dataclass ``cls`` of a typology from a spec table, checking names and types."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    _no_unknown(raw, set(fields), path)
    kwargs = {}
    for name, f in fields.items():
        if name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise SpecError(f"{path}.{name}: missing (required by this typology)")
            continue
        value, t = raw[name], hints[name]
        origin = typing.get_origin(t)
        if t is int:
            value = _int(value, f"{path}.{name}", minimum=0)
        elif t is float:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise SpecError(f"{path}.{name}: expected a number, got {value!r}")
            value = float(value)
        elif t is str:
            value = _str(value, f"{path}.{name}")
        elif t is bool:
            if not isinstance(value, bool):
                raise SpecError(f"{path}.{name}: expected true or false, got {value!r}")
        elif origin is tuple:
            (inner, *_rest) = typing.get_args(t)
            if not isinstance(value, list):
                raise SpecError(f"{path}.{name}: expected a list of {_type_name(inner)}s, got {value!r}")
            for i, v in enumerate(value):
                if not isinstance(v, inner) or isinstance(v, bool):
                    raise SpecError(f"{path}.{name}[{i}]: expected {_type_name(inner)}, got {v!r}")
            value = tuple(value)
        kwargs[name] = value
    try:
        params = cls(**kwargs)
    except (ValueError, TypeError) as exc:
        raise SpecError(f"{path}: {exc}") from None
    return params


# -- the spec -------------------------------------------------------------------------------
def _check_step(params, kinds: dict[str, tuple[str, ...]], chains: list[ChainSpec], world: WorldSpec, path: str):
    """What a step refers to must exist in the spec: its chains (of the right kind), exchange, OTC desk."""
    by_name = {c.name: c for c in chains}
    for field, allowed in kinds.items():
        name = getattr(params, field)
        fits = [c.name for c in chains if c.kind in allowed]
        want = " or ".join(KINDS[k].named for k in allowed) + " chain"
        if name not in by_name:
            raise SpecError(f"{path}.{field}: expected {want} of the spec "
                            f"({', '.join(fits) if fits else 'it has none'}), got {name!r}")
        if by_name[name].kind not in allowed:
            raise SpecError(f"{path}.{field}: expected {want}, got {name!r}, {KINDS[by_name[name].kind].named} "
                            f"chain{' (the spec has ' + ', '.join(fits) + ')' if fits else ''}")
    exchange = getattr(params, "exchange", None)
    if exchange is not None and getattr(params, "venue", "exchange") == "exchange" \
            and not 1 <= exchange <= len(world.exchanges):
        raise SpecError(f"{path}.exchange: expected 1 to {len(world.exchanges)} (the world's exchanges), "
                        f"got {exchange}")
    if getattr(params, "venue", None) == "otc" and world.otc_desks < 1:
        raise SpecError(f"{path}.venue: 'otc' needs an OTC desk, and world.otc_desks is 0")


def load_spec(source: str | Path, *, text: str | None = None) -> ScenarioSpec:
    """Read and validate a spec from a TOML file (or from ``text``, named ``source`` in errors)."""
    from ..typologies import get_typology

    return _parsed(source, text, lambda doc: _build(doc, get_typology))


def describe(source: str | Path) -> dict:
    """What a spec is about, ``{"name", "difficulty", "summary", "chains": [{"name", "kind"}]}``,
    from everything but its story: no typology is loaded, so listing a catalog is quick (the
    story is checked by :func:`load_spec`, when a case is made).

    >>> from labs.spec import catalog
    >>> describe(catalog.path("exchange-hack"))["chains"]
    [{'name': 'ethereum', 'kind': 'evm'}, {'name': 'sidechain', 'kind': 'evm'}]
    """
    head = _parsed(source, None, _header)
    return {"name": head["name"], "difficulty": head["difficulty"], "summary": head["summary"],
            "chains": [{"name": c.name, "kind": c.kind} for c in head["chains"]]}


def _parsed(source: str | Path, text: str | None, build):
    name = str(source)
    if text is None:
        try:
            text = Path(source).read_text()
        except OSError as exc:
            raise SpecError(f"{name}: cannot read the spec: {exc.strerror}") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{name}: not valid TOML: {exc}") from None
    try:
        return build(doc)
    except SpecError as exc:
        raise SpecError(f"{name}: {exc}") from None


def _header(doc: dict) -> dict:
    """Every field of a spec but its story, checked: :class:`ScenarioSpec`'s keyword arguments."""
    _no_unknown(doc, {"name", "seed", "summary", "start", "difficulty", "chains", "world", "background", "story"}, "")
    for required in ("name", "chains", "story"):
        if required not in doc:
            raise SpecError(f"{required}: missing")
    chains = []
    for cname, raw in _table(doc["chains"], "chains").items():
        raw = _table(raw, f"chains.{cname}")
        _no_unknown(raw, {"kind", "chain_id", "block_time"}, f"chains.{cname}")
        kind = _str(raw.get("kind"), f"chains.{cname}.kind", choices=CHAIN_KINDS)
        chain_id = _int(raw.get("chain_id", 1337), f"chains.{cname}.chain_id", minimum=1)
        block_time = _int(raw.get("block_time", ChainSpec.block_time), f"chains.{cname}.block_time", minimum=1,
                          maximum=86_400)
        chains.append(ChainSpec(cname, kind, chain_id, block_time))
    if not chains:
        raise SpecError("chains: expected at least one chain")
    for kind in KINDS.values():
        if kind.single and sum(KINDS[c.kind] is kind for c in chains) > 1:
            raise SpecError(f"chains: expected at most one {kind.label} chain")
    ids = [c.chain_id for c in chains if KINDS[c.kind].numbered]
    if len(ids) != len(set(ids)):
        numbered = " or ".join(k.label for k in KINDS.values() if k.numbered)
        raise SpecError(f"chains: two {numbered} chains share a chain_id ({ids})")

    w = _table(doc.get("world", {}), "world")
    _no_unknown(w, {f.name for f in dataclasses.fields(WorldSpec)}, "world")
    exchanges = WorldSpec.exchanges
    if "exchanges" in w:
        if not isinstance(w["exchanges"], list) or not w["exchanges"]:
            raise SpecError(f"world.exchanges: expected a non-empty list of tables, got {w['exchanges']!r}")
        exchanges = []
        for i, e in enumerate(w["exchanges"]):
            e = _table(e, f"world.exchanges[{i}]")
            _no_unknown(e, {"name", "jurisdiction", "sweep_every"}, f"world.exchanges[{i}]")
            exchanges.append(ExchangeSpec(_str(e.get("name"), f"world.exchanges[{i}].name"),
                                          _str(e.get("jurisdiction"), f"world.exchanges[{i}].jurisdiction"),
                                          _int(e.get("sweep_every", 6 * 3600), f"world.exchanges[{i}].sweep_every",
                                               minimum=60)))
        exchanges = tuple(exchanges)
    world = WorldSpec(
        users=_int(w.get("users", WorldSpec.users), "world.users", minimum=2, maximum=100_000),
        exchanges=exchanges,
        merchants=_int(w.get("merchants", WorldSpec.merchants), "world.merchants", minimum=0, maximum=1000),
        otc_desks=_int(w.get("otc_desks", WorldSpec.otc_desks), "world.otc_desks", minimum=0, maximum=100),
        gambling_sites=_int(w.get("gambling_sites", WorldSpec.gambling_sites), "world.gambling_sites", minimum=0,
                            maximum=100),
    )
    b = _table(doc.get("background", {}), "background")
    _no_unknown(b, {"transactions", "days"}, "background")
    background = BackgroundSpec(
        transactions=_int(b.get("transactions", BackgroundSpec.transactions), "background.transactions",
                          minimum=0, maximum=1_000_000),
        days=_int(b.get("days", BackgroundSpec.days), "background.days", minimum=1, maximum=3650))
    return {"name": _str(doc["name"], "name"), "seed": _int(doc.get("seed", 0), "seed", minimum=0),
            "summary": _str(doc.get("summary", doc["name"]), "summary"),
            "start": _time(doc.get("start", 1_772_438_400), "start"),
            "difficulty": _str(doc.get("difficulty", "standard"), "difficulty", choices=DIFFICULTIES),
            "chains": tuple(chains), "world": world, "background": background}


def _build(doc: dict, get_typology) -> ScenarioSpec:
    head = _header(doc)
    chains, world = head["chains"], head["world"]
    if not isinstance(doc["story"], list) or not doc["story"]:
        raise SpecError(f"story: expected a non-empty list of [[story]] steps, got {doc['story']!r}")
    steps = []
    for i, raw in enumerate(doc["story"]):
        path = f"story[{i}]"
        raw = dict(_table(raw, path))
        tname = _str(raw.pop("typology", None), f"{path}.typology")
        typology = get_typology(tname, path=f"{path}.typology")
        params = parse_params(typology.Params, raw, path)
        _check_step(params, typology.CHAINS, chains, world, path)
        steps.append(StepSpec(tname, dataclasses.asdict(params), i))
    return ScenarioSpec(**head, story=tuple(steps))
