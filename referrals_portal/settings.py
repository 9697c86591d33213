"""Settings, all from the environment (12-factor).

The defaults run the whole portal on one machine with no server: SQLite in ``var/``,
a Celery broker on the file system, emails written to ``var/mail``. ``DATABASE_URL``,
``CELERY_BROKER_URL`` and ``EMAIL_URL`` switch to PostgreSQL, Redis and a real mail server.
Every variable is listed in README.md's configuration table.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from referrals_portal.release import fingerprint

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file beside manage.py is read when present (``./dev run`` writes one for local use);
# real environment variables win over it. The tests read none (test_settings).
if not os.environ.get("PORTAL_TEST"):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG:
    # Fail at start-up, not on the first request, and say what to set.
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the portal needs a long random SECRET_KEY "
            "in the environment (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. With DEBUG off, list the host names the portal answers to, "
            "comma-separated (for example: ALLOWED_HOSTS=portal.example.com)."
        )
elif not SECRET_KEY:
    SECRET_KEY = "insecure-local-development-key-only-used-with-DEBUG-on"  # noqa: S105 - DEBUG only

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "referrals_portal.admin.PortalAdminConfig",  # Django's admin, on the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "nested_admin",
    "axes",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "common",
    "profiles",
    "referrals",
    "customers",
    "outbox",
    "api",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is known: it refuses unreadable input with a message in that language.
    "common.middleware.RejectUnreadableInput",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A sign-in sets the language cookie to the account's language.
    "profiles.language.AccountLanguageMiddleware",
    "common.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "common.sessions.SessionLifetimeMiddleware",
    # After the middleware that set headers on every page, so a refused form shown again gets them.
    "common.middleware.RefusedFormRedirect",
    # Last, as django-axes asks: it turns a locked-out sign-in into its refusal page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "referrals_portal.urls"
WSGI_APPLICATION = "referrals_portal.wsgi.application"
AUTH_USER_MODEL = "profiles.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Form widgets (a select's every option, every attribute) render through Jinja2: the same
# markup as Django's own widget templates, several times faster (README, Performance).
FORM_RENDERER = "common.forms.WidgetRenderer"

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside the writer, and
    # IMMEDIATE transactions take the write lock up front instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A connection PostgreSQL dropped (a restart, a failover) is noticed and replaced before
    # use, by the web and by the workers: nobody has to restart anything.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: the portal's queries are short, but at a million referrals the
    # planner's cost estimates cross jit_above_cost and each such query spent 30 ms or more
    # compiling before it ran (EXPLAIN ANALYZE of partner search: 33 ms of JIT, 14 of work).
    # Added to what DATABASE_URL's query string gives (sslmode, connect_timeout…).
    # DATABASE_JIT_OFF=false leaves it to the server: PgBouncer in transaction mode refuses
    # startup options, and there ALTER ROLE … SET jit = off does the same.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if env.bool("DATABASE_JIT_OFF", default=True):
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
    if env.bool("DATABASE_POOL", default=False):
        # Django's own psycopg 3 pool; persistent connections must stay off with it.
        _options["pool"] = {"min_size": 1, "max_size": env.int("DATABASE_POOL_SIZE", default=10)}
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# Every key starts with the release (referrals_portal.release), so a deploy never reads what an
# older template rendered; every key of a partner's pages carries the partner's content version,
# bumped by each change in its own transaction (referrals.caching).
RELEASE = env.str("RELEASE", default="") or fingerprint()
CACHES = {
    "default": {**env.cache_url("CACHE_URL", default="locmemcache://"), "KEY_PREFIX": RELEASE},
    # Page fragments ({% cache %}) stay in each process, so a page pays no network round trip
    # per fragment.
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
        "KEY_PREFIX": RELEASE,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Counts failed sign-ins per username and refuses more than AXES_FAILURE_LIMIT an hour.
    "axes.backends.AxesStandaloneBackend",
    # Django's, refusing users of a deactivated partner company.
    "profiles.auth.PortalBackend",
]
# django-axes refuses the attempt that reaches its limit: allow LOGIN_FAILURE_LIMIT failures
# with the ordinary answer, and refuse the one after.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=100) + 1
AXES_COOLOFF_TIME = timedelta(hours=1)
# Per username, whatever the address: an attacker spreading guesses over many addresses is
# still stopped, and an unknown username is counted exactly like a known one.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# axes.W006 asks for per-address counting too; the rule here is per account (a shared office
# address must not lock out its colleagues), so the warning is answered, not ignored.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "common.ratelimit.client_ip"
AXES_VERBOSE = False
# Sessions end after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after sign-in
# whatever happens (common.sessions).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=120) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_MAX_AGE = timedelta(hours=env.int("SESSION_MAX_HOURS", default=12))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages and time -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Stored in UTC; shown in the user's own time zone (profiles.User.time_zone).
TIME_ZONE = "UTC"
USE_TZ = True
DEFAULT_USER_TIME_ZONE = env.str("DEFAULT_USER_TIME_ZONE", default="Asia/Tokyo")

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email ----------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="filemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if DEBUG and EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    # Locally, one readable .eml file a message, named by time and recipient, and shown at
    # /dev/mail/ (devtools.mail). Named by its path only: with DEBUG off nothing loads devtools.
    EMAIL_BACKEND = "devtools.mail.EmailBackend"
# django-environ drops the leading slash of filemail:///var/mail; an email folder is absolute.
EMAIL_FILE_PATH = (
    "/" + _email["EMAIL_FILE_PATH"].lstrip("/") if _email.get("EMAIL_FILE_PATH") else str(VAR_DIR / "mail")
)
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Referrals Portal <referrals@portal.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir),
        "store_processed": False,
        # The exchange tables; without this kombu writes them to control/ in the working directory.
        "control_folder": str(_broker_dir / "control"),
    }
else:
    # A task must not be lost when a worker dies mid-task: acknowledge after it ran.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request must never hang on a broker that is down: the outbox sweep sends what is missed.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-referrals": {
        "task": "referrals.tasks.sweep_referrals",
        "schedule": timedelta(seconds=env.int("SWEEP_INTERVAL_SECONDS", default=60)),
    },
    "drain-outbox": {
        "task": "outbox.tasks.drain_outbox",
        "schedule": timedelta(seconds=env.int("OUTBOX_DRAIN_INTERVAL_SECONDS", default=60)),
    },
    "drain-webhooks": {
        "task": "webhooks.tasks.drain",
        "schedule": timedelta(seconds=env.int("WEBHOOK_DRAIN_INTERVAL_SECONDS", default=60)),
    },
}

# --- The referral rules (DOMAIN.md) ---------------------------------------------------------
REFERRAL_RESPONSE_RECOMMENDED = timedelta(hours=24)
REFERRAL_NEW_TIMEOUT = timedelta(hours=env.int("REFERRAL_NEW_TIMEOUT_HOURS", default=72))
REFERRAL_EVALUATING_TIMEOUT = timedelta(days=env.int("REFERRAL_EVALUATING_TIMEOUT_DAYS", default=7))
# Reminders: one email when a new referral has waited the recommended 24 hours, and a last call
# this many hours before it fails (new) or expires (evaluating).
REFERRAL_LAST_CALL = timedelta(hours=env.int("REMINDER_LAST_CALL_HOURS", default=6))
REFERRAL_SWEEP_BATCH_SIZE = env.int("REFERRAL_SWEEP_BATCH_SIZE", default=5000)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_SECONDS = env.int("OUTBOX_RETRY_SECONDS", default=60)
# How long a sender's claim on an email lasts: after it, a sender that died is presumed dead and
# the email is sent again. Well above the time one message can take (EMAIL_TIMEOUT per step).
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=max(300, 10 * EMAIL_TIMEOUT))
RFI_MAX_PARTNERS = env.int("RFI_MAX_PARTNERS", default=5)
# A request from the same address, or the same company domain for the same solution area,
# within this many days is linked to the earlier one (referrals.rfis.earlier_request).
RFI_DUPLICATE_DAYS = env.int("RFI_DUPLICATE_DAYS", default=30)
# Free mail services: people at these domains are not one company.
FREEMAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.jp",
        "ymail.com",
        "outlook.com",
        "outlook.jp",
        "hotmail.com",
        "hotmail.co.jp",
        "live.com",
        "live.jp",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.com",
        "zoho.com",
        "yandex.com",
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "au.com",
        "softbank.ne.jp",
        "i.softbank.jp",
        "nifty.com",
        "ocn.ne.jp",
        "biglobe.ne.jp",
        "so-net.ne.jp",
    ]
)
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # the emails say "three days"
PASSWORD_RESET_RATE_PER_ADDRESS = env.int("PASSWORD_RESET_PER_ADDRESS_PER_HOUR", default=3)
PASSWORD_RESET_RATE_PER_CLIENT = env.int("PASSWORD_RESET_PER_CLIENT_PER_HOUR", default=10)
# Reverse proxies in front of the portal that append the client's address to X-Forwarded-For
# (a TLS-terminating nginx: 1). Rate limits and sign-in throttling key on that address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
RATELIMIT_IP_META_KEY = "common.ratelimit.client_ip"
RATELIMIT_IPV6_MASK = 64
RFI_RATE_LIMIT = env.int("RFI_RATE_LIMIT_PER_HOUR", default=5)  # accepted requests per client address per hour
RFI_CONFIRMATIONS_PER_ADDRESS = env.int("RFI_CONFIRMATIONS_PER_ADDRESS_PER_DAY", default=3)

# --- The Referrals API and webhooks ---------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.handler",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Referrals Portal API",
    "DESCRIPTION": (
        "Partners' CRMs read and work their referrals with the same rules as the portal's pages. "
        "Errors are RFC 9457 problem details, in Japanese with `Accept-Language: ja`."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],  # the description is public, whatever key a request carries
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"State": "referrals.models.State"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.problem_details"],
}
# Requests per key (a CRM's sync), and wrong keys per client address, e.g. "600/min".
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")
API_WRONG_KEY_RATE_LIMIT = env.str("API_WRONG_KEY_RATE_LIMIT", default="30/min")
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
# The events feed shows an entry once this many seconds passed, so that one committed late
# (a long sweep batch) is never skipped by a client already past it.
API_EVENTS_SETTLE_SECONDS = env.int("API_EVENTS_SETTLE_SECONDS", default=10)
# Webhook endpoints must be https and public; this allows http and loopback (on with DEBUG: ./dev run).
WEBHOOKS_ALLOW_LOCAL = env.bool("WEBHOOKS_ALLOW_LOCAL", default=DEBUG)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
# When a failed delivery is tried again, in seconds after the previous try (Standard Webhooks'
# schedule: about a day in all); after the last, the endpoint is disabled and its admins told.
WEBHOOK_RETRY_SCHEDULE = [
    int(seconds)
    for seconds in env.list("WEBHOOK_RETRY_SCHEDULE", default=["5", "300", "1800", "7200", "18000", "36000", "36000"])
]
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=120)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = env.bool("LANGUAGE_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: what the pages run is the app's own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}
