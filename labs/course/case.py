"""A trainee's case, as a notebook sees it: ``case = course.open_case()``.

The case is the trainee's bundle. It is found in one place, in this order: the folder given to
:func:`open_case`, the environment variable ``TRACELAB_CASE``, or ``case/`` beside the notebook
(the working folder of the notebook's kernel). What it offers is loaded when first asked for:

- ``case`` itself shows the case file (the brief) as a page;
- ``case.payments``: the reported payments, one row each, amounts exact in base units;
- ``case.transfers``: the tracer's transfers table of every chain in the bundle;
- ``case.tags``: the attributions of known services (a TagPack table);
- ``case.serve()``: starts the case's chains on 127.0.0.1 and gives their RPC URLs (``case.rpc``).
"""
from __future__ import annotations

import atexit
import os
from functools import cached_property
from pathlib import Path

ENV = "TRACELAB_CASE"
PAYMENT_COLUMNS = ["reported_by", "country", "date", "amount", "asset", "from", "to", "tx"]
_DECIMALS = {"BTC": 8, "ETH": 18, "LUSD": 6}


class CaseNotFound(FileNotFoundError):
    """No bundle where the notebook looks for one (the message says where it looked)."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [f"Case not found: {self}"]


def find_case(folder: str | os.PathLike | None = None) -> Path:
    """The trainee's bundle folder (see the module docstring for where it is looked for)."""
    tried = []
    for where, candidate in (("the folder given", folder), (f"${ENV}", os.environ.get(ENV)),
                             ("case/ beside the notebook", Path.cwd() / "case")):
        if not candidate:
            continue
        p = Path(candidate).expanduser()
        if (p / "MANIFEST.sha256").is_file() and (p / "exports").is_dir():
            return p.resolve()
        tried.append(f"{where} ({p})")
    if not tried:
        tried.append(f"case/ beside the notebook ({Path.cwd() / 'case'})")
    raise CaseNotFound("no case bundle in " + ", nor in ".join(tried) + ". Put your bundle in a folder named "
                       f"case/ beside this notebook, or ask your instructor (they may set {ENV}).")


def reported_payments(brief: str):
    """The reported payments in a case brief's table, amounts exact in base units.

    Examples
    --------
    >>> text = '''| reported by | country | date | amount | from (victim) | to | tx hash |
    ... | --- | --- | --- | --- | --- | --- | --- |
    ... | Ana | AL | 2026-03-05 15:43 UTC | 0.005 BTC | `bcrt1qa` | `bcrt1qb` | `c8d0` |'''
    >>> reported_payments(text)[["reported_by", "amount", "asset", "tx"]].values.tolist()
    [['Ana', 500000, 'BTC', 'c8d0']]
    """
    import pandas as pd

    from labs.units import to_base

    rows, header = [], None
    for line in brief.splitlines():
        if not line.startswith("|"):
            header = None if rows else header
            continue
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if set("".join(cells)) <= set("-: ") or "tx hash" not in header:
            continue
        row = dict(zip(header, cells))
        number, _, asset = row["amount"].partition(" ")
        number = number.replace(",", "")
        rows.append([row["reported by"], row.get("country", ""), row.get("date", ""),
                     to_base(number, _DECIMALS.get(asset, 18)), asset, row["from (victim)"], row["to"], row["tx hash"]])
    return pd.DataFrame(rows, columns=PAYMENT_COLUMNS)


class Case:
    """A trainee's bundle, opened (see the module docstring)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.rpc: dict[str, str] = {}
        self._running: list = []

    def __repr__(self):
        return f"<case {self.folder.name}: {len(self.payments)} reported payments; case.brief, case.payments, " \
               "case.transfers, case.tags>"

    def _repr_markdown_(self):
        return self.brief

    @cached_property
    def brief(self) -> str:
        """The case file the trainee received (markdown)."""
        return (self.folder / "brief.md").read_text(encoding="utf-8")

    @cached_property
    def payments(self):
        """The reported payments: reported_by, country, date, amount (base units), asset, from, to, tx."""
        return reported_payments(self.brief)

    @cached_property
    def transfers(self):
        """Every transfer on the case's chains (the tracer's table)."""
        from tracer.load import load

        return load(self.folder / "exports")

    @cached_property
    def tags(self):
        """Attributions of known services (exchanges, mixer, bridge...), one row per tag."""
        from tracer.load.tagpack import load_tagpacks

        return load_tagpacks(*sorted((self.folder / "tags").glob("*.yaml")))

    @property
    def services(self) -> set[str]:
        """Addresses of attributed services: where a trace stops and a data request goes."""
        return set(self.tags["address"].dropna())

    @property
    def exchange_wallets(self) -> set[str]:
        """Addresses tagged as an exchange's (hot wallets, OTC desks): where a production order goes."""
        tags = self.tags
        return set(tags.loc[tags["category"] == "exchange", "address"].dropna())

    def label(self, address: str) -> str:
        """Who an address belongs to, if the tags say (else an empty string)."""
        from tracer.load.tagpack import address_labels

        return address_labels(self.tags).get(address, "")

    def payment_sources(self) -> list:
        """Where each reported payment starts a trace: the output that paid the reported address
        (UTXO, ``txhash:vout``), or the transaction itself (account model). In payment order."""
        from tracer.trace import Source

        t, out = self.transfers, []
        for tx, to in zip(self.payments["tx"], self.payments["to"]):
            rows = t[(t["tx_hash"] == tx) & (t["from"] == tx) & (t["to"] == to)]
            out.append(Source(tx=tx, vout=int(rows["index"].iloc[0])) if len(rows) else Source.parse(tx=tx))
        return out

    def serve(self) -> dict[str, str]:
        """Start the case's chains on 127.0.0.1 (rebuilt from the replay logs); returns ``{chain: RPC URL}``.

        They stop when the kernel stops, or with :meth:`stop`.
        """
        import json

        if self.rpc:
            return self.rpc
        info = self.folder / "bundle.json"  # (a bundle made before version 2 had its chains in spec.json)
        chains = json.loads((info if info.is_file() else self.folder / "spec.json").read_text()).get("chains", [])
        try:
            for c in chains:
                replay = self.folder / "chains" / c["name"] / "replay.jsonl"
                if c["kind"] == "evm":
                    from chains.evm import EvmChain

                    chain = EvmChain.rebuild(replay, "auto", history=False)
                    self._running.append(chain)
                    url = getattr(chain.backend, "url", None)
                    if url:
                        self.rpc[c["name"]] = url
                else:
                    from chains.utxo.replay import read_replay
                    from chains.utxo.rpc import serve_rpc

                    server = serve_rpc(read_replay(replay), port=0)
                    self._running.append(server)
                    self.rpc[c["name"]] = server.url
        except BaseException:
            self.stop()
            raise
        atexit.register(self.stop)
        return self.rpc

    def stop(self) -> None:
        """Stop the chains :meth:`serve` started."""
        while self._running:
            thing = self._running.pop()
            for name in ("close", "shutdown", "stop"):
                if hasattr(thing, name):
                    getattr(thing, name)()
                    break
        self.rpc = {}


def open_case(folder: str | os.PathLike | None = None) -> Case:
    """Open the trainee's case (see the module docstring for where it is found)."""
    return Case(find_case(folder))
