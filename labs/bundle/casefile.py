"""The trainee's case file (``brief.md``): what the police received, written as real reports are.

It holds the victims' statements (each payment's date, amount, the address paid from and to, the
transaction hash and, on a UTXO chain, the output index) or the hacked service's incident report,
the data the trainee has, the services known to exist in this case, and how to open the chains.
It never names a laundering technique or a step of the story: finding those is the exercise.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from chains.serve import BTC_PORT, EVM_PORT, RPC_PASSWORD, RPC_USER

from ..spec.kinds import KINDS
from ..world import names
from ..units import DAY, HOUR, decimals_of, fmt

#: what the trainee runs, in the bundle's folder, to serve every chain of the case (tested)
SERVE_COMMAND = "tracelab chain serve --bundle ."
#: chain kind -> the first port ``SERVE_COMMAND`` serves that kind on (the chains of a kind take the
#: ports from there in the order of their names) and what answers there
SERVED = {"evm": (EVM_PORT, "Ethereum JSON-RPC"),
          "utxo": (BTC_PORT, f"Bitcoin Core JSON-RPC, user {RPC_USER}, password {RPC_PASSWORD}")}


def when(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d")


def _amount(v: dict) -> str:
    asset = v.get("asset", "ETH")
    return fmt(v["amount"], decimals_of(asset), asset)


def _outputs(payments: list[dict]) -> bool:
    """Whether a payment is named by its output too (it was made on a UTXO chain): the tables then
    have an ``output`` column."""
    return any(v.get("vout") is not None for v in payments)


def _payment_table(payments: list[dict], *, utxo: bool, who: bool = False) -> list[str]:
    head = ["date", "amount", "paid from", "paid to", "transaction"] + (["output"] if utxo else [])
    if who:
        head.insert(0, "reported by")
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for v in payments:
        row = [when(v["time"]), _amount(v), f"`{v['from']}`", f"`{v['to']}`", f"`{v['tx']}`"]
        if utxo:
            row.append(str(v["vout"]))
        if who:
            row.insert(0, v["name"])
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _statements(world) -> tuple[list[str], int]:
    """One statement per victim, in the order they reached the police; and when the last one did."""
    victims = world.truth.victims
    platform, ransom, hack = (world.notes.get(k) for k in ("platform", "ransom", "hack"))
    utxo = _outputs(victims)
    rng = world.rng("casefile")
    if hack:
        received = max(v["time"] for v in victims) + rng.randint(2, 12) * HOUR
        return [f"### Incident report of {hack['exchange']} ({names.country_name(hack['jurisdiction'])})", "",
                f"Our hot wallet `{hack['hot_wallet']}` on the {hack['chain']} chain sent the transfers below, "
                "which nobody at the exchange authorised. The key of the hot wallet must be considered "
                "compromised; we have moved the remaining funds.", "",
                *_payment_table(sorted(victims, key=lambda v: (v["time"], v["tx"])), utxo=utxo), ""], received
    by_victim: dict[str, list[dict]] = defaultdict(list)
    for v in sorted(victims, key=lambda v: (v["time"], v["tx"])):
        by_victim[v["victim"]].append(v)
    reports = sorted(by_victim.values(), key=lambda ps: (ps[-1]["time"], ps[0]["victim"]))
    lines, last = [], 0
    for pays in reports:
        first = pays[0]
        received = pays[-1]["time"] + rng.randint(1, 10) * DAY
        last = max(last, received)
        coin = "bitcoin" if first.get("asset") == "BTC" else "ether"
        if ransom:
            lines += [f"### Incident report of {first['name']} ({names.country_name(first['country'])}), "
                      f"received {day(received)}", "",
                      f"Our systems were encrypted by ransomware. The ransom note demanded payment in {coin} to "
                      f"the address `{first['to']}`. We bought the coins at {first.get('bought_at', 'an exchange')} "
                      "and paid the ransom from our own wallet:", ""]
        else:
            where = f"an online trading platform, **{platform['name']}**," if platform else "a contact online"
            lines += [f"### Statement of {first['name']} ({names.country_name(first['country'])}), "
                      f"received {day(received)}", "",
                      f"I was persuaded by {where} to invest in cryptocurrency. They told me to buy {coin} at "
                      f"{first.get('bought_at', 'an exchange')} and send it to deposit addresses they gave me; "
                      "my account there showed profits, but I could never withdraw. My payments:", ""]
        lines += [*_payment_table(pays, utxo=utxo), ""]
    return lines, last


def _annex(world) -> list[str]:
    """One table of every reported payment, the brief's first (``reports.csv`` holds the same rows)."""
    victims = sorted(world.truth.victims, key=lambda v: (v["time"], v["tx"]))
    utxo = _outputs(victims)
    head = ["reported by", "country", "date", "amount", "from (victim)", "to", "tx hash"] + (["output"] if utxo else [])
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for v in victims:
        row = [v["name"], v["country"], when(v["time"]), _amount(v), f"`{v['from']}`", f"`{v['to']}`", f"`{v['tx']}`"]
        lines.append("| " + " | ".join(row + ([str(v["vout"])] if utxo else [])) + " |")
    return lines


#: ``reports.csv``: the annex's rows for a program to read, amounts in base units (``labs.course.case``)
REPORT_COLUMNS = ["reported_by", "country", "date", "chain", "asset", "amount", "from", "to", "tx", "vout"]


def reports_csv(world) -> str:
    """``reports.csv``: every reported payment, as the statements give it, in the annex's order."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REPORT_COLUMNS)
    for v in sorted(world.truth.victims, key=lambda v: (v["time"], v["tx"])):
        w.writerow([v["name"], v["country"], when(v["time"]), v["chain"], v.get("asset", "ETH"), int(v["amount"]),
                    v["from"], v["to"], v["tx"], "" if v.get("vout") is None else v["vout"]])
    return buf.getvalue()


def _services(tags: dict) -> list[str]:
    """The known services of this case, from its tag pack: each label once, with its chains."""
    import json

    chains: dict[tuple[str, str], list[str]] = {}
    for t in tags["tags"]:
        label = t["label"].split(":")[0]
        key = (t["category"], label)
        chain = json.loads(t["context"])["lab_chain"]
        if chain not in chains.setdefault(key, []):
            chains[key].append(chain)
    return [f"  - {label} ({category.replace('_', ' ')}; {', '.join(cs)})"
            for (category, label), cs in sorted(chains.items())]


def _count(n, word):
    """``n`` and ``word``, plural unless one.

    >>> _count(1, "payment"), _count(12, "report")
    ('1 payment', '12 reports')
    """
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def brief(case, reference: str, tags: dict) -> str:
    """The case file (markdown) for ``case``, under its ``reference``."""
    world, spec = case.world, case.spec
    victims = world.truth.victims
    statements, opened = _statements(world)
    lines = [f"# Case file {reference}", "",
             f"Opened {day(opened)}. {_count(len(victims), 'payment')} in "
             f"{_count(len({v['victim'] for v in victims}), 'report')}, each reproduced below as received.", "",
             "## The reported payments", "",
             "Every payment of the reports below, in the order they were made.", "",
             *_annex(world), "",
             "## Reports", "", *statements]
    swaps = "swap-service" in world.actors
    answer = "Exchanges and the instant swap service answer" if swaps else "Exchanges answer"
    chains = ", ".join(KINDS[c.kind].describe(c) for c in spec.chains)
    endpoints = []
    for kind, (port, protocol) in SERVED.items():
        # in the order of their names, as `tracelab chain serve --bundle` gives them ports
        of_kind = sorted((c for c in spec.chains if c.kind == kind), key=lambda c: c.name)
        endpoints += [f"{c.name} at http://127.0.0.1:{port + i} ({protocol})" for i, c in enumerate(of_kind)]
    lines += ["## What you have", "",
              f"- Chain data of {chains}: `exports/<chain>/`, in the ethereum-etl (EVM) and bitcoin-etl (UTXO) "
              "schemas; `chains/<chain>/replay.jsonl` rebuilds each chain exactly.",
              "- Attributions of the known services (`tags/services.yaml`, GraphSense TagPack). In this case:",
              *_services(tags),
              f"- {answer} production orders for the customer behind a deposit address"
              f"{' or an order' if swaps else ''}.", "",
              "## Opening the chains", "",
              "In this folder, run", "", "```", SERVE_COMMAND, "```", "",
              "which serves " + "; ".join(endpoints) + ", until Ctrl-C.", "",
              "## Your tasks", "",
              "1. Trace the reported funds forward from the payments above.",
              "2. Identify every address the perpetrators control, and how the funds were moved.",
              "3. Find where the funds were cashed out, how much reached each cash-out point, and to whom a "
              "production order goes (which service, which deposit address).",
              "4. Say which assets could still be frozen or seized, where, and on what evidence.", ""]
    return "\n".join(lines)
