"""What a trace relied on, for its report: every heuristic it used with its measured error rates,
and, plainly, where it used none.

A trace's hops follow a tracing rule over what the chain records (an output to the input that
spends it, an account's deposits to its withdrawals): given the rule, nothing there is guessed.
A court asks about the rest: a leg that goes on where a heuristic says the value went
(:mod:`tracer.heuristics.follow`), addresses traced as one owner's pool, an entry address read as
an exchange customer's deposit address. :func:`relied_on` lists each such part of a trace with
the heuristic behind it; :func:`section` writes it as the markdown a report quotes, each
heuristic's precision and recall with their 95% Wilson intervals read from the rates file
(:mod:`tracer.heuristics.measured`) and the command that measured them.
"""
from __future__ import annotations

from . import evidence as E
from ..transfers import utxo_chains
from .measured import cite, source

#: the heuristic that reads an address paying an exchange as one customer's deposit address
DEPOSIT = "deposit_address"


def relied_on(result, transfers=None, tags=None, evidence=None):
    """The parts of a trace and what each rests on: a list of dicts ``part``, ``heuristic`` (None:
    no heuristic), ``confidence``, ``count`` (how many of that part) and ``claim`` (in words).

    Parameters
    ----------
    result : tracer.result.TraceResult or tracer.heuristics.follow.FollowedTrace
    transfers : pandas.DataFrame, optional
        The table traced: which chains are UTXO chains, and (with ``tags``) the deposit-address
        rows that name entry addresses, where ``evidence`` is not given.
    tags : tags table, optional
        The services the trace stopped at.
    evidence : pandas.DataFrame, optional
        Evidence rows already found (:func:`tracer.heuristics.run`).

    Examples
    --------
    >>> import tracer as tr
    >>> from tracer.heuristics.examples import tx, utxo
    >>> t = utxo(tx("a" * 64, [("src", 10_000)], [("p", 6_000), ("q", 3_900)]))
    >>> [(p["part"], p["heuristic"], p["count"]) for p in relied_on(tr.trace(t, "src", hops=2), t)]
    [('flows', None, 4)]
    """
    followed = hasattr(result, "legs")
    if evidence is None:
        evidence = getattr(result, "evidence", None)
    rule = result.results[0].rule if followed else result.rule
    # every flow of every leg follows the rule; a leg's start is where a heuristic comes in
    parts = [{"part": "flows", "heuristic": None, "confidence": None, "count": len(result.flows),
              "claim": f"every flow follows the {rule} rule over what the chain records (which output or account "
                       "paid which): an exact rule over the data, no heuristic"}]
    clusters = getattr(result, "clusters", None)
    if followed and clusters is not None and len(clusters):
        pools = int(clusters["cluster"].nunique())
        parts.append({"part": "pools", "heuristic": DEPOSIT, "confidence": None, "count": pools,
                      "claim": f"{len(clusters)} addresses traced as {pools} owners' pools (cluster-N): addresses "
                               "paying one deposit address are one customer's"})
    if followed:
        legs = result.legs[result.legs["heuristic"].notna()]
        for name, part in legs.groupby("heuristic", sort=False):
            exact = int(part["exact"].astype(bool).sum())
            levels = ", ".join(f"{n} {c}" for c, n in part["confidence"].value_counts().sort_index().items())
            parts.append({"part": "legs", "heuristic": name, "confidence": levels, "count": len(part),
                          "claim": f"{len(part)} leg(s) go on where {name} says the value went ({exact} exact, "
                                   f"{len(part) - exact} an upper bound); its reason is on each leg"})
    ends = result.final() if followed else result.endpoints
    entries = ends[(ends["why"] == "attributed service") & ends["entry"].notna()]
    entries = entries.drop_duplicates(["chain", "entry"])
    if len(entries):
        searched = DEPOSIT in (getattr(result, "ran", None) or ())
        parts += _entries(entries, transfers, tags, evidence, clusters, searched)
    return parts


def _entries(entries, transfers, tags, evidence, clusters=None, searched=False):
    """The entry addresses at attributed services: named by the deposit-address heuristic, or read
    from the data alone. An entry that is a pool (``cluster-N``) stands for its addresses. The
    heuristic is run here unless ``evidence`` holds its rows, or ``searched``: it ran and found none."""
    utxo = utxo_chains(transfers) if transfers is not None else set()
    account = entries[~entries["chain"].isin(utxo)]
    rows = E.empty() if evidence is None else evidence[evidence[E.HEURISTIC] == DEPOSIT]
    if rows.empty and not searched and transfers is not None and tags is not None and len(account):
        from .registry import run

        rows = run(transfers, only=[DEPOSIT], tags=tags).evidence
    named = set(zip(rows[E.CHAIN], rows[E.B], strict=True))
    pools = {}
    if clusters is not None:
        for c, a, k in zip(clusters["chain"], clusters["address"], clusters["cluster"], strict=True):
            pools.setdefault((c, f"cluster-{k}"), []).append(a)
    hit = [any((c, a) in named for a in pools.get((c, e), [e]))
           for c, e in zip(account["chain"], account["entry"], strict=True)]
    n_hit = sum(hit)
    out = []
    if n_hit:
        out.append({"part": "entries", "heuristic": DEPOSIT, "confidence": None, "count": n_hit,
                    "claim": f"{n_hit} entry address(es) read as an exchange customer's deposit address: it forwarded "
                             "what it received to the exchange, soon and nearly all of it (Victor 2020)"})
    rest = len(entries) - n_hit
    if rest:
        out.append({"part": "entries", "heuristic": None, "confidence": None, "count": rest,
                    "claim": f"{rest} entry address(es) read from the data alone: the address that paid the service. "
                             "No measured heuristic says whose it is; the service's records do (the production order)"})
    return out


def section(result, transfers=None, tags=None, evidence=None, path=None, title="What this trace relies on"):
    """The markdown lines of a report's section on what the trace relied on (:func:`relied_on`),
    each heuristic cited with its measured rates from ``path`` (default: the shipped rates file).

    Examples
    --------
    >>> import tracer as tr
    >>> from tracer.heuristics.examples import tx, utxo
    >>> t = utxo(tx("a" * 64, [("src", 10_000)], [("p", 6_000), ("q", 3_900)]))
    >>> print("\\n".join(section(tr.trace(t, "src", hops=2), t)))  # doctest: +ELLIPSIS
    ## What this trace relies on
    <BLANKLINE>
    No heuristic: ...
    """
    parts = relied_on(result, transfers, tags, evidence)
    used = [p for p in parts if p["heuristic"]]
    lines = [f"## {title}", ""]
    if not used:
        lines += ["No heuristic: every flow follows an exact rule over the data (the tracing rule applied to what "
                  "the chain records); no link in this trace rests on a heuristic.", ""]
    else:
        lines += ["Where this trace rests on a heuristic, and how often that heuristic was wrong where the truth was "
                  "known; the other parts are exact rules over the data.", ""]
    lines += ["| part | rests on | how many | what it claims | measured error rates |",
              "| --- | --- | ---: | --- | --- |"]
    for p in parts:
        name = f"`{p['heuristic']}`" + (f" ({p['confidence']})" if p["confidence"] else "") if p["heuristic"] \
            else "no heuristic"
        rates = (cite(p["heuristic"], path) or "not measured") if p["heuristic"] else "none needed"
        lines.append(f"| {p['part']} | {name} | {p['count']} | {p['claim']} | {rates} |")
    lines.append("")
    if used:
        lines += [f"Rates from {source(path)}.", ""]
    return lines
