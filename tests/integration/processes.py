"""Helpers for tests that run the portal's real processes."""

from __future__ import annotations

import sys

import kombu.pools


def celery_worker_command(*pool: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "referrals_portal", "worker", *pool, "-l", "info",
            "--without-mingle", "--without-gossip"]  # fmt: skip


def reset_connections(app) -> None:
    """Forget pooled broker connections, so that the next publish uses ``broker_url`` as it is now."""
    kombu.pools.reset()  # closes and forgets every pooled connection and producer
    app._pool = None
    app.amqp._producer_pool = None
