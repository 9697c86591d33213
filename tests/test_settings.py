"""Start-up configuration: what a new operator of the portal meets first."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # A clean environment: the test process's own settings (test_settings sets several) must
    # not leak into the production start-up being checked.
    environment = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_every_setting_read_from_the_environment_is_in_the_readme():
    settings_source = (ROOT / "referrals_portal/settings.py").read_text()
    names = set(re.findall(r"""env(?:\(\))?\.\w+\(\s*"([A-Z_]+)\"""", settings_source))
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "SECRET_KEY"} <= names
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"README's configuration table lacks {missing}"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": "", "ALLOWED_HOSTS": "portal.example.com"}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is not set"),
    ],
)
def test_production_refuses_to_start_without_a_secret_key_or_hosts(env, message):
    result = run_manage("check", DEBUG="false", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_deploy_check_is_clean_under_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_postgresql_connections_compile_no_query_plans():
    """JIT compilation cost partner search 30 ms a query at a million referrals (bench/)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")  # CI runs on PostgreSQL; this counts only there
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_database_urls_own_options_are_kept_beside_no_jit():
    shown = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        DEBUG="true",
        DATABASE_URL="postgres://db.example:5432/portal?sslmode=verify-full&connect_timeout=5",
    )
    assert shown.returncode == 0, shown.stderr
    assert "'sslmode': 'verify-full'" in shown.stdout and "'connect_timeout': 5" in shown.stdout
    assert "'options': '-c jit=off'" in shown.stdout
