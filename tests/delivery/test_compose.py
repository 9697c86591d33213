"""docker-compose.yml, checked without a Docker engine: it parses, every service the README
names is there with its command and health check, and it passes only settings the portal reads."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def settings_read() -> set[str]:
    source = (ROOT / "referrals_portal/settings.py").read_text()
    return set(re.findall(r"""env(?:\(\))?\.\w+\(\s*"([A-Z_]+)\"""", source))


def test_every_service_the_readme_names_is_there_with_a_health_check():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(postgres|redis|web|worker|beat|mailpit|migrate)`", section))
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit"} <= named
    for name in named:
        assert name in SERVICES, name
        if name != "migrate":
            assert SERVICES[name]["healthcheck"]["test"], name


def test_the_portals_processes_run_the_projects_own_entry_points():
    assert SERVICES["web"]["command"][:2] == ["gunicorn", "referrals_portal.wsgi"]
    importlib.import_module("referrals_portal.wsgi")
    assert SERVICES["worker"]["command"][:4] == ["celery", "-A", "referrals_portal", "worker"]
    assert SERVICES["beat"]["command"][:4] == ["celery", "-A", "referrals_portal", "beat"]
    assert SERVICES["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert SERVICES["beat"]["deploy"]["replicas"] == 1  # one scheduler; workers scale


def test_the_portal_gets_only_settings_it_reads():
    read = settings_read()
    for name in ("web", "worker", "beat", "migrate"):
        passed = set(SERVICES[name]["environment"])
        assert passed <= read, f"{name} passes settings the portal ignores: {sorted(passed - read)}"
        assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "EMAIL_URL"} <= passed


def test_the_shared_services_are_the_ones_the_urls_point_at():
    environment = SERVICES["web"]["environment"]
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert environment["EMAIL_URL"] == "smtp://mailpit:1025"
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_image_holds_what_runs_and_nothing_else():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()}
    assert {"tests", "bench", "docs", "control", ".env", "var", ".git"} <= ignored
    runtime = (ROOT / "requirements.txt").read_text().lower()
    for tool in ("honcho", "pytest", "playwright", "ruff"):
        assert tool not in runtime, f"{tool} is a development tool, not a runtime requirement"


def test_no_broker_state_is_kept_in_the_repository(settings):
    assert not (ROOT / "control").exists()
    if settings.CELERY_BROKER_URL == "filesystem://":
        assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["control_folder"].startswith(str(settings.VAR_DIR))
