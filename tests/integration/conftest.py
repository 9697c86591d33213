"""Real parts: a Celery worker process on Redis, the test database on PostgreSQL, and an SMTP
server on loopback. The worker starts once per module and reads the same database as the test."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from tests.integration.processes import celery_worker_command, database_url, portal_environment, reset_connections
from tests.smtp import running_smtp_server

ROOT = Path(__file__).resolve().parent.parent.parent


def redis_url() -> str:
    """A Redis database of its own for each pytest-xdist worker, so runs in parallel never share a queue."""
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"{base}/{10 + int(worker.removeprefix('gw') or 0) % 6}"  # a replaced worker (gw7) too


@pytest.fixture(scope="module")
def mailbox():
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def inbox(mailbox):
    box, _port = mailbox
    box.messages.clear()
    box.refusing = False
    box.refused = 0
    return box


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker, mailbox):
    """``celery worker`` as production runs it, with a thread pool so that one task can meet
    its own duplicate; yields the broker URL both sides use."""
    if connection.vendor != "postgresql":
        pytest.fail(
            "The integration tests share the database with a worker process: run them on PostgreSQL (./dev test)."
        )
    broker = redis_url()
    redis.Redis.from_url(broker).flushdb()
    _box, port = mailbox
    env = portal_environment(
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=broker,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        OUTBOX_RETRY_SECONDS="1",
        WEBHOOK_RETRY_SCHEDULE="1,1,2,2,2,2",
    )
    log = open(ROOT / "var" / f"celery-worker-{os.getpid()}.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        celery_worker_command("-P", "threads", "-c", "4"),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from referrals_portal.celery import app

    previous = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    reset_connections(app)
    deadline = time.monotonic() + 30
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline or worker.poll() is not None:
            worker.kill()
            pytest.fail("The Celery worker did not start: " + Path(log.name).read_text()[-2000:])
    yield broker
    worker.terminate()
    worker.wait(timeout=20)
    log.close()
    app.conf.task_always_eager, app.conf.broker_url = previous
    reset_connections(app)
    redis.Redis.from_url(broker).flushdb()
