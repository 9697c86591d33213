"""Raw SQL helpers for the set-based jobs (the sweeps)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection


def is_one_of(column: str, ids: Sequence[int]) -> tuple[str, list]:
    """``column`` is one of ``ids``, as SQL and its parameters: one array parameter on
    PostgreSQL (a batch of thousands of single parameters took longer to send than the UPDATE
    it fed took to run), an IN list elsewhere (SQLite)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)
