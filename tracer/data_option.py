"""The ``--data`` option the tracer's commands share, which also takes the paths as arguments.

``tracelab trace . --address ...`` in a bundle's folder is what a new user types first; it said
"Missing option '--data'". Both forms are one list of paths, in the order given.
"""
import functools

import click

HELP = "Export files or folders (ethereum-etl, bitcoin-etl, a scenario bundle); repeat for several."


def data_paths(command):
    """Decorate a command taking ``data`` (a tuple of paths): ``--data PATH`` repeated, or the
    paths as arguments, or both."""
    @functools.wraps(command)
    def run(*args, data=(), paths=(), **kwargs):
        data = tuple(data) + tuple(paths)
        if not data:
            raise click.UsageError("give the data to read: a bundle or an export folder, as --data PATH or PATH")
        return command(*args, data=data, **kwargs)

    run = click.option("--data", "data", multiple=True, type=click.Path(exists=True), help=HELP)(run)
    return click.argument("paths", nargs=-1, type=click.Path(exists=True), metavar="[PATH]...")(run)
