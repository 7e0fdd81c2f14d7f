"""Riders Portal settings: one module, configured by environment variables.

Every variable has a development default that needs no server (SQLite, a filesystem Celery
broker, a local-memory cache); production sets DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=0 and
ALLOWED_HOSTS (see README.md).
"""

import hashlib
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

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

# Phone numbers at rest (issue 20, docs/privacy.md "Phone numbers"): encrypted with Fernet
# (django-fernet-encrypted-fields: keys derived from SECRET_KEY and each of SALT_KEY), found by
# a keyed hash (HMAC-SHA256 with PHONE_LOOKUP_KEYS) so sign-in stays one index lookup. Both
# lists are newest first: new values use the first key, older keys still read (and find) what
# they wrote until `manage.py phone_keys_rotate` has rewritten every row.
_phone_keys = [
    k.strip() for k in (envsecret("PHONE_ENCRYPTION_KEYS") or "").split(",") if k.strip()
]
_lookup_keys = [k.strip() for k in (envsecret("PHONE_LOOKUP_KEYS") or "").split(",") if k.strip()]
SALT_KEY = _phone_keys or ["riders-portal-phone-numbers"]
# Without its own keys the look-up key is derived from SECRET_KEY: rotating SECRET_KEY would
# then lose every look-up until phone_keys_rotate ran; production sets both (check --deploy).
PHONE_LOOKUP_KEYS = _lookup_keys or [
    hashlib.sha256(f"riders.phone_lookup:{SECRET_KEY}".encode()).hexdigest()
]
PHONE_KEYS_SET = bool(_phone_keys and _lookup_keys)

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
    "privacy",  # the notice, consents, retention (issue 20)
    "mydata",  # a rider's export, corrections, account closure (issue 20)
    "apartments",
    "canteen",
    "governance",
    "subsidies",
    "rewards",
    "payouts",
    "merchants",
    "growth",
    "volunteering",
    "portal",  # the cross-app pages (Home, Services): above every domain app
    "api",
    "open311",
    "desk",  # the department officers' workbench (/desk/)
    "hall",  # the city operations screen in the centre's hall (/hall/)
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static: its own pre-compressed copies
    # gzip (with Django's BREACH padding) above everything that writes a body: pages, JSON, the
    # 503 and lockout pages; not photos or PDFs (core/compression.py, docs/decisions.md).
    "core.compression.CompressionMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",  # outside everything that reads the DB
    "core.db_router.ReplicaReadsMiddleware",  # lag-tolerant GETs may read the replica
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.audit.AuditMiddleware",  # the actor of every change; admin actions (core/audit.py)
    "privacy.middleware.NoticeGateMiddleware",  # a rider accepts the current notice first
    "core.middleware.CityTimeMiddleware",  # times in the reader's city's zone (core/tenancy.py)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.staff_auth.StaffTwoFactorMiddleware",  # staff: working day, then TOTP before pages
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
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
# Statements compiled once (core/prepared.py) are also prepared on the PostgreSQL server, per
# connection. Off (0) behind a pooler in transaction mode (pgbouncer), which shares a server
# connection between clients.
DB_SERVER_PREPARED = envbool("DB_SERVER_PREPARED", True)
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
elif "postgresql" in DATABASES["default"]["ENGINE"]:
    # A database that cannot be reached fails the request (healthz 503, API JSON 503) within
    # seconds instead of hanging a web worker; a refused connection fails at once anyway.
    # libpq's minimum is 2 s (1 counts as 2).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint(
        "DB_CONNECT_TIMEOUT", 3
    )

# A PostgreSQL streaming replica for the reads that tolerate a little lag (core/db_router.py,
# docs/scaling.md): Open311's public lists, the hall screen, the closure dashboard, the
# scorecard and the API's figures. Unset: every read from the primary.
if os.environ.get("DATABASE_REPLICA_URL") and "postgresql" in DATABASES["default"]["ENGINE"]:
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": envint("DB_CONNECT_TIMEOUT", 3)}
    # Tests read the primary's test database through the replica (it streams it too).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
REPLICA_READ_PATHS = [
    p
    for p in os.environ.get(
        "REPLICA_READ_PATHS",
        "/open311/v2/requests,/open311/v2/services,/open311/v2/discovery,/hall/,"
        "/api/v1/stats/,/admin/governance/report/dashboard/,/admin/governance/report/scorecard/",
    ).split(",")
    if p
]
# Beyond this lag (seconds) the replica is passed over; how often a process asks it.
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5"))
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "1"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "riders:sign_in"
LOGIN_REDIRECT_URL = "portal:home"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL") or None

if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down = an empty cache, not a 500 (core/cache.py, "Degraded mode" below).
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "riders_portal",
            "OPTIONS": {
                # An outage costs milliseconds: a Redis round trip here is well under 1 ms.
                "socket_connect_timeout": float(os.environ.get("CACHE_CONNECT_TIMEOUT", "0.25")),
                "socket_timeout": float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.5")),
                # After a failure, answer as an empty cache this long before trying Redis again.
                "retry_after_failure": float(os.environ.get("CACHE_RETRY_AFTER_FAILURE", "5")),
            },
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
# One queue per kind of work (issue 19, riders_portal/celery_routes.py, docs/scaling.md):
# `reports` (routing, the report sweeps), `notify` (SMS, webhooks), urgent webhook pages
# (WEBHOOK_URGENT_QUEUE, named where they are queued) and the default queue for the rest.
CELERY_KIND_QUEUES = {
    "reports": os.environ.get("CELERY_REPORTS_QUEUE", "reports"),
    "notify": os.environ.get("CELERY_NOTIFY_QUEUE", "notify"),
}
# None: split while the default queue is "celery" (a renamed one, as each test's private
# queue, takes every task); 1 or 0 forces it.
CELERY_QUEUE_SPLIT = (
    envbool("CELERY_QUEUE_SPLIT", False) if os.environ.get("CELERY_QUEUE_SPLIT") else None
)
CELERY_TASK_ROUTES = ("riders_portal.celery_routes.route_task",)
# Every queue: a worker started without --queues (`make run`'s, a bench's all-in-one) consumes
# them all; a production node names its own (docker-compose.yml).
CELERY_ALL_QUEUES = list(
    dict.fromkeys(
        [
            CELERY_TASK_DEFAULT_QUEUE,
            *CELERY_KIND_QUEUES.values(),
            os.environ.get("WEBHOOK_URGENT_QUEUE", "urgent") or CELERY_TASK_DEFAULT_QUEUE,
        ]
    )
)
# Each bound by its own name (a bare Queue(name) would take the default key "celery", and a
# direct exchange would copy each message into every queue bound with it).
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in CELERY_ALL_QUEUES]
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
    # Resolved reports the rider did not check in REPORT_CHECK_HOURS: accepted by default.
    "accept-unchecked-fixes": {
        "task": "governance.tasks.sweep_unchecked_fixes",
        "schedule": 300.0,
    },
    # Questions to the rider not answered by their time: the clock runs again.
    "expire-unanswered-questions": {
        "task": "governance.tasks.sweep_unanswered_questions",
        "schedule": 300.0,
    },
    # The webhook outbox's safety net and retry clock (WEBHOOK_* settings below).
    "deliver-due-webhooks": {
        "task": "webhooks.tasks.sweep_webhook_deliveries",
        "schedule": float(os.environ.get("WEBHOOK_SWEEP_SECONDS", "30")),
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
    "tell-untold-subsidy-decisions": {
        "task": "subsidies.tasks.sweep_untold_decisions",
        "schedule": 300.0,
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
    "purge-idempotency-records": {
        "task": "api.tasks.purge_idempotency_records",
        "schedule": crontab(minute=25),
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

# --- E-mail: alerts to the operators (a webhook given up, the SMS budget spent) ------------
# ADMINS=ops@example.cn,duty@example.cn; with no EMAIL_HOST the alerts stay in the log and in
# the centre admins' admin inbox.
ADMINS = [(address, address) for address in envlist("ADMINS")]
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "riders-portal@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
if DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        # LOG_FORMAT=json: one JSON object a line, for a log collector (core/logging.py).
        "json": {"()": "core.logging.JsonFormatter"},
    },
    # Phone numbers masked in every record; one-time codes redacted from the sign-in loggers
    # unless LOG_SIGN_IN_CODES=1 (the default with DEBUG=1, so the console SMS sender works).
    # Issue 20: IDs and e-mail addresses masked too, on every handler (a test checks each one).
    "filters": {
        "redact": {
            "()": "core.logging.RedactPersonalData",
            "redact_codes": not envbool("LOG_SIGN_IN_CODES", DEBUG),
        },
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("LOG_FORMAT") == "json" else "plain",
            "filters": ["redact"],
        },
        # Django's error e-mails to ADMINS, as its default logging sends them, but masked: the
        # traceback's local variables and request data through MaskedExceptionReporter.
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "redact"],
            "reporter_class": "core.logging.MaskedExceptionReporter",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Replace the handlers Django's DEFAULT_LOGGING puts on these (unfiltered); records
        # still reach the root's console handler.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Riders Portal --------------------------------------------------------------------------
# Dotted path of the class that delivers one-time sign-in codes (see riders/sms.py).
SMS_SENDER = os.environ.get("SMS_SENDER", "riders.sms.ConsoleSMSSender")
SIGN_IN_CODE_TTL_SECONDS = envint("SIGN_IN_CODE_TTL_SECONDS", 300)
SIGN_IN_CODE_MAX_ATTEMPTS = envint("SIGN_IN_CODE_MAX_ATTEMPTS", 5)
SIGN_IN_CODE_RESEND_SECONDS = envint("SIGN_IN_CODE_RESEND_SECONDS", 60)
# Counts only codes used to sign in or still live (never expired unused ones a stranger asked
# for): see "Abuse limits: rider sign-in" below.
SIGN_IN_CODES_PER_PHONE_PER_DAY = envint("SIGN_IN_CODES_PER_PHONE_PER_DAY", 10)
ROSTER_IMPORT_BATCH_SIZE = envint("ROSTER_IMPORT_BATCH_SIZE", 2000)
# Turns every "service missing" skip in the test suite into a failure (set by .ci/run).
REQUIRE_SERVICES = envbool("REQUIRE_SERVICES", False)

PORTAL_NAME = _("Riders Portal")
# The service centre's help line and WeChat ID, shown on the sign-in pages to everyone (a rider
# whose number is not registered needs them, and the page must not say whose number is).
CENTRE_PHONE = os.environ.get("CENTRE_PHONE", "")
CENTRE_WECHAT = os.environ.get("CENTRE_WECHAT", "")
REPORTS_PER_RIDER_PER_HOUR = envint("REPORTS_PER_RIDER_PER_HOUR", 10)
# A report still "submitted" after this long was not routed (lost message, broker down).
REPORT_ROUTING_SWEEP_AFTER_SECONDS = envint("REPORT_ROUTING_SWEEP_AFTER_SECONDS", 60)
# After a department resolves a report, the rider has this long to say whether it is fixed;
# no answer counts as accepted (默认满意, recorded as such).
REPORT_CHECK_HOURS = envint("REPORT_CHECK_HOURS", 72)

# Closure times by priority where a category does not set its own (normal is the category's
# closure hours); kept so that urgent ≤ normal ≤ low (Category.hours_for).
REPORT_URGENT_HOURS = envint("REPORT_URGENT_HOURS", 4)
REPORT_LOW_HOURS = envint("REPORT_LOW_HOURS", 72)

# A department's question to the rider: the clock pauses until the answer, or this many hours.
REPORT_QUESTION_HOURS = envint("REPORT_QUESTION_HOURS", 48)

# The dispatcher answers a department's transfer request (转办) within this many hours.
TRANSFER_DECISION_HOURS = envint("TRANSFER_DECISION_HOURS", 2)

# The scorecard counts a report as answered in time when the department acknowledged (or
# resolved) it within this many hours of routing (响应率).
SCORECARD_FIRST_RESPONSE_HOURS = envint("SCORECARD_FIRST_RESPONSE_HOURS", 2)

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
# server (e.g. https://tiles.example.cn/{z}/{x}/{y}.png) adds a map to the rider pages with
# places on them (static/js/rider-map.js on the vendored Leaflet; without it: the lists alone).
SERVICE_CIRCLE_METRES = envint("SERVICE_CIRCLE_METRES", 1200)
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
# The coordinate system the tiles are drawn in: wgs84, gcj02 (AMap's, Tencent's) or auto
# (gcj02 for AMap's and Tencent's hosts, wgs84 for others); core/maps.py, docs/decisions.md "Maps".
MAP_TILE_CRS = os.environ.get("MAP_TILE_CRS", "auto")
if MAP_TILE_CRS not in {"auto", "wgs84", "gcj02"}:
    raise ImproperlyConfigured(f"MAP_TILE_CRS must be auto, wgs84 or gcj02, not {MAP_TILE_CRS!r}")
# The credit line the tile provider's licence asks for, shown in the map's corner, e.g.
# "© OpenStreetMap contributors" or "© 高德地图"; plain text.
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
# The workbench queue's map (Leaflet, static/vendor/leaflet): a tile URL template such as
# https://tiles.example.cn/{z}/{x}/{y}.png; empty: no map, the list alone (issue 15).
DESK_MAP_TILES = os.environ.get("DESK_MAP_TILES", "")
# Its coordinate system, as MAP_TILE_CRS (auto: gcj02 for AMap's and Tencent's hosts).
DESK_MAP_TILE_CRS = os.environ.get("DESK_MAP_TILE_CRS", "auto")
if DESK_MAP_TILE_CRS not in {"auto", "wgs84", "gcj02"}:
    raise ImproperlyConfigured(
        f"DESK_MAP_TILE_CRS must be auto, wgs84 or gcj02, not {DESK_MAP_TILE_CRS!r}"
    )

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
    # DRF's three, with a JSON parser that refuses deep nesting instead of a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": None,
}
# How long an Idempotency-Key is remembered (a retry within it replays the first response).
IDEMPOTENCY_KEY_TTL_HOURS = envint("IDEMPOTENCY_KEY_TTL_HOURS", 24)
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
        "api.schema.refuse_nul_in_inputs",
    ],
}

# --- Webhook outbox (issue 12) --------------------------------------------------------------
# First webhook retry after this many seconds, doubling each time up to the cap; the last try
# is WEBHOOK_GIVE_UP_SECONDS after the event, then the delivery is failed and the centre admins
# are told (docs/webhooks.md). The beat sweep ("deliver-due-webhooks", every
# WEBHOOK_SWEEP_SECONDS) sends what is due; no retry waits in the broker.
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = float(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", "3600"))
WEBHOOK_GIVE_UP_SECONDS = envint("WEBHOOK_GIVE_UP_SECONDS", 24 * 3600)
# A receiver must answer within this; the claim (lease) a worker takes on a delivery must
# outlast it, or a slow attempt could be sent a second time by another worker.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_CLAIM_SECONDS = float(os.environ.get("WEBHOOK_CLAIM_SECONDS", "60"))
WEBHOOK_SWEEP_BATCH_SIZE = envint("WEBHOOK_SWEEP_BATCH_SIZE", 200)
WEBHOOK_SWEEP_MAX_PER_RUN = envint("WEBHOOK_SWEEP_MAX_PER_RUN", 2000)
# Urgent reports page their department (report.urgent) on a queue of their own, consumed by a
# worker that does nothing else, so a backlog of slow deliveries never holds a page up; empty
# shares the default queue. Unconsumed, a page still goes out with the next sweep.
WEBHOOK_URGENT_QUEUE = os.environ.get("WEBHOOK_URGENT_QUEUE", "urgent")

# --- Abuse limits: photo uploads (issue 12) -------------------------------------------------
# Checked from the file sizes and the image header before any pixel is decoded
# (core/photos.py). Phones save 12 Mpx (24 Mpx on the newest) by default; we keep
# 1600 px. Pillow itself refuses more than twice PHOTO_MAX_PIXELS for every caller.
PHOTO_MAX_BYTES = envint("PHOTO_MAX_BYTES", 10 * 1024 * 1024)  # one file
PHOTO_UPLOAD_MAX_BYTES = envint("PHOTO_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)  # a report's photos
PHOTO_MAX_PIXELS = envint("PHOTO_MAX_PIXELS", 25_000_000)  # JPEG: decoded at 1/2–1/8 scale
# PNG, WebP, GIF, BMP, TIFF have no reduced decode: 12 Mpx RGBA is 48 MB.
PHOTO_MAX_PIXELS_FULL_DECODE = envint("PHOTO_MAX_PIXELS_FULL_DECODE", 12_000_000)

# --- Abuse limits: rider sign-in and SMS budget (issue 12) ----------------------------------
# Rules and worst-case figures: docs/security.md "Rider sign-in and the SMS budget". Counts live
# in the database (riders.LimitCounter), so they hold under concurrency and without Redis.
# How many reverse proxies in front of gunicorn append to X-Forwarded-For. 0 (default, gunicorn
# published directly as in docker-compose.yml): the client is REMOTE_ADDR and the header is
# ignored, since anyone can send it. N: the client is the N-th address from the right of the
# header (the first hop no trusted proxy vouches for is never read).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# Code requests (whether or not the number is registered) per client address and per network
# (/24 for IPv4, /64 for IPv6: one home, office or mobile carrier block).
SIGN_IN_CODES_PER_IP_PER_HOUR = envint("SIGN_IN_CODES_PER_IP_PER_HOUR", 10)
SIGN_IN_CODES_PER_IP_PER_DAY = envint("SIGN_IN_CODES_PER_IP_PER_DAY", 30)
SIGN_IN_CODES_PER_NETWORK_PER_HOUR = envint("SIGN_IN_CODES_PER_NETWORK_PER_HOUR", 60)
SIGN_IN_CODES_PER_NETWORK_PER_DAY = envint("SIGN_IN_CODES_PER_NETWORK_PER_DAY", 300)
SIGN_IN_NETWORK_PREFIX_IPV4 = envint("SIGN_IN_NETWORK_PREFIX_IPV4", 24)
SIGN_IN_NETWORK_PREFIX_IPV6 = envint("SIGN_IN_NETWORK_PREFIX_IPV6", 64)
# Code tries (right or wrong) per client and per network; each code also allows only
# SIGN_IN_CODE_MAX_ATTEMPTS wrong tries.
SIGN_IN_GUESSES_PER_IP_PER_HOUR = envint("SIGN_IN_GUESSES_PER_IP_PER_HOUR", 20)
SIGN_IN_GUESSES_PER_NETWORK_PER_HOUR = envint("SIGN_IN_GUESSES_PER_NETWORK_PER_HOUR", 100)
# SMS the whole site may send per hour (≈140 in a busy hour for 41,000 riders); when spent,
# code requests are refused until the next hour and centre admins are alerted once.
SMS_BUDGET_PER_HOUR = envint("SMS_BUDGET_PER_HOUR", 500)
# A browser that signed in as a rider carries a signed cookie for that number this many days;
# its requests for that number skip the per-client, per-network, per-phone and budget limits,
# so strangers exhausting them cannot lock that rider out.
SIGN_IN_DEVICE_DAYS = envint("SIGN_IN_DEVICE_DAYS", 90)
# riders.sms.ConsoleSMSSender writes codes to the log: it refuses to run with DEBUG=0 unless
# this is set, and even then it logs the message with the code blanked out.
SMS_CONSOLE_ALLOWED = envbool("SMS_CONSOLE_ALLOWED", False)

# --- Staff sign-in: lockout (django-axes), TOTP (django-otp), sessions (issue 12) ------------
# docs/security.md, "Staff sign-in". Axes first: a locked-out sign-in is refused before any
# password is checked. Riders sign in by SMS code (riders.views), which never calls authenticate().
AUTHENTICATION_BACKENDS = [
    "core.staff_auth.StaffLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Riders' sessions: user, rider and district in one query (riders/auth.py). Sessions
    # started before it keep ModelBackend, so none is signed out by the change.
    "riders.auth.RiderSessionBackend",
]
# Lock a username *from one address* after 5 wrong passwords, for 30 minutes from the fifth.
# Per username alone would let anyone lock every staff member out; per address alone would let
# one colleague's typos lock the whole centre (one NAT address) out.
STAFF_SIGN_IN_FAILURE_LIMIT = envint("STAFF_SIGN_IN_FAILURE_LIMIT", 5)
STAFF_SIGN_IN_LOCKOUT_MINUTES = envint("STAFF_SIGN_IN_LOCKOUT_MINUTES", 30)
AXES_FAILURE_LIMIT = STAFF_SIGN_IN_FAILURE_LIMIT
AXES_COOLOFF_TIME = STAFF_SIGN_IN_LOCKOUT_MINUTES / 60  # hours, as a float
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The cool-off runs from the fifth failure; tries during it do not restart the clock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "core.staff_auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.staff_auth.client_ip"
# TRUSTED_PROXY_COUNT (above, with the rider sign-in limits) also decides the address here.
# A staff session ends this long after the password step, however active (a working day).
STAFF_SESSION_SECONDS = envint("STAFF_SESSION_SECONDS", 10 * 3600)
# Staff who must use two-factor and have no device yet set one up at their next sign-in by
# scanning a QR code; off: a centre admin creates their device in the admin.
STAFF_2FA_SELF_ENROL = envbool("STAFF_2FA_SELF_ENROL", True)
OTP_TOTP_ISSUER = "Riders Portal"  # the account name authenticator apps show

# --- Content-Security-Policy (django-csp) and uploaded files (issue 12) ---------------------
# No inline script or style anywhere: scripts and styles come from our own static files, and
# the few inline blocks (the admin's, Swagger UI's) carry the
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
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # data: for the admin's and Swagger UI's inline SVG icons; blob: for the report form's
        # previews of the photos the rider picked (static/js/report-form.js).
        "img-src": [
            SELF,
            "data:",
            "blob:",
            *filter(None, [_tile_origin(MAP_TILE_URL), _tile_origin(DESK_MAP_TILES)]),
        ],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Swagger UI's default online-validator badge is an image from validator.swagger.io: off (the
# policy would block it, and our schema need not be sent elsewhere).
SPECTACULAR_SETTINGS.setdefault("SWAGGER_UI_SETTINGS", {"deepLinking": True})["validatorUrl"] = None
# A question's `status` (open/answered/expired/closed) is not the report's: each its own name.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "StatusEnum": "governance.models.ReportStatus.choices",
        "QuestionStatusEnum": "api.serializers.QUESTION_STATUSES",
    }
)

# A transfer request's status (issue 14) is not a report's: its own enum in the schema, and the
# report's keeps its name.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "StatusEnum": "governance.models.ReportStatus",
        "TransferStatusEnum": "api.serializers.TRANSFER_STATUSES",
    }
)

# --- Degraded mode: Redis down, health (issue 12) -------------------------------------------
# Redis down: the cache answers as empty (core.cache.FailOpenRedisCache; CACHE_CONNECT_TIMEOUT,
# CACHE_SOCKET_TIMEOUT, CACHE_RETRY_AFTER_FAILURE above), API throttles fail open, queued work
# is swept up after. Database down: 503 in each interface's shape (core.middleware), within
# DB_CONNECT_TIMEOUT. /healthz is 503 only without the database (docs/operations.md).
# Sessions stay in the database (Django's database backend, its read prepared: core/sessions.py),
# so an outage of Redis never signs riders out; keep it that way.
SESSION_ENGINE = "core.sessions"

# --- Audit trail (django-auditlog), error reporting (sentry-sdk), logs (issue 12) ------------
# What is audited, in one place (no app imports another to register it): money-bearing
# settings, the batches staff approve and pay, receivers and their secrets, staff permissions,
# and the rider records staff edit. Riders' own changes (language, sign-in) are not listed.
# Who viewed a rider's personal data is logged by the admin views (core/audit.py).
AUDITLOG_INCLUDE_TRACKING_MODELS = [
    {"model": "governance.Category", "exclude_fields": ["sort_order"]},
    "governance.RoutingRule",
    "governance.Department",
    "rewards.Benefit",
    {"model": "payouts.PayoutBatch", "include_fields": ["status", "approved_by", "paid_by"]},
    "canteen.SetMeal",
    "subsidies.SubsidyPolicy",
    {
        "model": "webhooks.Webhook",
        "mask_fields": ["secret"],
        "mask_callable": "core.audit.mask_secret",
    },
    {
        "model": "core.User",
        "include_fields": ["username", "is_active", "is_staff", "is_superuser"],
        "m2m_fields": ["groups", "user_permissions"],
    },
    {"model": "auth.Group", "m2m_fields": ["permissions"]},
    # Department API tokens are access too; the key's hash is never logged.
    {
        "model": "api.ApiToken",
        "include_fields": ["kind", "department", "label", "prefix", "revoked_at"],
    },
    {
        "model": "riders.Rider",
        "include_fields": [
            "rider_number",
            "name",
            "phone",
            "district",
            "station",
            "gender",
            "joined_on",
            "tier",
            "is_active",
        ],
        "mask_fields": ["phone"],
        "mask_callable": "core.audit.mask_phone",
    },
]
# The admin is behind the reverse proxy, which sets X-Forwarded-For; the address is a hint for
# investigators, not evidence (a client can send the header too).
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Error reporting: set SENTRY_DSN (or SENTRY_DSN_FILE) to turn it on; without it, nothing is sent.
SENTRY_DSN = envsecret("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    from core.logging import SENTRY_DENYLIST, sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        # No user ids, IP addresses, cookies or request bodies; phones and codes scrubbed.
        send_default_pii=False,
        event_scrubber=EventScrubber(denylist=DEFAULT_DENYLIST + SENTRY_DENYLIST, recursive=True),
        before_send=sentry_before_send,
        before_send_transaction=sentry_before_send,
    )

# The worker and beat log through LOGGING above (JSON, redaction) instead of Celery's own setup.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- The hall screen (issue 15, hall/, docs/hall.md) -----------------------------------------
# How often the screen fetches its figures, and how long the one cached answer lives.
HALL_REFRESH_SECONDS = envint("HALL_REFRESH_SECONDS", 60)

# --- SMS gateways, the SMS outbox and delivery receipts (issue 16, docs/sms.md) --------------
# SMS_SENDER (above) picks the gateway: riders.sms.AliyunSMSSender or riders.sms.TencentSMSSender
# (ConsoleSMSSender only with DEBUG=1). The sign name (签名) both gateways approved for us:
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
# The gateway's approved template (模板) for each message kind (riders/sms_templates.py): an
# Aliyun TemplateCode (SMS_123456789) or a Tencent TemplateId (1234567), for the gateway
# SMS_SENDER names. With a gateway sender, a kind without one stops the site at start-up
# (system check riders.E002).
SMS_TEMPLATES = {
    "sign_in_code": os.environ.get("SMS_TEMPLATE_SIGN_IN_CODE", ""),
    "officer_sign_in_code": os.environ.get("SMS_TEMPLATE_OFFICER_SIGN_IN_CODE", ""),
    "bed_offer": os.environ.get("SMS_TEMPLATE_BED_OFFER", ""),
    "offer_expiring": os.environ.get("SMS_TEMPLATE_OFFER_EXPIRING", ""),
    "report_question": os.environ.get("SMS_TEMPLATE_REPORT_QUESTION", ""),
    "report_reopened": os.environ.get("SMS_TEMPLATE_REPORT_REOPENED", ""),
    "subsidy_decision": os.environ.get("SMS_TEMPLATE_SUBSIDY_DECISION", ""),
    "policy_notice": os.environ.get("SMS_TEMPLATE_POLICY_NOTICE", ""),
}
# Alibaba Cloud SMS (dysmsapi). The endpoint is the SDK's own setting: unset, the SDK's default
# (dysmsapi.aliyuncs.com over HTTPS); host[:port], or http://host:port for a local gateway.
SMS_ALIYUN_ACCESS_KEY_ID = os.environ.get("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = envsecret("SMS_ALIYUN_ACCESS_KEY_SECRET") or ""
SMS_ALIYUN_REGION = os.environ.get("SMS_ALIYUN_REGION", "cn-hangzhou")
SMS_ALIYUN_ENDPOINT = os.environ.get("SMS_ALIYUN_ENDPOINT", "")
# Tencent Cloud SMS (sms 2021-01-11): SecretId/SecretKey, the SMS application's SdkAppId.
SMS_TENCENT_SECRET_ID = os.environ.get("SMS_TENCENT_SECRET_ID", "")
SMS_TENCENT_SECRET_KEY = envsecret("SMS_TENCENT_SECRET_KEY") or ""
SMS_TENCENT_SDK_APP_ID = os.environ.get("SMS_TENCENT_SDK_APP_ID", "")
SMS_TENCENT_REGION = os.environ.get("SMS_TENCENT_REGION", "ap-guangzhou")
SMS_TENCENT_ENDPOINT = os.environ.get("SMS_TENCENT_ENDPOINT", "")
# One gateway call may take this long in the worker; the sign-in code's first try, made in
# the rider's request (docs/decisions.md), gives up sooner and leaves the rest to the worker.
SMS_TIMEOUT_SECONDS = float(os.environ.get("SMS_TIMEOUT_SECONDS", "10"))
SMS_INLINE_TIMEOUT_SECONDS = float(os.environ.get("SMS_INLINE_TIMEOUT_SECONDS", "3"))
# Transient failures (throttling, network, 5xx) are retried after 5 s, 10 s, 20 s, … up to
# SMS_RETRY_MAX_SECONDS, at most SMS_MAX_ATTEMPTS tries in all; then the row is failed.
SMS_MAX_ATTEMPTS = envint("SMS_MAX_ATTEMPTS", 5)
SMS_RETRY_BASE_SECONDS = float(os.environ.get("SMS_RETRY_BASE_SECONDS", "5"))
SMS_RETRY_MAX_SECONDS = float(os.environ.get("SMS_RETRY_MAX_SECONDS", "300"))
# A message other than a code not sent within this long is expired rather than sent late.
SMS_GIVE_UP_SECONDS = envint("SMS_GIVE_UP_SECONDS", 6 * 3600)
# The sweep ("sweep-sms", every minute) sends queued rows due for this long that no task took.
SMS_SWEEP_AFTER_SECONDS = envint("SMS_SWEEP_AFTER_SECONDS", 60)
SMS_CLAIM_SECONDS = envint("SMS_CLAIM_SECONDS", 60)
# The secret in the delivery-receipt URLs the gateways call (/sms/receipts/<gateway>/<token>/);
# unset: the receipt endpoints answer 404.
SMS_RECEIPT_TOKEN = envsecret("SMS_RECEIPT_TOKEN") or ""
CELERY_BEAT_SCHEDULE["sweep-sms"] = {"task": "riders.tasks.sweep_sms", "schedule": 60.0}

# --- Sign in with the platform: OpenID Connect (issue 16, riders/oidc.py, docs/sign-in.md) ----
# Riders sign in with the delivery platform's account (code flow + PKCE). Off, with no button
# and no URLs, until an issuer (or a discovery URL) and a client id are set. The phone code
# stays the fallback either way.
PLATFORM_OIDC_ISSUER = os.environ.get("PLATFORM_OIDC_ISSUER", "")
PLATFORM_OIDC_DISCOVERY_URL = os.environ.get("PLATFORM_OIDC_DISCOVERY_URL", "") or (
    f"{PLATFORM_OIDC_ISSUER.rstrip('/')}/.well-known/openid-configuration"
    if PLATFORM_OIDC_ISSUER
    else ""
)
PLATFORM_OIDC_CLIENT_ID = os.environ.get("PLATFORM_OIDC_CLIENT_ID", "")
PLATFORM_OIDC_CLIENT_SECRET = envsecret("PLATFORM_OIDC_CLIENT_SECRET") or ""
PLATFORM_OIDC_SCOPES = os.environ.get("PLATFORM_OIDC_SCOPES", "openid profile")
# The claim (in the ID token or from the userinfo endpoint) that holds the platform's rider
# number, matched to Rider.rider_number.
PLATFORM_OIDC_RIDER_CLAIM = os.environ.get("PLATFORM_OIDC_RIDER_CLAIM", "rider_no")
PLATFORM_OIDC_TIMEOUT_SECONDS = envint("PLATFORM_OIDC_TIMEOUT_SECONDS", 5)
# Signing out posts to /sign-out/, which redirects to the provider's end_session_endpoint;
# browsers apply form-action to that redirect too. (_tile_origin: the scheme and host of a URL.)
if (
    PLATFORM_OIDC_DISCOVERY_URL
    and PLATFORM_OIDC_CLIENT_ID
    and (_platform_origin := _tile_origin(PLATFORM_OIDC_ISSUER or PLATFORM_OIDC_DISCOVERY_URL))
):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_platform_origin)

# --- Notifications: the inbox always, SMS for what cannot wait (issue 16, docs/notifications.md)
# riders/notify.py. No SMS in the quiet hours (local time in NOTIFY_QUIET_TIME_ZONE; start =
# end: none): held back to their end, unless the matter expires before then. A rider gets at
# most NOTIFY_SMS_PER_RIDER_PER_DAY notification SMS a day; the site at most
# NOTIFY_SMS_BUDGET_PER_HOUR an hour, a budget of their own beside the sign-in one
# (SMS_BUDGET_PER_HOUR), of which batches of announcements may use NOTIFY_BULK_SHARE_PERCENT;
# what does not fit an hour goes in the next one. The inbox message is written whatever happens.
NOTIFY_QUIET_START = os.environ.get("NOTIFY_QUIET_START", "22:00")
NOTIFY_QUIET_END = os.environ.get("NOTIFY_QUIET_END", "07:00")
NOTIFY_QUIET_TIME_ZONE = os.environ.get("NOTIFY_QUIET_TIME_ZONE", "Asia/Shanghai")
NOTIFY_SMS_PER_RIDER_PER_DAY = envint("NOTIFY_SMS_PER_RIDER_PER_DAY", 5)
NOTIFY_SMS_BUDGET_PER_HOUR = envint("NOTIFY_SMS_BUDGET_PER_HOUR", 10_000)
NOTIFY_BULK_SHARE_PERCENT = envint("NOTIFY_BULK_SHARE_PERCENT", 80)
# A bed offer's reminder goes this many hours before the offer expires (by SMS and inbox).
APARTMENT_OFFER_REMINDER_HOURS = envint("APARTMENT_OFFER_REMINDER_HOURS", 6)
CELERY_BEAT_SCHEDULE["remind-bed-offers"] = {
    "task": "apartments.tasks.remind_bed_offers",
    "schedule": crontab(minute="*/5"),
}
_quiet_end = NOTIFY_QUIET_END.split(":")
CELERY_BEAT_SCHEDULE["send-sms-held-by-quiet-hours"] = {
    "task": "riders.tasks.send_held_sms",
    "schedule": crontab(hour=int(_quiet_end[0]), minute=int(_quiet_end[1])),
}

# --- Retention (issue 20, privacy/retention.py, docs/privacy.md "Retention") ----------------
# How many days each kind of personal data is kept; the table in privacy/retention.py says
# what each covers and why. The nightly run (03:30 Asia/Shanghai, after the day's sweeps and
# before the morning) applies them in batches of RETENTION_BATCH_SIZE ids.
RETENTION_BATCH_SIZE = envint("RETENTION_BATCH_SIZE", 1000)
RETENTION_SIGN_IN_CODES_DAYS = envint("RETENTION_SIGN_IN_CODES_DAYS", 1)
RETENTION_LIMIT_COUNTERS_DAYS = envint("RETENTION_LIMIT_COUNTERS_DAYS", 2)
RETENTION_SIGN_IN_IPS_DAYS = envint("RETENTION_SIGN_IN_IPS_DAYS", 30)
RETENTION_SMS_LOG_DAYS = envint("RETENTION_SMS_LOG_DAYS", 180)
RETENTION_NOTIFICATIONS_READ_DAYS = envint("RETENTION_NOTIFICATIONS_READ_DAYS", 180)
RETENTION_NOTIFICATIONS_DAYS = envint("RETENTION_NOTIFICATIONS_DAYS", 730)
RETENTION_SESSIONS_EXPIRED_DAYS = envint("RETENTION_SESSIONS_EXPIRED_DAYS", 0)
RETENTION_STAFF_SIGN_IN_ATTEMPTS_DAYS = envint("RETENTION_STAFF_SIGN_IN_ATTEMPTS_DAYS", 30)
# MLPS 2.0 (等保 2.0): security audit records at least six months.
RETENTION_ACCESS_LOG_DAYS = envint("RETENTION_ACCESS_LOG_DAYS", 180)
RETENTION_AUDIT_IP_DAYS = envint("RETENTION_AUDIT_IP_DAYS", 180)
RETENTION_AUDIT_LOG_DAYS = envint("RETENTION_AUDIT_LOG_DAYS", 1095)
RETENTION_IDEMPOTENCY_RECORDS_DAYS = envint("RETENTION_IDEMPOTENCY_RECORDS_DAYS", 2)
# Days after a report is closed; read by governance's sweep "governance.photo_originals".
RETENTION_REPORT_PHOTO_ORIGINALS_DAYS = envint("RETENTION_REPORT_PHOTO_ORIGINALS_DAYS", 180)
CELERY_BEAT_SCHEDULE["apply-retention"] = {
    "task": "privacy.tasks.retention_apply",
    "schedule": crontab(hour=3, minute=30),
}

# --- The privacy notice and consents (issue 20, docs/privacy.md) ---------------------------------
# Whom a rider contacts about their personal information: shown on the notice (/privacy/).
PRIVACY_CONTACT = {
    "name": os.environ.get(
        "PRIVACY_CONTACT_NAME", _("Riders service centre, personal information desk")
    ),
    "email": os.environ.get("PRIVACY_CONTACT_EMAIL", "privacy@riders-portal.example"),
    "phone": os.environ.get("PRIVACY_CONTACT_PHONE", CENTRE_PHONE),
}

# --- My data: a rider's export, corrections, account closure (issue 20, docs/mydata.md) ------
# An export is offered for MYDATA_EXPORT_HOURS after it is built, then the sweep deletes it; a
# rider may ask for MYDATA_EXPORTS_PER_DAY in 24 hours (building one reads every table). An
# export still queued or building after MYDATA_EXPORT_STUCK_MINUTES (a lost message, a dead
# worker) is queued again, at most MYDATA_EXPORT_MAX_ATTEMPTS times, then marked failed.
MYDATA_EXPORT_HOURS = envint("MYDATA_EXPORT_HOURS", 24)
MYDATA_EXPORTS_PER_DAY = envint("MYDATA_EXPORTS_PER_DAY", 3)
MYDATA_EXPORT_STUCK_MINUTES = envint("MYDATA_EXPORT_STUCK_MINUTES", 15)
MYDATA_EXPORT_MAX_ATTEMPTS = envint("MYDATA_EXPORT_MAX_ATTEMPTS", 3)
CELERY_BEAT_SCHEDULE["sweep-data-exports"] = {
    "task": "mydata.tasks.sweep_data_exports",
    "schedule": crontab(minute="*/5"),
}
# Corrections and closures in the audit trail (who, and why: AccountClosure.reason); the roster
# fields a correction may change are audited with the rest of the rider (above).
AUDITLOG_INCLUDE_TRACKING_MODELS += [
    {"model": "mydata.CorrectionRequest", "exclude_fields": ["created_at"]},
    "mydata.AccountClosure",
]

# --- Bystanders blurred in report photos (issue 20, PIPL; core/redaction.py) ------------------
# Each report or evidence photo gets a blurred copy (faces and plates) from a task queued on
# upload; departments, Open311, the workbench and other riders get only that copy. The sweep
# re-queues photos a lost message left without one. Originals are deleted
# RETENTION_REPORT_PHOTO_ORIGINALS_DAYS after the report closed (above; the retention task's
# sweep governance.photo_originals); the blurred copy stays. Manual edits are audited.
CELERY_BEAT_SCHEDULE["redact-unredacted-photos"] = {
    "task": "governance.tasks.sweep_unredacted_photos",
    "schedule": 300.0,
}
AUDITLOG_INCLUDE_TRACKING_MODELS += [
    {"model": "governance.ReportPhoto", "include_fields": ["redaction_boxes", "image"]},
    {"model": "governance.EvidencePhoto", "include_fields": ["redaction_boxes", "image"]},
]
