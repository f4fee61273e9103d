"""A report cites the measured rates of every heuristic its trace relied on, read from the rates
file, and says so plainly where it relied on none."""
import json

import pytest

import tracer as tr
from tracer.heuristics import measured
from tracer.heuristics.citations import relied_on, section
from tracer.heuristics.examples import call, evm, send, tx, utxo
from tracer.heuristics.follow import trace

from .test_follow import D, E18, HOT, P1, TAGS, VICTIM, h


def _peel_chain():
    hs = [c * 64 for c in "abc"]
    return utxo(tx(hs[0], [("src", 10_000_000, "f" * 64 + ":0")], [("p1", 1_000_000), ("c1", 8_990_000)]),
                tx(hs[1], [("c1", 8_990_000, hs[0] + ":1")], [("p2", 2_000_000), ("c2", 6_980_000)], block=2),
                tx(hs[2], [("c2", 6_980_000, hs[1] + ":1")], [("p3", 1_000_000), ("c3", 5_970_000)], block=3))


def test_a_plain_trace_says_it_rests_on_no_heuristic():
    t = _peel_chain()
    text = "\n".join(section(tr.trace(t, "src", hops=2), t))
    assert "No heuristic: every flow follows an exact rule over the data" in text
    assert "measured on" not in text and "tracelab evaluate" not in text


def test_followed_legs_cite_the_rates_file_and_follow_a_changed_copy(tmp_path):
    t = _peel_chain()
    r = trace(t, "src", ["change"], hops=1)
    text = "\n".join(section(r, t))
    assert "| legs | `peel_chain` (2 medium) | 2 |" in text
    assert measured.cite("peel_chain") in text and measured.source() in text
    # the same report from another rates file: its counts and its command, nothing remembered
    copy = json.loads(measured.PATH.read_text())
    copy["counts"]["peel_chain"] = [3, 1, 1]
    copy["command"] = "tracelab evaluate --cases 7 --seed 5"
    copy["cases"], copy["seed"] = 7, 5
    path = tmp_path / "measured.json"
    path.write_text(json.dumps(copy))
    other = "\n".join(section(r, t, path=path))
    assert "measured on 7 lab cases: precision 75.00% (95% CI 30.06-95.45%, 1 wrong of 4), recall 75.00%" in other
    assert "`tracelab evaluate --cases 7 --seed 5`: 7 lab cases (seed 5," in other
    assert measured.cite("peel_chain") not in other


def test_a_rates_file_is_read_once_until_it_is_rewritten(tmp_path, monkeypatch):
    t = _peel_chain()
    r = trace(t, "src", ["change"], hops=1)
    path = tmp_path / "measured.json"
    copy = json.loads(measured.PATH.read_text())
    path.write_text(json.dumps(copy))
    reads = []
    read_text = measured.Path.read_text

    def counted(self, *args, **kwargs):
        reads.append(self)
        return read_text(self, *args, **kwargs)
    monkeypatch.setattr(measured.Path, "read_text", counted)
    section(r, t, path=path)
    section(r, t, path=path)
    assert reads == [path.resolve()]
    copy["counts"]["peel_chain"], copy["cases"] = [3, 1, 1], 7  # rewritten: read again, its new counts cited
    path.write_text(json.dumps(copy))
    assert "measured on 7 lab cases: precision 75.00%" in "\n".join(section(r, t, path=path))
    assert len(reads) == 2


def test_an_entry_named_by_the_deposit_address_heuristic_cites_it():
    t = evm(send(VICTIM, P1, 3 * E18, tx=h("1"), block=1),
            send(P1, D, 3 * E18 - 10**15, tx=h("2"), block=2),
            call(h("3"), HOT, internal=[(D, HOT, 3 * E18 - 10**15)], block=3))
    plain = tr.trace(t, VICTIM, stop=TAGS)
    parts = relied_on(plain, t, TAGS)
    assert [(p["part"], p["heuristic"], p["count"]) for p in parts] == [("flows", None, len(plain.flows)),
                                                                       ("entries", "deposit_address", 1)]
    assert measured.cite("deposit_address") in "\n".join(section(plain, t, TAGS))
    # traced as one pool, the entry is the pool: the pools and the entry both rest on deposit_address
    pooled = trace(t, VICTIM, follow=["cluster"], tags=TAGS)
    parts = relied_on(pooled, t, TAGS)
    assert [(p["part"], p["heuristic"]) for p in parts] == [("flows", None), ("pools", "deposit_address"),
                                                            ("entries", "deposit_address")]


def test_an_entry_no_heuristic_names_is_said_to_be_read_from_the_data():
    t = evm(send(VICTIM, HOT, 3 * E18, tx=h("1"), block=1))  # the victim pays the exchange itself
    parts = relied_on(tr.trace(t, VICTIM, stop=TAGS), t, TAGS)
    assert parts[-1]["part"] == "entries" and parts[-1]["heuristic"] is None
    assert "read from the data alone" in parts[-1]["claim"]


def test_a_followed_trace_that_searched_for_deposit_addresses_is_not_searched_again(monkeypatch):
    import tracer.heuristics.registry as registry

    t = evm(send(VICTIM, HOT, 3 * E18, tx=h("1"), block=1))  # no deposit address: the search finds none
    pooled = trace(t, VICTIM, follow=["cluster"], tags=TAGS)
    assert "deposit_address" in pooled.ran
    runs = []
    monkeypatch.setattr(registry, "run", lambda *a, **k: runs.append(k) or pytest.fail("searched again"))
    assert relied_on(pooled, t, TAGS)[-1]["heuristic"] is None and runs == []
