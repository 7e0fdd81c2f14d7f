"""Riders Portal settings: one module, configured by environment variables.

Every variable has a development default that needs no server (SQLite, a filesystem Celery
broker, a local-memory cache); production sets DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=0 and
ALLOWED_HOSTS (see README.md).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str) -> str | None:
    """Read NAME, or the file named by NAME_FILE (Docker secrets)."""
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    return os.environ.get(name) or None


DEBUG = envbool("DEBUG", True)

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-riders-portal-not-for-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "auditlog",
    "core",
    "riders",
    "apartments",
    "canteen",
    "governance",
    "subsidies",
    "rewards",
    "merchants",
    "growth",
    "volunteering",
    "api",
    "open311",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "riders_portal.urls"
WSGI_APPLICATION = "riders_portal.wsgi.application"
ASGI_APPLICATION = "riders_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'riders_portal.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process, the worker and beat share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file (not :memory:) so a real Celery worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_riders_portal.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "riders:sign_in"
LOGIN_REDIRECT_URL = "core:home"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL") or None

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "riders_portal",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # kombu's filesystem transport: a broker that needs no server, for `make run` on a laptop.
    CELERY_BROKER_DIR = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        "polling_interval": 0.1,
    }

CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
# Celery's Django fixup closes the database connection after every task unless told to reuse
# it; reconnecting to PostgreSQL was half the cost of routing a report (bench/routing.py).
CELERY_DB_REUSE_MAX = envint("CELERY_DB_REUSE_MAX", 1000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a web request must not hang when the broker is down: fail fast, log, and let
# the periodic sweeps re-queue (core/queue.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "route-unrouted-reports": {
        "task": "governance.tasks.sweep_unrouted_reports",
        "schedule": 60.0,
    },
    "watch-report-deadlines": {
        "task": "governance.tasks.sweep_report_deadlines",
        "schedule": 60.0,
    },
    "award-validated-reports": {
        "task": "rewards.tasks.sweep_unawarded_reports",
        "schedule": crontab(minute="*/5"),
    },
    "expire-points": {
        "task": "rewards.tasks.expire_points",
        "schedule": crontab(minute=10, hour=0),
    },
    "propose-top-reporters": {
        "task": "rewards.tasks.propose_top_reporters",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
    "expire-bed-offers": {
        "task": "apartments.tasks.expire_bed_offers",
        "schedule": crontab(minute="*/5"),
    },
    "expire-uncollected-meals": {
        "task": "canteen.tasks.expire_uncollected_meals",
        "schedule": crontab(minute="*/15"),
    },
    "purge-expired-sign-in-codes": {
        "task": "riders.tasks.purge_expired_sign_in_codes",
        "schedule": crontab(minute="*/15"),
    },
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "riders_portal_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at startup when it is missing
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security (check --deploy is clean when DEBUG is off) -----------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 30 * 24 * 3600)
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
# /healthz is polled over plain HTTP by the container health check.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Riders Portal --------------------------------------------------------------------------
# Dotted path of the class that delivers one-time sign-in codes (see riders/sms.py).
SMS_SENDER = os.environ.get("SMS_SENDER", "riders.sms.ConsoleSMSSender")
SIGN_IN_CODE_TTL_SECONDS = envint("SIGN_IN_CODE_TTL_SECONDS", 300)
SIGN_IN_CODE_MAX_ATTEMPTS = envint("SIGN_IN_CODE_MAX_ATTEMPTS", 5)
SIGN_IN_CODE_RESEND_SECONDS = envint("SIGN_IN_CODE_RESEND_SECONDS", 60)
SIGN_IN_CODES_PER_PHONE_PER_DAY = envint("SIGN_IN_CODES_PER_PHONE_PER_DAY", 10)
ROSTER_IMPORT_BATCH_SIZE = envint("ROSTER_IMPORT_BATCH_SIZE", 2000)
# Turns every "service missing" skip in the test suite into a failure (set by .ci/run).
REQUIRE_SERVICES = envbool("REQUIRE_SERVICES", False)

PORTAL_NAME = _("Riders Portal")
REPORTS_PER_RIDER_PER_HOUR = envint("REPORTS_PER_RIDER_PER_HOUR", 10)
# A report still "submitted" after this long was not routed (lost message, broker down).
REPORT_ROUTING_SWEEP_AFTER_SECONDS = envint("REPORT_ROUTING_SWEEP_AFTER_SECONDS", 60)

# Points expire at the end of the calendar year this many years after they were credited
# (1: the end of the next year); "never" switches expiry off.
POINTS_EXPIRE_AFTER_YEARS = (
    None
    if os.environ.get("POINTS_EXPIRE_AFTER_YEARS", "").strip().lower() == "never"
    else envint("POINTS_EXPIRE_AFTER_YEARS", 1)
)
# How many top reporters the monthly task proposes for the honour roll.
HONOUR_TOP_REPORTERS = envint("HONOUR_TOP_REPORTERS", 3)

# Rider apartments: how long a bed offer waits for the rider's answer, how far ahead a rider
# may apply, how often the standard inspection is due.
APARTMENT_OFFER_HOURS = envint("APARTMENT_OFFER_HOURS", 48)
APARTMENT_MOVE_IN_MAX_DAYS = envint("APARTMENT_MOVE_IN_MAX_DAYS", 180)
APARTMENT_INSPECTION_DAYS = envint("APARTMENT_INSPECTION_DAYS", 90)

# Rider canteens: subsidised meals per rider per day; beyond that the list price applies.
CANTEEN_SUBSIDISED_MEALS_PER_DAY = envint("CANTEEN_SUBSIDISED_MEALS_PER_DAY", 2)

# The 5-minute service circle: how far "nearest with X" looks (metres); an optional map tile
# server (e.g. https://tiles.example.cn/{z}/{x}/{y}.png) adds a small map to the list.
SERVICE_CIRCLE_METRES = envint("SERVICE_CIRCLE_METRES", 1200)
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")

# Social-insurance subsidy: how many months back a rider may still claim.
SUBSIDY_FILING_WINDOW_MONTHS = envint("SUBSIDY_FILING_WINDOW_MONTHS", 3)

# Verified volunteer hours at which a rider is proposed for the honour roll.
VOLUNTEER_MILESTONES = [100, 500, 1000]

# --- Department API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.IsDepartmentOfficer"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("API_RATE_LIMIT", "600/minute")},
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Riders Portal — Department API",
    "DESCRIPTION": (
        "City departments work the problems riders report. Authenticate with "
        "`Authorization: Token <key>` (from `manage.py issue_api_token`). A token sees its own "
        'department\'s reports only. Errors: `{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}
# First webhook retry after this many seconds, doubling each time (capped at an hour).
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30"))

# --- Webhook outbox (issue 12) --------------------------------------------------------------

# --- Abuse limits: photo uploads (issue 12) -------------------------------------------------

# --- Abuse limits: rider sign-in and SMS budget (issue 12) ----------------------------------

# --- Staff sign-in: lockout (django-axes), TOTP (django-otp), sessions (issue 12) ------------

# --- Content-Security-Policy (django-csp) and uploaded files (issue 12) ---------------------
# No inline script or style anywhere: scripts and styles come from our own static files, and
# the few inline blocks (the admin's, Swagger UI's, the tile map's pin positions) carry the
# per-request nonce (`request.csp_nonce`). Uploaded files get `sandbox` instead (core/responses.py);
# the middleware keeps a header a view has already set.
from csp.constants import NONCE, NONE, SELF  # noqa: E402  (settings sections stay together)


def _tile_origin(url: str) -> str | None:
    """The scheme and host of the map tile server, for img-src ({x}/{y}/{z} live in the path;
    a {s}-style placeholder in the host becomes a CSP wildcard)."""
    import re
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{re.sub(r'\{[^}]*\}', '*', parts.netloc)}"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # data: for the admin's and Swagger UI's inline SVG icons.
        "img-src": [SELF, "data:", *filter(None, [_tile_origin(MAP_TILE_URL)])],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Degraded mode: Redis down, health (issue 12) -------------------------------------------

# --- Audit trail (django-auditlog), error reporting (sentry-sdk), logs (issue 12) ------------
