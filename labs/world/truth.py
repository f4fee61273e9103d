"""The ground truth of a case: what the instructor's key says happened, in exact integers."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Move:
    """One value transfer a laundering step made."""

    step: int
    typology: str
    chain: str
    tx: str
    sender: str
    recipient: str
    asset: str
    amount: int
    note: str = ""


@dataclass
class Truth:
    steps: list[dict] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    #: actor id -> addresses it controls (per chain) that took part in the case
    clusters: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    cashouts: list[dict] = field(default_factory=list)
    victims: list[dict] = field(default_factory=list)
    seized_assets: list[dict] = field(default_factory=list)
    #: every mixer note of every user: deposit and (if made in the case) withdrawal
    mixer_notes: list[dict] = field(default_factory=list)
    #: every order at the instant swap service: BTC in, ETH out
    swap_orders: list[dict] = field(default_factory=list)
    #: every CoinJoin round on the UTXO chain
    coinjoins: list[dict] = field(default_factory=list)

    def begin_step(self, index: int, typology: str, params: dict) -> None:
        self.steps.append({"step": index, "typology": typology, "params": params, "summary": ""})

    def summarize(self, index: int, summary: str) -> None:
        for s in self.steps:
            if s["step"] == index:
                s["summary"] = summary

    def move(self, **kw) -> Move:
        m = Move(**kw)
        self.moves.append(m)
        return m

    def control(self, actor_id: str, chain: str, address: str) -> None:
        addrs = self.clusters.setdefault(actor_id, {}).setdefault(chain, [])
        if address not in addrs:
            addrs.append(address)

    def to_json(self) -> dict:
        steps = []
        for s in self.steps:
            moves = [asdict(m) for m in self.moves if m.step == s["step"]]
            for m in moves:
                m["amount"] = str(m["amount"])
            steps.append({**s, "transactions": moves})
        return {
            "steps": steps,
            "clusters": self.clusters,
            "cashouts": [{**c, "amount": str(c["amount"])} for c in self.cashouts],
            "victims": [{**v, "amount": str(v["amount"])} for v in self.victims],
        }
