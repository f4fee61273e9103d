"""One builder for the small specs the labs tests run: chains, world, background and story in one call."""
from __future__ import annotations

#: chain name -> its table in a spec
CHAINS = {"ethereum": 'kind = "evm"\nchain_id = 1', "sidechain": 'kind = "evm"\nchain_id = 8453',
          "bitcoin": 'kind = "utxo"'}


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def spec_text(name: str, story: list[dict], *, chains=("ethereum",), users: int = 6, transactions: int = 30,
              days: int = 3, difficulty: str | None = None, summary: str | None = None, **world) -> str:
    """A spec as TOML text; each story step is ``{"typology": ..., **params}``.

    >>> print(spec_text("t", [{"typology": "fan_in"}], users=4).splitlines()[-2:])
    ['[[story]]', 'typology = "fan_in"']
    """
    lines = [f'name = "{name}"'] + ([f'summary = "{summary}"'] if summary else []) + \
        ([f'difficulty = "{difficulty}"'] if difficulty else [])
    for c in chains:
        lines += [f"[chains.{c}]", CHAINS[c]]
    lines += ["[world]", f"users = {users}", *(f"{k} = {_value(v)}" for k, v in world.items()),
              "[background]", f"transactions = {transactions}", f"days = {days}"]
    for step in story:
        lines.append("[[story]]")
        lines += [f"{k} = {_value(v)}" for k, v in step.items()]
    return "\n".join(lines) + "\n"
