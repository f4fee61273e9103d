"""Where a trace starts: addresses, transactions and outputs, cleaned and checked.

An address copied from a report often carries spaces, backticks or the wrong case: those are
cleaned. A malformed one is an error that says what is wrong (a bad bech32 or base58 checksum,
a mixed-case EVM address whose EIP-55 checksum does not match), and a transaction hash given
where an address belongs says so. Formats the tracer does not know (bitcoin-etl's
``nonstandard…`` names, other chains) are taken as written: the data says whether they appear.
"""
import csv
import re
from dataclasses import dataclass

from tracer.errors import LoadError, SourceError

_HEX40 = re.compile(r"0x[0-9a-fA-F]{40}")
_TXHASH = re.compile(r"(0x)?[0-9a-fA-F]{64}")
_BECH32 = re.compile(r"(bc|tb|bcrt)1[02-9ac-hj-np-z]{6,87}", re.IGNORECASE)
_BASE58 = re.compile(r"[123mn][1-9A-HJ-NP-Za-km-z]{25,34}")
_JUNK = re.compile(r"[\s`'\"]")


def clean_address(text):
    """The address ``text`` names, cleaned (whitespace, backticks and quotes dropped; EVM hex and
    bech32 lower-cased), or :class:`SourceError` saying what is wrong with it.

    Examples
    --------
    >>> clean_address(" `0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed` ")
    '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'
    >>> clean_address("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
    >>> clean_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")
    Traceback (most recent call last):
    ...
    tracer.errors.SourceError: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD: bad EIP-55 checksum (its mixed case ...
    >>> clean_address("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")
    Traceback (most recent call last):
    ...
    tracer.errors.SourceError: bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5: bad bech32 checksum: a typo?
    """
    a = _JUNK.sub("", str(text))
    if not a:
        raise SourceError("an empty address")
    if _TXHASH.fullmatch(a):
        raise SourceError(f"{a}: that is a transaction hash: use --tx (tx= in Python)")
    if a[:2] in ("0x", "0X"):
        if not _HEX40.fullmatch("0x" + a[2:]):
            raise SourceError(f"{a}: not an EVM address (0x and 40 hex digits; this has {len(a) - 2} characters "
                              "after 0x)")
        body = a[2:]
        if body != body.lower() and body != body.upper():
            from tracer.load.ethereum_etl import checksum

            if checksum("0x" + body) != "0x" + body:
                raise SourceError(f"{a}: bad EIP-55 checksum (its mixed case does not match the address): a typo?")
        return "0x" + body.lower()
    if _BECH32.fullmatch(a):
        from embit import bech32

        if a != a.lower() and a != a.upper():
            raise SourceError(f"{a}: a bech32 address is all lower or all upper case, never mixed")
        a = a.lower()
        hrp = a[:a.rindex("1")]
        if bech32.decode(hrp, a) == (None, None):
            raise SourceError(f"{a}: bad bech32 checksum: a typo?")
        return a
    if _BASE58.fullmatch(a):
        from embit import base58

        try:
            base58.decode_check(a)
        except ValueError:
            raise SourceError(f"{a}: bad base58 checksum: a typo?") from None
    return a


def clean_tx(text):
    """``(hash, vout)`` from ``HASH`` or ``HASH:VOUT``, cleaned as :func:`clean_address` does.

    Examples
    --------
    >>> clean_tx(" `ab12:1` ")
    ('ab12', 1)
    >>> clean_tx("0x" + "AB" * 32)[0][:6]
    '0xabab'
    """
    t = _JUNK.sub("", str(text))
    h, _, vout = t.partition(":")
    if not h:
        raise SourceError(f"{text!r}: not a transaction hash")
    if vout and not vout.isdigit():
        raise SourceError(f"output index {vout!r} in {t!r} is not a non-negative integer")
    if not vout and (_HEX40.fullmatch(h) or _BECH32.fullmatch(h)):
        raise SourceError(f"{h}: that is an address: use --address (address= in Python)")
    if re.fullmatch(r"(0x)?[0-9a-fA-F]+", h):
        h = h.lower()
    return h, int(vout) if vout else None


@dataclass(frozen=True)
class Source:
    """Where a trace starts: an address, a transaction, or one output of a transaction.

    ``label`` (a victim's name, say) names the source in results; by default it is the address,
    ``HASH`` or ``HASH:VOUT``.
    """
    address: str | None = None
    tx: str | None = None
    vout: int | None = None
    label: str | None = None

    @classmethod
    def parse(cls, address=None, tx=None, label=None):
        """From the command line's ``--address`` / ``--tx`` (``HASH`` or ``HASH:VOUT``), cleaned.

        Examples
        --------
        >>> Source.parse(tx="ab12:1")
        Source(address=None, tx='ab12', vout=1, label=None)
        >>> Source.parse(address="0xAB" + "0" * 38).address[:6]
        '0xab00'
        """
        if (address is None) == (tx is None):
            raise SourceError("give exactly one of an address or a transaction")
        label = label.strip() if isinstance(label, str) and label.strip() else None
        if address is not None:
            return cls(address=clean_address(address), label=label)
        h, vout = clean_tx(tx)
        return cls(tx=h, vout=vout, label=label)

    @property
    def given(self):
        """The source as written: the address, ``HASH`` or ``HASH:VOUT``."""
        if self.address is not None:
            return self.address
        return self.tx if self.vout is None else f"{self.tx}:{self.vout}"

    @property
    def name(self):
        """What results call it: its label, else :attr:`given`."""
        return self.label or self.given


def as_sources(sources):
    """A list of :class:`Source` from what a notebook passes: an address, ``HASH[:VOUT]``, a
    Source, a list of those, or a table with an ``address`` or ``tx`` column (and ``label``).

    A bare string of 64 hex digits (or ``HASH:VOUT``) is a transaction; anything else an address.

    Examples
    --------
    >>> [s.given for s in as_sources(["0x" + "1" * 40, "ab" * 32 + ":0"])][1][-2:]
    ':0'
    """
    import pandas as pd

    if isinstance(sources, (str, Source)):
        sources = [sources]
    if isinstance(sources, pd.DataFrame):
        return _from_rows(sources.to_dict("records"), "the sources table")
    out = []
    for s in sources:
        if isinstance(s, Source):
            out.append(s)
        elif isinstance(s, str):
            bare = _JUNK.sub("", s)
            looks_tx = _TXHASH.fullmatch(bare.partition(":")[0]) and (":" in bare or _TXHASH.fullmatch(bare))
            out.append(Source.parse(tx=s) if looks_tx else Source.parse(address=s))
        else:
            raise SourceError(f"not a source: {s!r} (give an address, a tx hash, HASH:VOUT or a Source)")
    if not out:
        raise SourceError("no sources given")
    return out


def _from_rows(rows, where, path=None):
    out = []
    for n, r in enumerate(rows, 1):
        address, tx = r.get("address"), r.get("tx")
        address = address if isinstance(address, str) and address.strip() else None
        tx = tx if isinstance(tx, str) and tx.strip() else None
        try:
            out.append(Source.parse(address=address, tx=tx, label=r.get("label")))
        except SourceError as e:
            if path is not None:
                raise LoadError(path, str(e), row=n, column="tx" if tx else "address") from None
            raise SourceError(f"{where}, row {n}: {e}") from None
    if not out:
        raise SourceError(f"{where} lists no sources")
    return out


def read_sources(path):
    """Sources from a CSV file with an ``address`` or a ``tx`` column (one per row), and an
    optional ``label``; errors name the file, row and column.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "victims.csv")
    >>> _ = open(p, "w").write("label,tx\\nAna,ab12:0\\nBo,cd34\\n")
    >>> [(s.name, s.tx, s.vout) for s in read_sources(p)]
    [('Ana', 'ab12', 0), ('Bo', 'cd34', None)]
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in (reader.fieldnames or [])]
            if not {"address", "tx"} & set(header):
                raise LoadError(path, f"needs an 'address' or a 'tx' column; the header is {header}")
            rows = [{(k or "").strip(): v for k, v in r.items()} for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise LoadError(path, f"cannot read it: {e}") from None
    return _from_rows(rows, str(path), path)
