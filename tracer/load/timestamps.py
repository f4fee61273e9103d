"""Block times as exports write them: UNIX seconds, or a UTC timestamp string; nothing guessed."""
import datetime as dt
import re

from tracer.errors import LoadError

_DIGITS = re.compile(r"[0-9]+\Z")
_TS = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.0+)?\s*(UTC|Z|[+-]\d{2}:?\d{2})\Z")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def parse_timestamp(v, where=("timestamp", None, None)):
    """UNIX seconds from an integer, a digit string or a timestamp string with its zone.

    ``where`` is ``(path, row, column)`` for the error. A time without a zone is an error: which
    zone it meant cannot be known.

    Examples
    --------
    >>> parse_timestamp("2009-01-03 18:15:05 UTC"), parse_timestamp("2009-01-12T03:30:25+00:00")
    (1231006505, 1231731025)
    >>> parse_timestamp(1231006505), parse_timestamp("1231006505")
    (1231006505, 1231006505)
    """
    path, row, column = where
    if isinstance(v, int) and not isinstance(v, bool):
        if v < 0:
            raise LoadError(path, f"negative: {v}", row=row, column=column)
        return v
    if not isinstance(v, str):
        raise LoadError(path, f"not an integer: {v!r} ({type(v).__name__}); a time is whole UNIX seconds or a "
                              "timestamp string", row=row, column=column)
    if _DIGITS.match(v.strip()):
        return int(v)
    m = _TS.match(v.strip())
    if not m:
        raise LoadError(path, f"not a timestamp: {v!r} (expected UNIX seconds or 'YYYY-MM-DD HH:MM:SS UTC')",
                        row=row, column=column)
    y, mo, d, h, mi, s = (int(x) for x in m.group(1, 2, 3, 4, 5, 6))
    zone = m.group(8)
    offset = 0 if zone in ("UTC", "Z") else (1 if zone[0] == "+" else -1) * (
        int(zone[1:3]) * 3600 + int(zone[-2:]) * 60)
    try:
        t = dt.datetime(y, mo, d, h, mi, s, tzinfo=dt.UTC)
    except ValueError as e:
        raise LoadError(path, f"not a timestamp: {v!r} ({e})", row=row, column=column) from None
    return (t - _EPOCH) // dt.timedelta(seconds=1) - offset
