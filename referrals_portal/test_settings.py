"""Test settings: the real settings, with what tests truly need changed.

Only the database comes from the caller's environment (``DATABASE_URL``, so the same suite runs
on SQLite or, as CI runs it, on PostgreSQL). Every other variable the settings read is dropped
first: a developer's shell with ``CELERY_BROKER_URL``, ``EMAIL_URL`` or ``DEBUG`` set must not
change what the tests do, and neither may a ``.env`` left by ``./dev run``. Processes the tests
start themselves (a Celery worker, gunicorn) get an environment the tests build from scratch
(``tests.processes.portal_environment``, marked ``PORTAL_TEST=child``); their settings come
from that environment.
"""

import os
import re
from pathlib import Path

TEST_ENVIRONMENT = {
    "SECRET_KEY": "test-only-secret-key-not-used-anywhere-else-0123456789",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "LANGUAGE_COOKIE_SECURE": "false",
    "EMAIL_URL": "memorymail://",
    # Tasks run in-process unless a test starts a real worker (tests/integration).
    "CELERY_TASK_ALWAYS_EAGER": "true",
    # Webhook receivers in the tests listen on loopback, over http.
    "WEBHOOKS_ALLOW_LOCAL": "true",
    # The events feed shows an entry at once (its settling is tested on its own).
    "API_EVENTS_SETTLE_SECONDS": "0",
}

if os.environ.get("PORTAL_TEST") != "child":
    _source = (Path(__file__).resolve().parent / "settings.py").read_text()
    for _name in set(re.findall(r"""env(?:\(\))?\.\w+\(\s*"([A-Z_]+)\"""", _source)) - {"DATABASE_URL"}:
        os.environ.pop(_name, None)
    os.environ.update(TEST_ENVIRONMENT, PORTAL_TEST="1")

from .settings import *  # noqa: E402, F403

# Hashing with PBKDF2 costs ~100 ms a login; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if os.environ["PORTAL_TEST"] != "child":
    # A setting, not an environment variable: Celery reads CELERY_BROKER_URL from the process
    # environment ahead of its configuration, so a test could never point it elsewhere.
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
