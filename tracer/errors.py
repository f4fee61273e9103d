"""Errors raised by the tracer."""


class LoadError(ValueError):
    """A file could not be read as the format it claims to be.

    The message names the file, the row (1-based data row, header excluded) and the column.
    """

    def __init__(self, path, message, row=None, column=None):
        self.path, self.row, self.column = str(path), row, column
        where = self.path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class SourceError(ValueError):
    """A trace source that cannot be traced from: malformed, ambiguous, or not in the data."""


class LoadWarning(UserWarning):
    """The data loaded, but what it cannot tell should be known: e.g. transactions without receipts,
    whose failures look like successes."""
