"""What PostgreSQL reads to answer a query, from its own plan: for tests that a page or an API
list reads its rows, not the rows before them."""

from __future__ import annotations

from django.db import connection, transaction


def referrals_read(sql: str) -> int:
    """How many rows of the referrals table PostgreSQL read to answer ``sql`` (EXPLAIN ANALYZE:
    the rows each scan of it returned and those it read and filtered out), planned as for a tab of
    thousands: with a whole-table scan, a bitmap scan or a sort as the last resort."""
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]

    def read(node: dict) -> int:
        own = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
        here = own * node.get("Actual Loops", 1) if node.get("Relation Name") == "referrals_referral" else 0
        return here + sum(read(child) for child in node.get("Plans", []))

    return read(plan[0]["Plan"])
