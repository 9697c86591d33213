"""Whole numbers from query strings and headers, which a user or a client can set to anything."""

from __future__ import annotations

# The largest id PostgreSQL's bigint holds has 19 digits; a longer string is never an id.
MAX_DIGITS = 18


def whole_number(raw: str | None) -> int | None:
    """``raw`` as a non-negative int when it is plain ASCII digits ("²" and "١" are digits to
    ``str.isdigit`` but not to ``int``), else None."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS:
        return int(raw)
    return None


def ids(values) -> list[int]:
    """The values that are ids; the rest are left out."""
    return [number for number in map(whole_number, values) if number is not None]
