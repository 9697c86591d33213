"""Helpers for tests that run the portal's real processes."""

from __future__ import annotations

import os
import sys

import kombu.pools
from django.db import connection

from referrals_portal.test_settings import TEST_ENVIRONMENT


def celery_worker_command(*pool: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "referrals_portal", "worker", *pool, "-l", "info",
            "--without-mingle", "--without-gossip"]  # fmt: skip


def database_url() -> str:
    """The test database as a URL, for a process that must share it."""
    settings_dict = connection.settings_dict
    user, host, port = settings_dict["USER"] or "", settings_dict["HOST"], settings_dict["PORT"]
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


def portal_environment(**settings: str) -> dict[str, str]:
    """The environment of a portal process a test starts (a worker, gunicorn, manage.py): the
    test settings and ``settings``, and nothing else from the caller's shell but PATH, HOME and
    LANG, so a developer's own CELERY_BROKER_URL or EMAIL_URL never reaches it."""
    environment = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return {
        **environment,
        **TEST_ENVIRONMENT,
        "PORTAL_TEST": "child",
        "DJANGO_SETTINGS_MODULE": "referrals_portal.test_settings",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "C_FORCE_ROOT": "true",  # CI runs as root; Celery refuses that without this
        **settings,
    }


def reset_connections(app) -> None:
    """Forget pooled broker connections, so that the next publish uses ``broker_url`` as it is now."""
    kombu.pools.reset()  # closes and forgets every pooled connection and producer
    app._pool = None
    app.amqp._producer_pool = None
