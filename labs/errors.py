"""The errors a user of the case pipeline sees, each naming what is wrong (one place, so no module
imports another only for its exception)."""
from __future__ import annotations


class SpecError(ValueError):
    """A scenario spec is invalid; the message names the field, the value and what was expected."""


class StoryError(RuntimeError):
    """The story cannot be played as written: a step finds no proceeds where it looks, or a service
    cannot do what the step asks (an exchange short of coins to sell). Fix the spec."""


class BundleError(RuntimeError):
    """A bundle or key folder cannot be written or read as asked (the message says why)."""
