"""The `tracelab` command line.

Sub-commands live beside what they drive (chains/, tracer/, labs/) and are wired in here, so that
`tracelab --help` starts fast: a command's module is imported only when that command runs; the
help that lists it is read from its source.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path

import click


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use.

    ``lazy`` maps a command name to ``"module:attribute"``, the attribute being a click command
    made by a decorator on a function. Listing the commands (``--help``) imports none of them:
    each one's short help comes from its function's docstring (or the decorator's ``help`` /
    ``short_help``), read with :mod:`ast`; only a command whose source does not say is imported.
    """

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx, name):
        if name in self.lazy:
            module, attr = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        rows = []
        for name in self.list_commands(ctx):
            cmd = self._listed(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def _listed(self, ctx, name):
        """The command as a listing shows it: the real one if it is loaded, else a stand-in with its help."""
        target = self.lazy.get(name)
        if target is None or target.split(":")[0] in sys.modules:
            return self.get_command(ctx, name)
        text = help_in_source(target)
        return click.Command(name, **text) if text is not None else self.get_command(ctx, name)


def help_in_source(target: str) -> dict | None:
    """``{"help", "short_help"}`` of the command ``"module:function"`` as its source states them,
    found without importing the module or its packages (None: the source does not say).

    >>> help_in_source("labs.cli.scenario:scenario")
    {'help': 'Generate, verify and list cases.', 'short_help': None}
    """
    module, attr = target.split(":")
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)  # a top-level package is found without being run
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    path = next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)
    if path is None:
        return None
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef) and node.name == attr and any(map(_makes_command, node.decorator_list)):
            given = {kw.arg: kw.value.value for d in node.decorator_list if _makes_command(d)
                     for kw in d.keywords if kw.arg in ("help", "short_help") and isinstance(kw.value, ast.Constant)}
            doc = given.get("help", ast.get_docstring(node))
            return {"help": doc.split("\f")[0] if doc else None, "short_help": given.get("short_help")}
    return None


def _makes_command(decorator: ast.expr) -> bool:
    """``@click.command(...)``, ``@group.command(...)``, ``@click.group(...)`` (not an option's ``help=``)."""
    func = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) in ("command", "group")


@click.group(cls=LazyGroup, lazy={
    "demo": "labs.demo:demo",
    "trace": "tracer.cli:trace",
    "scenario": "labs.cli.scenario:scenario",
    "class": "labs.cli.scenario:class_",
    "course": "labs.course.cli:course",
    "grade": "labs.course.grade.cli:grade",
    "lab": "labs.course.lab:lab",
})
@click.version_option(package_name="tracelab")
def cli():
    """tracelab: lab blockchains, laundering cases and a tracer for investigators in training."""


@cli.group(cls=LazyGroup, lazy={
    "serve": "chains.serve:serve",
    "export": "chains.export_cmd:export",
})
def chain():
    """Run the lab chains."""


@cli.group(cls=LazyGroup, lazy={
    "chain": "chains.evm.bench:bench_chain",
    "utxo": "chains.utxo.bench:bench_utxo",
    "scenario": "labs.bench.scenario:bench_scenario",
    "tracer": "tracer.bench:bench_tracer",
    "grade": "labs.course.bench:bench_grade",
})
def bench():
    """Benchmarks: figures as ratios against a baseline measured in the same run."""


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="tracelab", standalone_mode=True)
    except SystemExit as exc:  # click exits; keep the code for callers and tests
        return int(exc.code or 0)
    return 0

