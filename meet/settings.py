"""Django settings: one flat module, every external knob read through ``meet.env``.

Variable names and defaults are those of OpenVidu Meet 3.4.1 (see docs/configuration.md and
.env.example). Internal constants live in the "Internal" section at the bottom.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from jwt.warnings import InsecureKeyLengthWarning
from redis.backoff import ExponentialBackoff

from meet import redis_keys
from meet.breaker import RedisRetry
from meet.env import (
    env_bool,
    env_choice,
    env_float,
    env_host_ports,
    env_int,
    env_list,
    env_networks,
    env_secret,
    env_str,
    env_url,
    load_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = load_env_file(BASE_DIR)

# --- Server -----------------------------------------------------------------------------------
NODE_ENV = env_str("NODE_ENV")
SERVER_PORT = env_int("SERVER_PORT", 6080, minimum=1, maximum=65535)
SERVER_CORS_ORIGIN = env_str("SERVER_CORS_ORIGIN", "*")
MEET_NAME_ID = env_str("MEET_NAME_ID", "openviduMeet")
MEET_BASE_URL = env_str("MEET_BASE_URL", "").strip()
if MEET_BASE_URL.endswith("/"):
    MEET_BASE_URL = MEET_BASE_URL[:-1]

# Proxies whose X-Forwarded-For is believed (the client IP of the login limit and of logs). A
# request from any other address is its own client, whatever headers it sends. The reference
# trusts every sender ("trust proxy = true"), which lets a client rotate the header to escape
# the login limit. Loopback by default: a proxy on the same host.
TRUSTED_PROXIES = env_networks("MEET_TRUSTED_PROXIES", ("127.0.0.0/8", "::1/128"))

_LOG_LEVELS = {
    "error": "ERROR",
    "warn": "WARNING",
    "warning": "WARNING",
    "info": "INFO",
    "http": "INFO",
    "verbose": "DEBUG",
    "debug": "DEBUG",
    "silly": "DEBUG",
}
MEET_LOG_LEVEL = _LOG_LEVELS[env_choice("MEET_LOG_LEVEL", "info", tuple(_LOG_LEVELS))]

# Operator-supplied front-end build (off when empty): a directory laid out as the reference's
# ``public/`` — ``frontend/index.html`` (+ assets) and ``webcomponent/openvidu-meet.bundle.min.js``.
MEET_FRONTEND_DIR = env_str("MEET_FRONTEND_DIR", "").strip()
if MEET_FRONTEND_DIR and not (Path(MEET_FRONTEND_DIR) / "frontend" / "index.html").is_file():
    raise ImproperlyConfigured(
        f"MEET_FRONTEND_DIR: '{MEET_FRONTEND_DIR}' has no frontend/index.html (expected the "
        "layout of the reference's public/ directory: frontend/ and webcomponent/)"
    )

# --- Initial data (applied once, at first initialisation) -------------------------------------
MEET_INITIAL_ADMIN_USER = env_str("MEET_INITIAL_ADMIN_USER", "admin")
MEET_INITIAL_ADMIN_PASSWORD = env_secret("MEET_INITIAL_ADMIN_PASSWORD", "admin")
MEET_INITIAL_API_KEY = env_secret("MEET_INITIAL_API_KEY", "")
MEET_INITIAL_WEBHOOK_ENABLED = env_bool("MEET_INITIAL_WEBHOOK_ENABLED", False)
MEET_INITIAL_WEBHOOK_URL = env_str("MEET_INITIAL_WEBHOOK_URL", "")

# --- Outgoing webhooks: signing secret and failed deliveries (ours; docs/webhook-signing.md) ---
# Empty: webhooks are signed with the API key, as the reference signs them (unless a secret is
# stored through the API or console, which wins over this one).
MEET_WEBHOOK_SIGNING_SECRET = env_secret("MEET_WEBHOOK_SIGNING_SECRET", "")
if MEET_WEBHOOK_SIGNING_SECRET and not 32 <= len(MEET_WEBHOOK_SIGNING_SECRET) <= 256:
    raise ImproperlyConfigured("MEET_WEBHOOK_SIGNING_SECRET: must be 32 to 256 characters long")
MEET_WEBHOOK_SIGNING_OVERLAP_SECONDS = env_int(
    "MEET_WEBHOOK_SIGNING_OVERLAP_SECONDS", 86400, minimum=0, maximum=90 * 86400
)
MEET_WEBHOOK_FAILED_RETENTION_DAYS = env_int(
    "MEET_WEBHOOK_FAILED_RETENTION_DAYS", 7, minimum=0, maximum=365
)
MEET_WEBHOOK_FAILED_MAX = env_int("MEET_WEBHOOK_FAILED_MAX", 1000, minimum=0, maximum=100_000)

# --- LiveKit ----------------------------------------------------------------------------------
LIVEKIT_URL = env_url("LIVEKIT_URL", "ws://localhost:7880", schemes=("ws", "wss", "http", "https"))
LIVEKIT_URL_PRIVATE = env_url(
    "LIVEKIT_URL_PRIVATE", LIVEKIT_URL, schemes=("ws", "wss", "http", "https")
)
LIVEKIT_API_KEY = env_str("LIVEKIT_API_KEY", "devkey")
LIVEKIT_API_SECRET = env_secret("LIVEKIT_API_SECRET", "secret")
if not LIVEKIT_API_KEY or not LIVEKIT_API_SECRET:
    raise ImproperlyConfigured("LIVEKIT_API_KEY and LIVEKIT_API_SECRET must not be empty")
# Set by bin/run when it started the bundled LiveKit simulator (no LIVEKIT_URL): the console
# shows a banner, and the short demo secret is not warned about (the demo banner says more).
MEET_DEMO_MODE = env_bool("MEET_DEMO_MODE", False)
# PyJWT warns about HMAC keys under 32 bytes on every token, with source lines, in every
# process. The reference's default secret ("secret") is that short: one plain system-check
# warning (meet.checks, shown once by init_storage at start-up) replaces it.
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)

# --- Object storage ---------------------------------------------------------------------------
# The reference knows s3 (default), abs and gcs; "local" is our embedded mode: a directory in
# the same key layout (MEET_LOCAL_STORAGE_DIR/<bucket>/<subbucket>/...).
MEET_BLOB_STORAGE_MODE = env_choice("MEET_BLOB_STORAGE_MODE", "s3", ("s3", "abs", "gcs", "local"))
MEET_S3_BUCKET = env_str("MEET_S3_BUCKET", "openvidu-appdata")
MEET_S3_SUBBUCKET = env_str("MEET_S3_SUBBUCKET", "openvidu-meet")
MEET_S3_SERVICE_ENDPOINT = env_str("MEET_S3_SERVICE_ENDPOINT", "http://localhost:9000")
MEET_S3_ACCESS_KEY = env_secret("MEET_S3_ACCESS_KEY", "minioadmin")
MEET_S3_SECRET_KEY = env_secret("MEET_S3_SECRET_KEY", "minioadmin")
MEET_AWS_REGION = env_str("MEET_AWS_REGION", "us-east-1")
MEET_S3_WITH_PATH_STYLE_ACCESS = env_bool("MEET_S3_WITH_PATH_STYLE_ACCESS", True)
MEET_AZURE_CONTAINER_NAME = env_str("MEET_AZURE_CONTAINER_NAME", "openvidu-appdata")
MEET_AZURE_SUBCONTAINER_NAME = env_str("MEET_AZURE_SUBCONTAINER_NAME", "openvidu-meet")
MEET_AZURE_ACCOUNT_NAME = env_str("MEET_AZURE_ACCOUNT_NAME", "")
MEET_AZURE_ACCOUNT_KEY = env_secret("MEET_AZURE_ACCOUNT_KEY", "")
MEET_LOCAL_STORAGE_DIR = env_str("MEET_LOCAL_STORAGE_DIR", str(BASE_DIR / "var" / "storage"))
if MEET_BLOB_STORAGE_MODE == "abs" and not (MEET_AZURE_ACCOUNT_NAME and MEET_AZURE_ACCOUNT_KEY):
    raise ImproperlyConfigured(
        "MEET_AZURE_ACCOUNT_NAME and MEET_AZURE_ACCOUNT_KEY are required when "
        "MEET_BLOB_STORAGE_MODE=abs"
    )
# The prefix every key lives under ("subbucket"); Azure has its own variable for it.
STORAGE_KEY_PREFIX = (
    MEET_AZURE_SUBCONTAINER_NAME if MEET_BLOB_STORAGE_MODE == "abs" else MEET_S3_SUBBUCKET
)

# --- Recording retention (ours, docs/policies.md) ---------------------------------------------
# Days after its end a COMPLETE recording is deleted by the hourly retention task; 0 = forever
# (the reference). A room's config.recording.retentionDays overrides it.
MEET_RECORDING_RETENTION_DAYS = env_int("MEET_RECORDING_RETENTION_DAYS", 0, minimum=0)
# A recording past its retention whose share link was handed out: "keep" it (reported by the
# dry run and the task) or "delete" it (the audit event says the link stopped working).
MEET_RECORDING_RETENTION_SHARED = env_choice(
    "MEET_RECORDING_RETENTION_SHARED", "keep", ("keep", "delete")
)

# --- Bounded waits on dependencies ------------------------------------------------------------
# A frozen dependency (it accepts connections but never answers) must cost a request a few
# seconds, not minutes: every call has a connect and a read timeout, and a timed-out call is
# not retried. After a call finds a dependency unreachable, calls to it fail at once (503) for
# MEET_DEPENDENCY_DOWN_SECONDS (meet/breaker.py). docs/operations.md has the figures.
MEET_REDIS_CONNECT_TIMEOUT = env_float("MEET_REDIS_CONNECT_TIMEOUT", 2.0, minimum=0.1)
MEET_REDIS_TIMEOUT = env_float("MEET_REDIS_TIMEOUT", 2.0, minimum=0.1)
MEET_S3_CONNECT_TIMEOUT = env_float("MEET_S3_CONNECT_TIMEOUT", 2.0, minimum=0.1)
# Per read from S3 (a response's first byte, and each chunk of a stream): a long media or ZIP
# download is never cut by it while S3 keeps sending.
MEET_S3_READ_TIMEOUT = env_float("MEET_S3_READ_TIMEOUT", 3.0, minimum=0.1)
# Attempts per S3 call, counting the first; botocore retries errors and throttling, not a
# timed-out read once the breaker has marked S3 down.
MEET_S3_MAX_ATTEMPTS = env_int("MEET_S3_MAX_ATTEMPTS", 2, minimum=1, maximum=10)
# One LiveKit API call, connect included (StartRoomCompositeEgress: see below).
MEET_LIVEKIT_TIMEOUT = env_float("MEET_LIVEKIT_TIMEOUT", 3.0, minimum=0.1)
MEET_DEPENDENCY_DOWN_SECONDS = env_float("MEET_DEPENDENCY_DOWN_SECONDS", 1.0, minimum=0)

# --- Redis ------------------------------------------------------------------------------------
MEET_REDIS_HOST = env_str("MEET_REDIS_HOST", "localhost")
MEET_REDIS_PORT = env_int("MEET_REDIS_PORT", 6379, minimum=1, maximum=65535)
MEET_REDIS_USERNAME = env_str("MEET_REDIS_USERNAME", "")
MEET_REDIS_PASSWORD = env_secret("MEET_REDIS_PASSWORD", "redispassword")
MEET_REDIS_DB = env_int("MEET_REDIS_DB", 0, minimum=0)
MEET_REDIS_SENTINEL_HOST_LIST = env_host_ports("MEET_REDIS_SENTINEL_HOST_LIST")
MEET_REDIS_SENTINEL_PASSWORD = env_secret("MEET_REDIS_SENTINEL_PASSWORD", "")
MEET_REDIS_SENTINEL_MASTER_NAME = env_str("MEET_REDIS_SENTINEL_MASTER_NAME", "openvidu")
if MEET_REDIS_SENTINEL_HOST_LIST and not MEET_REDIS_SENTINEL_PASSWORD:
    raise ImproperlyConfigured(
        "MEET_REDIS_SENTINEL_PASSWORD is required when MEET_REDIS_SENTINEL_HOST_LIST is set"
    )

# In-process copies of the API keys, the global config and rooms (meet/local_cache.py): dropped
# on every change through the events channel, and never older than this. 0 turns them off (for
# instances sharing Redis with reference servers, which do not announce their changes).
LOCAL_CACHE_TTL_SECONDS = env_int("MEET_LOCAL_CACHE_TTL_SECONDS", 5, minimum=0, maximum=60)

# Pages of the room and recording listings cached in Redis (meet/listing_cache.py): left behind
# at once by every write of ours, and never older than this (the bound for writers that do not
# announce their changes: reference servers, hand edits of the bucket). 0 turns them off.
LISTING_CACHE_TTL_SECONDS = env_int("MEET_LISTING_CACHE_TTL_SECONDS", 30, minimum=0, maximum=3600)

# Named, scoped API keys (ours, docs/api-keys.md): how many may exist, and how often (at most)
# a key's last-used time is written to Redis per process.
MEET_API_KEYS_MAX = env_int("MEET_API_KEYS_MAX", 100, minimum=1, maximum=10000)
MEET_API_KEY_LAST_USED_INTERVAL_SECONDS = env_int(
    "MEET_API_KEY_LAST_USED_INTERVAL_SECONDS", 60, minimum=0, maximum=86400
)

# Deployment switch of the reference: exit when this module is not enabled.
MODULES_FILE = env_str("MODULES_FILE", "")
MODULE_NAME = env_str("MODULE_NAME", "openviduMeet")
ENABLED_MODULES = env_list("ENABLED_MODULES")
MEET_MODULE_ENABLED = not MODULES_FILE or MODULE_NAME in ENABLED_MODULES


def _redis_userinfo() -> str:
    if not (MEET_REDIS_USERNAME or MEET_REDIS_PASSWORD):
        return ""
    return f"{quote(MEET_REDIS_USERNAME, safe='')}:{quote(MEET_REDIS_PASSWORD, safe='')}@"


_REDIS_OPTIONS: dict[str, object] = {
    "SOCKET_CONNECT_TIMEOUT": MEET_REDIS_CONNECT_TIMEOUT,
    "SOCKET_TIMEOUT": MEET_REDIS_TIMEOUT,
    "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
    # redis-py's default retries back off for seconds; an outage should become a 503 quickly.
    # One retry of a refused/closed connection; no retry of a timeout; the breaker in front.
    "CONNECTION_POOL_KWARGS": {"retry": RedisRetry(ExponentialBackoff(cap=0.2, base=0.02), 1)},
}
if MEET_REDIS_SENTINEL_HOST_LIST:
    DJANGO_REDIS_CONNECTION_FACTORY = "django_redis.pool.SentinelConnectionFactory"
    REDIS_LOCATION = f"redis://{_redis_userinfo()}{MEET_REDIS_SENTINEL_MASTER_NAME}/{MEET_REDIS_DB}"
    _REDIS_OPTIONS |= {
        "CLIENT_CLASS": "django_redis.client.SentinelClient",
        "SENTINELS": MEET_REDIS_SENTINEL_HOST_LIST,
        # Given SENTINEL_KWARGS, redis-py applies none of the options above to the Sentinel
        # connections: repeat the timeouts and the short retry, else an unreachable Sentinel (or
        # a wrong password) takes ~12 s of default backoff before the 503.
        "SENTINEL_KWARGS": {
            "password": MEET_REDIS_SENTINEL_PASSWORD,
            "socket_connect_timeout": MEET_REDIS_CONNECT_TIMEOUT,
            "socket_timeout": MEET_REDIS_TIMEOUT,
            "retry": RedisRetry(ExponentialBackoff(cap=0.2, base=0.02), 1),
        },
    }
    CELERY_BROKER_URL = ";".join(
        f"sentinel://{_redis_userinfo()}{host}:{port}/{MEET_REDIS_DB}"
        for host, port in MEET_REDIS_SENTINEL_HOST_LIST
    )
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "master_name": MEET_REDIS_SENTINEL_MASTER_NAME,
        "sentinel_kwargs": {"password": MEET_REDIS_SENTINEL_PASSWORD},
    }
else:
    REDIS_LOCATION = (
        f"redis://{_redis_userinfo()}{MEET_REDIS_HOST}:{MEET_REDIS_PORT}/{MEET_REDIS_DB}"
    )
    CELERY_BROKER_URL = REDIS_LOCATION
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
# Publishing a task (an outgoing webhook) from a request must not hang on a frozen broker.
CELERY_BROKER_TRANSPORT_OPTIONS |= {
    "socket_connect_timeout": MEET_REDIS_CONNECT_TIMEOUT,
    "socket_timeout": MEET_REDIS_TIMEOUT,
}
CELERY_BROKER_CONNECTION_TIMEOUT = MEET_REDIS_CONNECT_TIMEOUT

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_LOCATION,
        "OPTIONS": _REDIS_OPTIONS,
    }
}

# --- Audit log (not in the reference; docs/audit-log.md) ---------------------------------------
# Who changed what, stored as one object per event beside the other JSON. Off: events are only
# logged (logger ``meet.audit``). Retention: events older than this many days are deleted daily
# (0 keeps them forever).
MEET_AUDIT_LOG_ENABLED = env_bool("MEET_AUDIT_LOG_ENABLED", True)
MEET_AUDIT_RETENTION_DAYS = env_int("MEET_AUDIT_RETENTION_DAYS", 90, minimum=0, maximum=36500)
# --- Metrics (not in the reference; docs/metrics.md) -------------------------------------------
# ``GET /metrics`` (Prometheus) and ``GET /api/v1/metrics`` (a JSON summary); off by default, when
# both answer as an unknown path and nothing is counted. A scrape must come from one of the
# networks (client IP as for the login limit: MEET_TRUSTED_PROXIES) and, with a token set, carry
# ``Authorization: Bearer <token>``.
MEET_METRICS_ENABLED = env_bool("MEET_METRICS_ENABLED", False)
MEET_METRICS_TOKEN = env_secret("MEET_METRICS_TOKEN", "")
MEET_METRICS_ALLOWED_NETWORKS = env_networks(
    "MEET_METRICS_ALLOWED_NETWORKS", ("127.0.0.0/8", "::1/128")
)
# The inventory gauges (meetings live, rooms, recordings by status) walk storage: at most once
# per this many seconds per process, on a scrape.
MEET_METRICS_INVENTORY_SECONDS = env_int(
    "MEET_METRICS_INVENTORY_SECONDS", 60, minimum=0, maximum=24 * 3600
)

# --- Django -----------------------------------------------------------------------------------
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", "") or f"meet-{LIVEKIT_API_SECRET}-{MEET_NAME_ID}"
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = ["*"]  # the reference answers any Host; put a proxy in front to restrict it
USE_X_FORWARDED_HOST = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
APPEND_SLASH = False
DATABASES: dict[str, dict[str, str]] = {}
INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "meet",
    "audit",
    "accounts",
    "rooms",
    "recordings",
    "meetings",
    "webhooks",
    "metrics",
    "console",
    "audit_http",
]
# The API stays stateless: no session, message or CSRF middleware here. The console's views
# apply those per view (console/views.py ``console_view``), so /api, /internal-api and the
# LiveKit webhook behave exactly as without the console.
MIDDLEWARE = [
    # Requests by route and status, latency (only when MEET_METRICS_ENABLED; else not loaded).
    "metrics.middleware.MetricsMiddleware",
    "meet.api.middleware.CorsMiddleware",
    # Static files (and the optional front-end build) before the routes, as in the reference.
    "meet.frontend.StaticFilesMiddleware",
    "meet.api.middleware.BodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Records the state changes of the routes listed in audit_http/rules.py (a dict lookup on
    # every other request).
    "audit_http.middleware.AuditMiddleware",
]
ROOT_URLCONF = "meet.urls"
WSGI_APPLICATION = "meet.wsgi.application"
ASGI_APPLICATION = "meet.asgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.banners",
            ]
        },
    }
]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False
STATIC_URL = "/static/"
# WhiteNoise (meet.frontend.StaticFilesMiddleware) serves the apps' static files from where
# they are installed, in every mode: no collectstatic step, hence no STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# Operator console (/console/): sessions in the Redis cache (no database), cookies scoped to
# /console/ so API requests never carry or receive them; CSRF token in a cookie of its own.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "default"
SESSION_COOKIE_NAME = "OvMeetConsoleSession"
SESSION_COOKIE_PATH = "/console/"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"
CSRF_COOKIE_NAME = "OvMeetConsoleCsrf"
CSRF_COOKIE_PATH = "/console/"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "console.views.base.csrf_failure"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Express' body-parser limit ("100kb"); larger bodies get 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 100 * 1024
REQUEST_BODY_LIMIT = 100 * 1024
# Deeper JSON bodies are malformed (no route reads below depth 5; deep nesting only costs).
REQUEST_JSON_MAX_DEPTH = 32

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["meet.api.renderers.MeetJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "meet.api.parsers.MeetJSONParser",
        "meet.api.parsers.MeetFormParser",
        "meet.api.parsers.IgnoredBodyParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
    "EXCEPTION_HANDLER": "meet.api.exception_handler.handle_exception",
    "DEFAULT_SCHEMA_CLASS": "meet.api.schema.MeetAutoSchema",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "meet.api.renderers.AlwaysJSONNegotiation",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenVidu Meet compatible REST API",
    "DESCRIPTION": "Django implementation of the OpenVidu Meet 3.4 REST API.",
    "VERSION": "v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/(api|internal-api)/v1",
    # Auth chains are documented in docs/api.md; the schema lists the credential kinds.
    "AUTHENTICATION_WHITELIST": [],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-KEY"},
            "accessTokenHeader": {"type": "http", "scheme": "bearer"},
            "participantTokenHeader": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Participant-Token",
            },
            "recordingTokenHeader": {"type": "apiKey", "in": "header", "name": "X-Recording-Token"},
        }
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "meet.api.schema.schema_paths_hook",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": MEET_LOG_LEVEL},
    "loggers": {
        "botocore": {"level": "WARNING"},
        "boto3": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

# --- Celery -----------------------------------------------------------------------------------
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_ACKS_LATE = True  # a task interrupted by a worker crash runs again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
# Celery roles the web process runs as threads of its own (meet/embedded.py): bin/run sets it for
# the single-node default ("worker,beat"); empty when each role has a process of its own.
MEET_EMBEDDED_ROLES = env_list("MEET_EMBEDDED_ROLES")
if set(MEET_EMBEDDED_ROLES) - {"worker", "beat"}:
    raise ImproperlyConfigured("MEET_EMBEDDED_ROLES: expected a comma list of worker,beat")
EMBEDDED_WORKER_THREADS = 4
# Every entry's task runs under meet.locks.run_exclusively, so two beats (or a tick that overlaps
# the previous run) do the work once. Expiry ~1.5 x the interval drops ticks a dead worker missed.
ROOM_GC_INTERVAL_SECONDS = 3600
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Rooms past their autoDeletionDate; hourly as the reference (minute 0 of every hour).
    "rooms-delete-expired": {
        "task": "rooms.delete_expired_rooms",
        "schedule": crontab(minute=0),
        "options": {"expires": ROOM_GC_INTERVAL_SECONDS * 1.5},
    },
    # Recording locks of crashed instances / vanished rooms; every 30 min as the reference.
    "recordings-collect-orphaned-locks": {
        "task": "recordings.collect_orphaned_locks",
        "schedule": crontab(minute="*/30"),
        "options": {"expires": 30 * 60 * 1.5},
    },
    # Egresses that stopped reporting for 5 min in empty rooms; every 15 min as the reference.
    "recordings-cleanup-stale": {
        "task": "recordings.cleanup_stale_recordings",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 15 * 60 * 1.5},
    },
    # Recordings and meetings whose LiveKit webhooks were lost (a crash, a restart): not in the
    # reference. Every 5 min, at minutes 2, 7, 12… so it never starts with the other two.
    "meetings-reconcile": {
        "task": "meetings.reconcile",
        "schedule": crontab(minute="2-59/5"),
        "options": {"expires": 5 * 60 * 1.5},
    },
    # Ours (docs/policies.md): meetings past their room's maxDurationMinutes end; every minute.
    # One LiveKit ListRooms call when no room has a limit.
    "meetings-enforce-duration-limits": {
        "task": "meetings.enforce_duration_limits",
        "schedule": crontab(),
        "options": {"expires": 60 * 1.5},
    },
    # Ours (docs/policies.md): complete recordings past their retention are deleted; hourly at
    # minute 30 (away from the room GC). Nothing is read unless a retention is configured.
    "recordings-apply-retention": {
        "task": "recordings.apply_retention",
        "schedule": crontab(minute=30),
        "options": {"expires": 3600 * 1.5},
    },
    # Audit events older than MEET_AUDIT_RETENTION_DAYS: not in the reference. Daily at 03:17.
    "audit-prune": {
        "task": "audit.prune_audit_log",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 24 * 3600 * 1.5},
    },
}
DURATION_LIMITS_INTERVAL_SECONDS = 60
RETENTION_INTERVAL_SECONDS = 3600

# --- Internal constants (not read from the environment) ---------------------------------------
API_PREFIX = "/api/v1"
INTERNAL_API_PREFIX = "/internal-api/v1"
ACCESS_TOKEN_COOKIE = "OvMeetAccessToken"
REFRESH_TOKEN_COOKIE = "OvMeetRefreshToken"
PARTICIPANT_TOKEN_COOKIE = "OvMeetParticipantToken"
RECORDING_TOKEN_COOKIE = "OvMeetRecordingToken"
ACCESS_TOKEN_TTL_SECONDS = 2 * 3600
REFRESH_TOKEN_TTL_SECONDS = 24 * 3600
PARTICIPANT_TOKEN_TTL_SECONDS = 2 * 3600
RECORDING_TOKEN_TTL_SECONDS = 2 * 3600
# The reference passes milliseconds where Redis wants seconds (32 days -> ~87 years); we use
# seconds as intended (docs/compatibility.md).
CACHE_TTL_SECONDS = 32 * 24 * 3600
PARTICIPANT_NAME_TTL_SECONDS = 12 * 3600
RECORDING_LOCK_SECONDS = 6 * 3600
RECORDING_START_TIMEOUT_SECONDS = 20
RECORDING_STOP_GRACE_SECONDS = 1.0
RECORDING_LOCK_GC_INTERVAL_SECONDS = 30 * 60
RECORDING_LOCK_GRACE_SECONDS = 60
STALE_RECORDINGS_INTERVAL_SECONDS = 15 * 60
STALE_RECORDING_AFTER_SECONDS = 5 * 60
RECONCILE_INTERVAL_SECONDS = 5 * 60
# What LiveKit changed less than this long ago is left to its webhook, which may be on its way.
RECONCILE_GRACE_SECONDS = 60
RECONCILE_ROOM_LOCK_SECONDS = 120
PASSWORD_HASH_ROUNDS = 10
LOGIN_RATE_LIMIT = 5
LOGIN_RATE_WINDOW_SECONDS = 5 * 60
LOGIN_RATE_LIMIT_ENABLED = NODE_ENV != "test"
STORAGE_INIT_LOCK_SECONDS = 30
STORAGE_PUT_ATTEMPTS = 5
STORAGE_PUT_BACKOFF_SECONDS = 0.1
STORAGE_DEFAULT_PAGE_SIZE = 50
DEFAULT_LOCK_SECONDS = 60
SCHEDULED_TASK_MIN_LOCK_SECONDS = 59
EVENTS_CHANNEL = redis_keys.EVENTS_CHANNEL
# StartRoomCompositeEgress answers once an egress worker took the request (MEET_LIVEKIT_TIMEOUT
# bounds every other LiveKit call).
LIVEKIT_EGRESS_START_TIMEOUT_SECONDS = 10
WEBHOOK_TIMEOUT_SECONDS = 5
