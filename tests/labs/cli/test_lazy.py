"""`tracelab --help` and the listing commands import only what they need: no web3, pandas or chains.

Checked in a fresh interpreter (``sys.modules`` after the command), not timed: what a command
imports is what makes it slow, and that can be asserted exactly.
"""
from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from labs.cli import LazyGroup, cli, help_in_source

HEAVY = ("web3", "eth_account", "pandas", "pyarrow", "matplotlib", "chains", "tracer")

PROBE = """
import json, sys
from labs.cli import main
code = main({argv!r})
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
sys.exit(code)
"""


@pytest.mark.parametrize("argv", [["--help"], ["bench", "--help"], ["chain", "--help"], ["scenario", "--help"],
                                  ["scenario", "catalog"], ["scenario", "catalog", "--json"]], ids=" ".join)
def test_listing_commands_import_nothing_heavy(argv):
    proc = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    out, _, modules = proc.stdout.rpartition("\nMODULES ")
    assert "Usage:" in out or "investment-fraud" in out
    loaded = {m.split(".")[0] for m in json.loads(modules)}
    assert not loaded & set(HEAVY), f"tracelab {' '.join(argv)} imported {sorted(loaded & set(HEAVY))}"


def _lazy_groups(group: click.Group, path: str = "tracelab"):
    yield path, group
    for name, cmd in group.commands.items():
        if isinstance(cmd, LazyGroup):
            yield from _lazy_groups(cmd, f"{path} {name}")


@pytest.mark.parametrize(("path", "group"), [pytest.param(p, g, id=p) for p, g in _lazy_groups(cli)])
def test_the_help_a_listing_reads_from_the_source_is_the_commands_own(path, group):
    for name, target in group.lazy.items():
        said = help_in_source(target)
        assert said is not None, f"{path} {name}: {target} has no help in its source (listing would import it)"
        real = group.get_command(click.Context(group), name)
        assert click.Command(name, **said).get_short_help_str(60) == real.get_short_help_str(60), f"{path} {name}"


def test_help_in_source_says_none_for_what_it_cannot_find():
    assert help_in_source("labs.cli.scenario:no_such_command") is None
    assert help_in_source("no_such_package.cli:main") is None
    assert help_in_source("labs.no_such_module:main") is None
