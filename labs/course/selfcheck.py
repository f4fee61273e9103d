"""Self-checks: salted hashes of a trainee's right answers, shipped in the bundle.

``course.check("3.cashout_deposit")`` hashes the recorded answer the same way and compares: it can
say right or not right, never what the answer is. The salt is per trainee (from the case, its seed
and the trainee's id): the same answer in two trainees' bundles has two unrelated hashes, even
where a roster gave two trainees one seed, and the question id is hashed with the answer, so two
questions with one answer do not show it. The hash is scrypt, slow on purpose: only answers with
too many possible values to try get a self-check (:data:`labs.course.questions.SELF_CHECKED`), and
the slowness makes trying values by the million expensive. A trainee who calls ``check`` for every
address in the data will still find an address answer by elimination: self-checks are there to
learn with, and the grade comes from the grader, against the key, which never enters the bundle.

File ``course/selfcheck.json`` in the bundle::

    {"format": "tracelab-selfcheck/1", "kdf": {"name": "scrypt", "n": ..., "r": ..., "p": ..., "dklen": ...},
     "salt": "<hex>", "questions": {"<question id>": "<hex digest>", ...}}
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import modules as M
from .questions import canonical_text

FILE = Path("course") / "selfcheck.json"
FORMAT = "tracelab-selfcheck/1"
KDF = {"name": "scrypt", "n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}


def digest(qid: str, canonical: str, salt: bytes, kdf: dict = KDF) -> str:
    """The self-check hash of one answer's canonical text."""
    if kdf.get("name") != "scrypt":
        raise ValueError(f"self-check hash {kdf.get('name')!r} is not known to this version of tracelab")
    return hashlib.scrypt(f"{qid}\n{canonical}".encode(), salt=salt, n=kdf["n"], r=kdf["r"], p=kdf["p"],
                          dklen=kdf["dklen"], maxmem=2 ** 26).hex()


def salt_for(key: dict) -> bytes:
    """The trainee's salt: from the case's name, its seed and the trainee (``""`` outside a class),
    so the same case gives the same bundle bytes and no two trainees share a salt."""
    return hashlib.sha256(f"tracelab-selfcheck/{key['case']}/{key['seed']}/{key.get('trainee', '')}"
                          .encode()).digest()[:16]


def expected_answers(key: dict, bundle: Path) -> dict[str, dict]:
    """Every module's right answers for this case: ``{module id: {question id: answer or None}}``
    (none for a module not written for it, as the grader has none)."""
    return {m.id: {} if m.unsupported(key) else m.expected(key, Path(bundle)) for m in M.modules().values()}


def build(key: dict, bundle: Path, answers: dict | None = None) -> dict:
    """The self-check document of a case (see the module docstring); ``answers`` (as
    :func:`expected_answers` gives them) are computed from the key and bundle when not given."""
    salt = salt_for(key)
    hashes = {}
    for mid, right in (answers or expected_answers(key, bundle)).items():
        mod = M.get(mid)
        for q in mod.questions:
            value = right.get(q.id)
            if q.self_checked and value is not None:
                hashes[q.id] = digest(q.id, canonical_text(q, value, bundle), salt)
    return {"format": FORMAT, "kdf": KDF, "salt": salt.hex(), "questions": dict(sorted(hashes.items()))}


def write(bundle: Path, key: dict) -> Path:
    """Write ``course/selfcheck.json`` into ``bundle`` (called by the bundle writer, before the manifest)."""
    path = Path(bundle) / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build(key, bundle), indent=2, sort_keys=True) + "\n")
    return path


def read(bundle: Path) -> dict | None:
    """A bundle's self-checks, or None if it has none (a bundle made before the course existed)."""
    path = Path(bundle) / FILE
    if not path.is_file():
        return None
    doc = json.loads(path.read_text())
    if doc.get("format") != FORMAT:
        raise ValueError(f"{path}: format {doc.get('format')!r}, expected {FORMAT!r}")
    return doc
