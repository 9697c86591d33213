"""The tests do what they say whatever the caller's shell holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_developers_own_settings_do_not_reach_the_tests(tmp_path):
    # A shell exporting production-like values, and a .env file like ./dev run leaves behind.
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'referrals_portal.test_settings'; django.setup(); "
        "from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.EMAIL_BACKEND, s.DEBUG, s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CACHES['default']['BACKEND'])"
    )
    shell = {
        "PATH": "/usr/bin:/bin",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/7",
        "EMAIL_URL": "smtp://mail.example:25",
        "CACHE_URL": "redis://127.0.0.1:6379/8",
        "DEBUG": "true",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=shell, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    broker, email, debug, eager, cache = result.stdout.split()
    assert broker == "memory://"
    assert email == "django.core.mail.backends.locmem.EmailBackend"
    assert (debug, eager) == ("False", "True")
    assert cache == "django.core.cache.backends.locmem.LocMemCache"
