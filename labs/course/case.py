"""A trainee's case, as a notebook sees it: ``case = course.open_case()``.

The case is the trainee's bundle. It is found in one place, in this order: the folder given to
:func:`open_case`, the environment variable ``TRACELAB_CASE``, or ``case/`` beside the notebook
(the working folder of the notebook's kernel). What it offers is loaded when first asked for:

- ``case`` itself shows the case file (the brief) as a page;
- ``case.payments``: the reported payments (the bundle's ``reports.csv``), one row each, numbered
  from 1, amounts exact in base units;
- ``case.sources``: where each reported payment starts a trace, labelled ``#1 <name>``...;
- ``case.transfers``: the tracer's transfers table of every chain in the bundle;
- ``case.tags``: the attributions of known services (a TagPack table); ``case.exchanges``: the
  names of the case's exchanges;
- ``case.serve()``: starts the case's chains on 127.0.0.1 and gives their RPC URLs (``case.rpc``).
"""
from __future__ import annotations

import atexit
import csv
import datetime as dt
import json
import os
import re
from functools import cached_property
from pathlib import Path

ENV = "TRACELAB_CASE"
REPORTS = "reports.csv"
#: the columns of ``reports.csv`` (written by :func:`labs.bundle.casefile.reports_csv`), as ``case.payments`` has them
PAYMENT_COLUMNS = ["reported_by", "country", "date", "chain", "asset", "amount", "from", "to", "tx", "vout"]


class CaseError(Exception):
    """A bundle a notebook cannot read (the message says what is wrong). Shown without a traceback."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [f"Case not readable: {self}"]


class CaseNotFound(CaseError, FileNotFoundError):
    """No bundle where the notebook looks for one (the message says where it looked)."""

    def _render_traceback_(self):
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


def read_reports(path: str | os.PathLike):
    """The reported payments of ``reports.csv``: a table numbered from 1 (``payment``), dates as
    UTC times, amounts as exact ints, EVM addresses and hashes lower-cased as the chain data
    writes them.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "reports.csv"
    >>> _ = p.write_text("reported_by,country,date,chain,asset,amount,from,to,tx,vout\\n"
    ...                  "Ana,AL,2026-03-05 15:43 UTC,bitcoin,BTC,500000,bcrt1qa,bcrt1qb,c8d0,1\\n")
    >>> read_reports(p)[["reported_by", "amount", "tx", "vout"]].values.tolist()
    [['Ana', 500000, 'c8d0', 1]]
    """
    import pandas as pd

    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in PAYMENT_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise CaseError(f"{path}: no column {', '.join(missing)} (a bundle's reports.csv has "
                                f"{', '.join(PAYMENT_COLUMNS)})")
            rows = []
            for n, r in enumerate(reader, 2):
                for col, pattern in (("amount", r"\d+"), ("vout", r"\d*")):
                    if not re.fullmatch(pattern, r[col] or ""):
                        raise CaseError(f"{path}, line {n}: {col} {r[col]!r} is not a whole number")
                row = [r[c] for c in PAYMENT_COLUMNS]
                try:
                    row[2] = pd.Timestamp(dt.datetime.strptime(r["date"], "%Y-%m-%d %H:%M UTC"), tz="UTC")
                except (TypeError, ValueError):
                    raise CaseError(f"{path}, line {n}: date {r['date']!r} is not 'YYYY-MM-DD HH:MM UTC'") from None
                row[5], row[9] = int(r["amount"]), int(r["vout"]) if r["vout"] else None
                row[6:9] = [v.lower() if v.startswith("0x") else v for v in row[6:9]]
                rows.append(row)
    except FileNotFoundError:
        raise CaseError(f"{path} is missing: this bundle was made by an older tracelab; ask your instructor "
                        "for a new one") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CaseError(f"{path}: not readable ({exc})") from None
    table = pd.DataFrame(rows, columns=PAYMENT_COLUMNS, dtype=object)
    table.index = pd.RangeIndex(1, len(table) + 1, name="payment")
    return table


class Case:
    """A trainee's bundle, opened (see the module docstring)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.rpc: dict[str, str] = {}
        self._running: list = []

    def __repr__(self):
        return f"<case {self.folder.name}: {len(self.payments)} reported payments; case.brief, case.payments, " \
               "case.sources, case.transfers, case.tags>"

    def _repr_markdown_(self):
        return self.brief

    @cached_property
    def brief(self) -> str:
        """The case file the trainee received (markdown)."""
        return (self.folder / "brief.md").read_text(encoding="utf-8")

    @cached_property
    def payments(self):
        """The reported payments, numbered from 1: reported_by, country, date (UTC, as reported),
        chain, asset, amount (base units), from, to, tx, vout (the output paid, on a UTXO chain)."""
        return read_reports(self.folder / REPORTS)

    @cached_property
    def sources(self) -> list:
        """Where each reported payment starts a trace, in payment order: the output that paid the
        reported address (UTXO, ``txhash:vout``), or the transaction's own value (account model),
        labelled ``#1 <who reported it>``, ``#2 ...``."""
        from tracer.sources import Source

        return [Source(tx=tx, vout=vout, label=f"#{n} {who}")
                for n, who, tx, vout in zip(self.payments.index, self.payments["reported_by"], self.payments["tx"],
                                            self.payments["vout"], strict=True)]

    @cached_property
    def transfers(self):
        """Every transfer on the case's chains (the tracer's table)."""
        from tracer.load import load

        return load(self.folder / "exports")

    @cached_property
    def tags(self):
        """Attributions of known services (exchanges, mixer, bridge...), one row per tag."""
        from tracer.load.tagpack import load_tagpacks

        return load_tagpacks(self.folder)

    @property
    def services(self) -> set[str]:
        """Addresses of attributed services: where a trace stops and a data request goes."""
        return set(self.tags["address"].dropna())

    @property
    def exchange_wallets(self) -> set[str]:
        """Addresses tagged as an exchange's (hot wallets): where a production order goes."""
        tags = self.tags
        return set(tags.loc[tags["category"] == "exchange", "address"].dropna())

    @cached_property
    def exchanges(self) -> tuple[str, ...]:
        """The names of the case's exchanges, from their tags (``"Kestrel Exchange: hot wallet"``
        names ``Kestrel Exchange``)."""
        tags = self.tags
        return tuple(sorted({str(label).split(":")[0].strip()
                             for label in tags.loc[tags["category"] == "exchange", "label"].dropna()}))

    def paid_into(self, address: str):
        """The transfers that paid ``address`` (as copied: cleaned as the tracer's sources are)."""
        from tracer.sources import clean_address

        t = self.transfers
        return t[t["to"] == clean_address(address)]

    def first_paid(self, address: str):
        """When ``address`` first received value in the chain data (a UTC time), or None."""
        import pandas as pd

        when = self.paid_into(address)["timestamp"]
        return pd.Timestamp(int(when.min()), unit="s", tz="UTC") if len(when) else None

    def label(self, address: str) -> str:
        """Who an address belongs to, if the tags say (else an empty string)."""
        from tracer.sources import clean_address

        return self._labels.get(clean_address(address), "")

    @cached_property
    def _labels(self) -> dict:
        from tracer.load.tagpack import address_labels

        return address_labels(self.tags)

    def serve(self) -> dict[str, str]:
        """Start the case's chains on 127.0.0.1 (rebuilt from the replay logs); returns ``{chain: RPC URL}``.

        An EVM chain is served by anvil (a machine without it gets no URL for that chain); the
        UTXO chain answers Bitcoin Core's JSON-RPC (user and password ``tracelab``). They stop when
        the kernel stops, or with :meth:`stop`.
        """
        if self.rpc:
            return self.rpc
        info = json.loads((self.folder / "bundle.json").read_text())
        try:
            for c in info.get("chains", []):
                if c.get("kind") not in _SERVE:  # a hand-edited bundle.json: say so, do not guess
                    raise CaseError(f"{self.folder / 'bundle.json'}: chain {c.get('name')} has kind "
                                    f"{c.get('kind')!r} (expected one of {', '.join(_SERVE)})")
                running, url = _SERVE[c["kind"]](self.folder / "chains" / c["name"] / "replay.jsonl")
                self._running.append(running)
                if url:
                    self.rpc[c["name"]] = url
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
    """Open the trainee's case (see the module docstring for where it is found).

    In a notebook it also has the tracer's errors about what a trainee typed (an address with a
    typo, one that is not in the data) shown as a message, not a traceback.
    """
    case = Case(find_case(folder))
    _plain_tracer_errors()
    return case


def _plain_tracer_errors() -> None:
    """Show :class:`tracer.errors.SourceError` and ``LoadError`` as one line in IPython (the error
    is still an error: a notebook run by the grader records it as one)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from tracer.errors import LoadError, SourceError

    def plain(shell, etype, value, tb, tb_offset=None):
        text = f"The tracer could not do that: {value}"
        shell._showtraceback(etype, value, [text])
        return [text]

    shell.set_custom_exc((SourceError, LoadError), plain)


def _serve_evm(replay: Path):
    """An EVM chain rebuilt on anvil; its URL (None on a machine without anvil: py-evm serves no RPC)."""
    from chains.evm import EvmChain

    chain = EvmChain.rebuild(replay, "auto", history=False)
    return chain, getattr(chain.backend, "url", None)


def _serve_utxo(replay: Path):
    """The UTXO chain rebuilt in process, answering Bitcoin Core's JSON-RPC on a free port."""
    from chains.utxo.replay import read_replay
    from chains.utxo.rpcserver import serve_rpc

    server = serve_rpc(read_replay(replay), port=0)
    return server, server.url


#: chain kind (as bundle.json names it) -> how :meth:`Case.serve` starts such a chain: (what to stop, its URL)
_SERVE = {"evm": _serve_evm, "utxo": _serve_utxo}
