"""Tables for a terminal that never wrap or cut a hash or an address, whatever its width.

An investigator copies hashes out of these tables into data requests and reports: a hash folded
over two lines, or cut with an ellipsis, is a wrong hash. So a table is printed at its own full
width (the terminal may scroll or soft-wrap the line; the text stays whole and copyable).
"""
import re

from rich.console import Console
from rich.measure import Measurement


def print_table(table, file=None):
    """Print a rich ``table`` at the width its longest cells need, no cell wrapped or cut.

    Examples
    --------
    >>> import io
    >>> from rich.table import Table
    >>> t = Table(); t.add_column("tx"); t.add_row("0x" + "ab" * 32)
    >>> out = io.StringIO(); print_table(t, out)
    >>> ("0x" + "ab" * 32) in out.getvalue()
    True
    """
    probe = Console(width=80, file=file)
    width = Measurement.get(probe, probe.options.update(width=10**5), table).maximum
    Console(width=max(width, 20), file=file, soft_wrap=False).print(table, crop=False)


def show_address(address):
    """EVM addresses in their EIP-55 checksum form for people (data and JSON stay lower-case).

    >>> show_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"), show_address("bcrt1qxyz")
    ('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'bcrt1qxyz')
    """
    if isinstance(address, str) and re.fullmatch(r"0x[0-9a-f]{40}", address):
        from tracer.load.ethereum_etl import checksum

        return checksum(address)
    return address
