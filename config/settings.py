"""Settings, read from the environment through django-environ (bad values fail loudly).

Every value has an embedded default that runs on one machine with no services: a SQLite file under
var/ (write-ahead log, immediate transactions), a Celery broker in files under var/celery/ when no
REDIS_URL is set (`make run` starts the worker beside the web server), mail goes to the console.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
VAR_DIR.mkdir(exist_ok=True)


def _local_secret_key() -> str:
    """A random key kept in var/ for a single machine; production sets SECRET_KEY instead."""
    from django.core.management.utils import get_random_secret_key

    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_tables2",
    "simple_history",
    "axes",
    "csp",
    "core",
    "studygroups",
    "inspections",
    "outreach",
    "assessment",
    "reports",
    "demo",  # development data: seed_demo and the feature apps' demo steps
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Early: a database outage answers a 503 page instead of a 500, before anything reads the session.
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.OnceOnlySubmissionMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

# History tables are indexed on (history_date, history_id) instead (core.models.audit.History).
SIMPLE_HISTORY_DATE_INDEX = False

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # JIT compiling costs more than the short queries of a page save (1.3 s on the coverage page at
    # prefecture scale); docs/benchmarks.md. PG_OPTIONS adds more "-c name=value" settings if needed.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = env.str("PG_OPTIONS", default="-c jit=off")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as a small office runs it, with many people saving at once: readers never block the writer
    # (write-ahead log), each request's transaction takes the write lock when it begins instead of failing
    # with "database is locked" when it later upgrades, and a writer waits up to SQLITE_BUSY_TIMEOUT seconds.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# One interface language for the whole deployment, whatever the browser asks for (LocaleMiddleware finds only
# this one among LANGUAGES): Simplified Chinese unless a deployment sets LANGUAGE_CODE=en.
_LANGUAGE_NAMES = {"zh-hans": _("Simplified Chinese"), "en": _("English")}
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans").lower()
if LANGUAGE_CODE not in _LANGUAGE_NAMES:
    raise environ.ImproperlyConfigured(
        f"LANGUAGE_CODE must be one of {', '.join(_LANGUAGE_NAMES)}, not {LANGUAGE_CODE!r}"
    )
LANGUAGES = [(LANGUAGE_CODE, _LANGUAGE_NAMES[LANGUAGE_CODE])]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str("STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage")
    },
}
# Uploads live outside the static tree and are served only by permission-checked views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media-not-served/"
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Word and Excel files are zip packages: refused when they unpack to more than this, or shrank more than this.
UPLOAD_MAX_INFLATED_BYTES = env.int("UPLOAD_MAX_INFLATED_BYTES", default=200 * 1024 * 1024)
UPLOAD_MAX_COMPRESSION_RATIO = env.int("UPLOAD_MAX_COMPRESSION_RATIO", default=100)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Celery: Redis when REDIS_URL is set. Otherwise a broker in plain files under CELERY_DATA_DIR (default
# var/celery/) that needs no server, consumed by the worker `make run` starts; results are files there too.
# CELERY_EAGER=1 runs tasks in the calling process instead, for a machine where no worker runs.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_DATA_DIR = Path(env.str("CELERY_DATA_DIR", default=str(VAR_DIR / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    for _folder in ("queue", "processed", "control", "results"):
        (CELERY_DATA_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # Producers write where the worker reads: one queue folder serves both directions.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_DATA_DIR / 'results'}"
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged when it ends, and given back to the queue if its worker dies: every task is safe
# to run twice (see studygroups/tasks.py). It is warned after the soft limit and killed at the hard one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Advance notices go out within five minutes of falling due (a session planned inside its notice window
    # is announced at once; the check is one indexed query); the missing-record reminders once a morning.
    "send-session-notices": {"task": "studygroups.tasks.send_session_notices", "schedule": crontab(minute="*/5")},
    "remind-missing-records": {
        "task": "studygroups.tasks.remind_missing_records",
        "schedule": crontab(hour=8, minute=30),
    },
    # Practical things for the people past their date: the township's secretaries are reminded each morning.
    "remind-overdue-needs": {"task": "outreach.tasks.remind_overdue_needs", "schedule": crontab(hour=8, minute=40)},
    # Sit-in inspection: late observer summaries and overdue rectifications, each morning.
    "inspection-reminders": {
        "task": "inspections.tasks.send_inspection_reminders",
        "schedule": crontab(hour=8, minute=40),
    },
}

if REDIS_URL:
    # Short socket timeouts: with Redis gone, a page waits a second, not a minute (the cache degrades, see
    # core/middleware.py).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")

# HTTPS deployment: behind a reverse proxy that sets X-Forwarded-Proto.
HTTPS = env.bool("HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content Security Policy: nothing from outside, no inline script.
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

# Failed logins: locked per user name and client address after AXES_FAILURE_LIMIT tries.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts and lockouts are kept in the database (admin: Axes); no chatter on every command.
AXES_VERBOSE = env.bool("AXES_VERBOSE", default=False)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind N reverse proxies the client address is read from X-Forwarded-For, trusting N hops.
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# Domain rules that vary by county: defaults here, overridable per deployment.
LATE_ENTRY_DAYS = env.int("LATE_ENTRY_DAYS", default=7)
# Members get the advance notice of a session this many days before (each session may change it).
SESSION_NOTICE_DAYS = env.int("SESSION_NOTICE_DAYS", default=3)
# A secretary whose session still has no written record this many days after it is reminded.
RECORD_REMINDER_DAYS = env.int("RECORD_REMINDER_DAYS", default=3)
# QR check-in opens this many minutes before a session; scanning later than this after the start is "late".
CHECKIN_OPENS_MINUTES = env.int("CHECKIN_OPENS_MINUTES", default=30)
CHECKIN_LATE_MINUTES = env.int("CHECKIN_LATE_MINUTES", default=15)
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo12345")
# Sit-in inspection (inspections app): the defaults a new annual plan starts from (each plan keeps its own).
INSPECTION_KEY_VISITS = env.int("INSPECTION_KEY_VISITS", default=2)  # visits a year to a key target
INSPECTION_ROUTINE_VISITS = env.int("INSPECTION_ROUTINE_VISITS", default=1)  # to every other group
INSPECTION_ROUTINE_SHARE = env.int("INSPECTION_ROUTINE_SHARE", default=100)  # per cent of the others visited
# A group is proposed as a key target when last year it held fewer sessions than this, had an attendance or
# leader attendance rate below these (per cent), or more than this share (per cent) of its records late.
INSPECTION_MIN_SESSIONS = env.int("INSPECTION_MIN_SESSIONS", default=12)
INSPECTION_MIN_ATTENDANCE = env.int("INSPECTION_MIN_ATTENDANCE", default=90)
INSPECTION_MIN_LEADER_ATTENDANCE = env.int("INSPECTION_MIN_LEADER_ATTENDANCE", default=80)
INSPECTION_MAX_LATE_SHARE = env.int("INSPECTION_MAX_LATE_SHARE", default=30)
# Working days: the unit's materials are due before the session; the observer summary after it.
INSPECTION_MATERIALS_DAYS = env.int("INSPECTION_MATERIALS_DAYS", default=5)
INSPECTION_SUMMARY_DAYS = env.int("INSPECTION_SUMMARY_DAYS", default=10)
INSPECTION_SUMMARY_MAX_CHARS = env.int("INSPECTION_SUMMARY_MAX_CHARS", default=500)
# Bulletins: a group averaging at least this share of the full score is praised, below this one criticised.
INSPECTION_PRAISE_PERCENT = env.int("INSPECTION_PRAISE_PERCENT", default=90)
INSPECTION_CRITICISE_PERCENT = env.int("INSPECTION_CRITICISE_PERCENT", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Reports (reports/): rendering limits, the worker's memory limit, retention and fonts.
# A report task is warned after the soft limit (the job ends failed with a message) and killed at the hard one.
REPORT_SOFT_TIME_LIMIT = env.int("REPORT_SOFT_TIME_LIMIT", default=240)
REPORT_TIME_LIMIT = env.int("REPORT_TIME_LIMIT", default=300)
# A worker process that grew past this (KiB) after a task is replaced, so one hostile record cannot starve it.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=600_000)
# Files of finished reports are removed after this many days; frozen year-end packs are kept.
REPORT_RETENTION_DAYS = env.int("REPORT_RETENTION_DAYS", default=30)
# Licensed official fonts, if the site has them (paths to .otf/.ttf files); empty: the installed free ones.
REPORT_FONT_FILES = {
    "title": env.str("REPORT_FONT_TITLE", default=""),  # 方正小标宋
    "body": env.str("REPORT_FONT_BODY", default=""),  # 仿宋_GB2312
    "heading": env.str("REPORT_FONT_HEADING", default=""),  # 黑体
}
REPORT_FONT_FAMILIES = {
    "title": env.str("REPORT_FONT_TITLE_FAMILY", default="Noto Serif CJK SC"),
    "body": env.str("REPORT_FONT_BODY_FAMILY", default="Noto Serif CJK SC"),
    "heading": env.str("REPORT_FONT_HEADING_FAMILY", default="Noto Sans CJK SC"),
}
CELERY_BEAT_SCHEDULE["sweep-report-jobs"] = {"task": "reports.tasks.sweep_report_jobs", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["purge-report-files"] = {
    "task": "reports.tasks.purge_report_files",
    "schedule": crontab(hour=3, minute=15),
}
# The pack check page hashes an uploaded copy without keeping it; bigger files are refused.
REPORT_CHECK_MAX_BYTES = env.int("REPORT_CHECK_MAX_BYTES", default=500 * 1024 * 1024)
# WeasyPrint logs each layout step at INFO: keep the worker's log for what matters.
LOGGING["loggers"] = {"weasyprint": {"level": "WARNING"}}
# The Celery queue for heavy work asked for on a page: report jobs and assessment comparisons (empty: the default
# queue the `make run` worker consumes).
REPORT_QUEUE = env.str("REPORT_QUEUE", default="")
