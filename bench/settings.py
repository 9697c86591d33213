"""The portal's own settings, plus a floor view to measure the framework against
(bench/urls.py). Used only by ``bench/run.py``."""

from referrals_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Sessions and the pages' queries are what is measured; PBKDF2 would only slow the sign-in.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "WARNING"}}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
