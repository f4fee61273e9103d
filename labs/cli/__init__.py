"""The `tracelab` command line.

Sub-commands live beside what they drive (chains/, tracer/, labs/) and are wired in here, so that
`tracelab --help` starts fast: each group imports its module only when it runs.
"""
from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use.

    ``lazy`` maps a command name to ``"module:attribute"``, the attribute being a click command.
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


@click.group(cls=LazyGroup, lazy={
    "demo": "labs.demo:demo",
    "trace": "tracer.cli:trace",
    "cluster": "tracer.heuristics.cli:cluster",
    "heuristics": "tracer.heuristics.cli:heuristics",
    "evaluate": "labs.evaluate.cli:evaluate_cmd",
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
    "heuristics": "labs.bench.heuristics:bench_heuristics",
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

