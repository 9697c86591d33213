from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from tests.factories import PartnerCompanyFactory, StaffUserFactory, UserFactory


def pytest_report_header(config):
    database = settings.DATABASES["default"]
    where = (
        database["NAME"] if database["ENGINE"].endswith("sqlite3") else f"{database.get('HOST')}:{database.get('PORT')}"
    )
    return [
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({where})",
        "celery: tasks run in-process, except tests/integration: a real worker on "
        + os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0],
    ]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request in Japanese must not leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: cached page fragments are keyed by ids a rolled-back
    test can hand to the next one (SQLite reuses them)."""
    for each in caches.all():
        each.clear()


@pytest.fixture
def partner(db):
    return PartnerCompanyFactory(name="Sakura Cloud K.K.")


@pytest.fixture
def other_partner(db):
    return PartnerCompanyFactory(name="Outsider Systems Ltd.")


@pytest.fixture
def owner(partner):
    return UserFactory(username="owner", partner=partner, role="admin")


@pytest.fixture
def teammate(partner):
    return UserFactory(username="teammate", partner=partner)


@pytest.fixture
def outsider(other_partner):
    return UserFactory(username="outsider", partner=other_partner)


@pytest.fixture
def operator(db):
    return StaffUserFactory(username="operator", email="operator@portal.example")


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failed promise: nothing may pass by being skipped."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"CI: {skipped} tests were skipped; every test must run in CI.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def receiver():
    """A webhook receiver on loopback (devtools.receiver): its inbox and its URL."""
    from devtools.receiver import running_receiver

    with running_receiver() as running:
        yield running
