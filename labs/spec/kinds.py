"""The kinds of chain a spec may name, and what differs between them that is not a lane's work.

A lane (``labs/world``) does what differs when a case is made; this table holds what the spec
checks and what the bundle and the case file say of a chain. Code that would ask ``kind ==``
reads the kind's entry instead, so a new kind of chain is one entry here and one lane.

>>> KINDS["evm"].named, KINDS["utxo"].named
('an EVM', 'a UTXO')
>>> [k for k, kind in KINDS.items() if kind.numbered]
['evm']
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChainKind:
    #: how errors and the case file name the kind: "EVM", "UTXO"
    label: str
    #: the indefinite article the label takes in an error ("an EVM chain")
    article: str
    #: the chain's own coin: what its fees are paid in, the unit of its plain transfers
    coin: str
    #: it has an EIP-155 chain id (a spec's ``chain_id``), which sets its transactions apart
    #: from those of another chain of the kind: two such chains of a spec must differ in it
    numbered: bool
    #: a spec has at most one chain of this kind (the lab serves one Bitcoin Core RPC port)
    single: bool
    #: what the case file says of such a chain after its label
    about: str

    @property
    def named(self) -> str:
        return f"{self.article} {self.label}"

    def describe(self, chain) -> str:
        """How the case file names ``chain`` (a :class:`labs.spec.ChainSpec` of this kind).

        >>> from labs.spec import ChainSpec
        >>> KINDS["evm"].describe(ChainSpec("ethereum", "evm", 1337))
        'ethereum (EVM, chain id 1337)'
        """
        return f"{chain.name} ({self.label}, {self.about.format(chain_id=chain.chain_id)})"


#: kind (as a spec writes it) -> what it is; the order is the one errors list them in
KINDS = {
    "evm": ChainKind("EVM", "an", "ETH", numbered=True, single=False, about="chain id {chain_id}"),
    "utxo": ChainKind("UTXO", "a", "BTC", numbered=False, single=True, about="Bitcoin-like regtest"),
}
