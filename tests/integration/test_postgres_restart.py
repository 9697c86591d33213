"""PostgreSQL restarted under a running portal: web (gunicorn) and a Celery worker carry on
without anyone touching them. The test starts a PostgreSQL cluster of its own, so restarting
it disturbs nothing else."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis

from tests.integration.processes import celery_worker_command, portal_environment
from tests.smtp import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent.parent
VERSION = sorted(os.listdir("/etc/postgresql"))[-1] if os.path.isdir("/etc/postgresql") else ""


def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def spare_cluster():
    if not shutil.which("pg_createcluster"):
        pytest.fail("pg_createcluster is missing: this test needs Debian's postgresql-common (./dev test installs it).")
    name, port = f"faults{os.getpid()}", free_port()
    run("pg_createcluster", VERSION, name, "-p", str(port), "--start", "--", "--auth=trust")
    try:
        run("psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", "CREATE DATABASE portal")
        yield name, f"postgres://postgres@127.0.0.1:{port}/portal"
    finally:
        subprocess.run(["pg_dropcluster", VERSION, name, "--stop"], capture_output=True, timeout=60)


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server on loopback
        return response.status


def wait_for(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def test_web_and_worker_recover_when_postgresql_restarts(spare_cluster, tmp_path):
    name, database = spare_cluster
    broker = "redis://127.0.0.1:6379/9"
    redis.Redis.from_url(broker).flushdb()
    env = portal_environment(DATABASE_URL=database, CELERY_BROKER_URL=broker, VAR_DIR=str(tmp_path))
    run(sys.executable, "manage.py", "migrate", "-v0", cwd=ROOT, env=env)
    web_port = free_port()
    worker_log = tmp_path / "worker.log"
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "referrals_portal.wsgi", "-b", f"127.0.0.1:{web_port}", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(worker_log, "w") as log:
        worker = subprocess.Popen(
            celery_worker_command("-P", "solo"),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    sweep = [sys.executable, "-m", "celery", "-A", "referrals_portal", "call", "referrals.tasks.sweep_referrals"]
    search = f"http://127.0.0.1:{web_port}/partners/?region=JP"  # a page that reads the database
    try:
        assert wait_for(lambda: get(search) == 200), "the web server did not come up"
        run(*sweep, cwd=ROOT, env=env)
        assert wait_for(
            lambda: worker_log.read_text().count("sweep_referrals") >= 2 and "succeeded" in worker_log.read_text()
        )

        run("pg_ctlcluster", VERSION, name, "restart")  # every open connection is cut

        assert get(search) == 200  # the first request after the restart already works
        run(*sweep, cwd=ROOT, env=env)
        assert wait_for(lambda: worker_log.read_text().count("succeeded") >= 2), worker_log.read_text()[-3000:]
        assert "OperationalError" not in worker_log.read_text()
    finally:
        web.terminate()
        worker.terminate()
        web.wait(timeout=20)
        worker.wait(timeout=20)
        redis.Redis.from_url(broker).flushdb()
