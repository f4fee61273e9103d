"""`tracelab lab`: JupyterLab for a trainee, on 127.0.0.1, in a working copy of the exercises.

The working folder (``--work``, default ``./tracelab-course``) gets a copy of every exercise that
is not already there (a trainee's own work is never overwritten) and the case, copied to
``case/`` beside them if it is not there yet. JupyterLab runs with a fresh token, its
configuration and runtime files inside the working folder, and nothing that reaches out to the
internet (no update checks, no news, a read-only extension manager).
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import click

from chains.ports import free_port

from .build import EXERCISES
from .case import CaseNotFound, find_case


def prepare(work: Path, case: Path, exercises: Path = EXERCISES) -> list[Path]:
    """Copy the exercises and the case into ``work`` (nothing already there is replaced); what was copied."""
    work.mkdir(parents=True, exist_ok=True)
    copied = []
    for nb in sorted(exercises.glob("[0-9][0-9]-*.ipynb")):
        if not (work / nb.name).exists():
            shutil.copyfile(nb, work / nb.name)
            copied.append(work / nb.name)
    target = work / "case"
    if not target.exists():
        shutil.copytree(case, target)
        copied.append(target)
    return copied


class Lab:
    """A running JupyterLab (``url`` carries the token); ``stop()`` ends it and its kernels."""

    def __init__(self, work: Path, port: int, token: str, proc: subprocess.Popen):
        self.work, self.port, self.token, self.proc = work, port, token, proc
        self.url = f"http://127.0.0.1:{port}/lab?token={token}"

    def wait_ready(self, timeout: float = 90) -> Lab:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.proc.returncode}; "
                                   f"see {self.work / '.jupyter' / 'lab.log'}")
            try:
                r = requests.get(f"http://127.0.0.1:{self.port}/api/status", params={"token": self.token}, timeout=2)
                if r.status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer on port {self.port} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # the server shuts its kernels down on SIGTERM
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


#: JupyterLab settings for trainees: every cell stays on the page (so a search finds it), no news popup
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
}


def _settings(folder: Path) -> None:
    import json

    for name, values in SETTINGS.items():
        path = folder / name
        if not path.exists():  # a trainee's own settings stay
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=2) + "\n")


def start(work: Path, case: Path, port: int | None = None, log=None) -> Lab:
    """Prepare ``work`` and start JupyterLab there on 127.0.0.1 (not waiting for it: see :meth:`Lab.wait_ready`)."""
    work = Path(work).resolve()
    prepare(work, case)
    port = port or free_port()
    token = secrets.token_hex(24)
    conf = work / ".jupyter"
    conf.mkdir(exist_ok=True)
    _settings(conf / "user-settings")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(conf / "config"), JUPYTER_DATA_DIR=str(conf / "data"),
               JUPYTER_RUNTIME_DIR=str(conf / "runtime"), TRACELAB_CASE=str(work / "case"),
               JUPYTER_PLATFORM_DIRS="1")
    env.pop("TRACELAB_ANSWERS", None)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly", f"--LabApp.user_settings_dir={conf / 'user-settings'}",
           "--ServerApp.allow_remote_access=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI and containers run as root; the server still binds to loopback only
    with contextlib.ExitStack() as files:  # the server has its own copy of the log's descriptor
        out = log if log is not None else files.enter_context(open(conf / "lab.log", "ab"))
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    return Lab(work, port, token, proc)


@click.command("lab")
@click.option("--case", "case_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The trainee's bundle (default: $TRACELAB_CASE, or case/ here).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port on 127.0.0.1 (default: a free one).")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path), default=Path("tracelab-course"),
              show_default=True, help="The trainee's working folder: exercises and case/ are copied there once.")
def lab(case_dir, port, work):
    """JupyterLab on 127.0.0.1 with the exercises and the trainee's case beside them."""
    import signal

    try:
        case = find_case(case_dir)
    except CaseNotFound as exc:
        raise click.ClickException(str(exc)) from None
    if port:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                raise click.ClickException(f"port {port} on 127.0.0.1 is taken: choose another with --port") from None
    server = start(work, case, port)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.wait_ready()
        click.echo(f"JupyterLab for {case.name}: {server.url}")
        click.echo(f"working folder: {server.work} (exercises and case/; answers.json is written there)")
        click.echo("Open the URL in a browser on this machine. Ctrl-C stops it.", err=True)
        server.proc.wait()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
