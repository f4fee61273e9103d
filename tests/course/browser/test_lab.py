"""JupyterLab from `tracelab lab`, driven in a real browser (Debian's chromium, playwright-core)."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from labs.course import lab

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = [pytest.mark.xdist_group("course"), pytest.mark.skipif(
    not os.environ.get("CI") and not (Path(CHROMIUM).exists() and shutil.which("node")
                                      and (ROOT / "node_modules" / "playwright-core").is_dir()),
    reason="needs Debian's chromium and playwright-core: `make test` installs them")]


def drive(server, notebook, edits=(), wait_for=(), screenshot=None):
    # Run All of 03 traces the case in the kernel: minutes on a loaded 2-core CI machine. The
    # timeouts only guard against a hang; speed is the benchmarks' business.
    job = {"url": f"http://127.0.0.1:{server.port}", "token": server.token, "notebook": notebook,
           "timeout_ms": 300_000,
           "edits": list(edits), "wait_for": list(wait_for), "screenshot": str(screenshot) if screenshot else None}
    proc = subprocess.run(["node", str(Path(__file__).with_name("drive_lab.mjs")), json.dumps(job)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.stdout, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert proc.returncode == 0, result["errors"]
    return result


def test_trainee_runs_module_03_in_jupyterlab(tmp_path, bundle, key):
    """A trainee fills in two decisions of 03-tracing in the browser, runs all cells, and sees
    the self-check say right, then the next question stop with "not done yet"."""
    from labs.course.modules import get

    right = get("03").expected(key, bundle)
    with lab.start(tmp_path / "work", bundle) as server:
        server.wait_ready()
        result = drive(server, "03-tracing.ipynb", edits=[
            {"find": "rules_agree = ...",
             "source": f'rules_agree = "{right["3.rules_agree"]}"\ncourse.answer("3.rules_agree", rules_agree)'},
            {"find": "cashout_deposit = ...",
             "source": f'cashout_deposit = "{right["3.cashout_deposit"]}"\n'
                       'course.answer("3.cashout_deposit", cashout_deposit)\ncourse.check("3.cashout_deposit")'},
        ], wait_for=["3.cashout_deposit: right.", "Not done yet"], screenshot=tmp_path / "lab.png")
    text = "\n".join(result["outputs"])
    assert "reported_by" in text  # the reported payments, rendered as a table
    assert "hot wallet (exchange)" in text  # the deposits table
    assert "deposit_address: measured on" in text  # and the measured rates of reading it so
    assert "Not done yet: fill in your answer to 3.exchange" in text and "Traceback" not in text
    answers = json.loads((tmp_path / "work" / "answers.json").read_text())["answers"]
    assert answers == {"3.rules_agree": {"kind": "choice", "value": right["3.rules_agree"]},
                       "3.cashout_deposit": {"kind": "address", "value": right["3.cashout_deposit"]}}
    assert (tmp_path / "lab.png").stat().st_size > 10_000


def test_lab_command_prints_the_url_with_its_token(tmp_path, bundle):
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "tracelab"), "lab", "--case", str(bundle), "--work",
                             str(tmp_path / "w")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line and "/lab?token=" in line, line
        assert (tmp_path / "w" / "00-how-this-course-works.ipynb").is_file()
        assert (tmp_path / "w" / "case" / "MANIFEST.sha256").is_file()
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0


def test_lab_never_overwrites_a_trainees_work(tmp_path, bundle):
    work = tmp_path / "w"
    work.mkdir()
    (work / "00-how-this-course-works.ipynb").write_text("my work")
    lab.prepare(work, bundle)
    assert (work / "00-how-this-course-works.ipynb").read_text() == "my work"
