"""Test settings: PostgreSQL and Redis when they answer (or the URLs given), else SQLite and eager tasks.

With REQUIRE_SERVICES=1 a missing service fails the run instead of falling back.
"""

import os
import socket


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


_required = os.environ.get("REQUIRE_SERVICES") == "1"
if not os.environ.get("DATABASE_URL"):
    if _answers("127.0.0.1", 5432):
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/studycenter"
    elif _required:
        raise RuntimeError("REQUIRE_SERVICES=1 but PostgreSQL does not answer on 127.0.0.1:5432")
if not os.environ.get("REDIS_URL"):
    if _answers("127.0.0.1", 6379):
        os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    elif _required:
        raise RuntimeError("REQUIRE_SERVICES=1 but Redis does not answer on 127.0.0.1:6379")

os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests that need a real worker start one; the rest run tasks in-process.
CELERY_TASK_ALWAYS_EAGER = True
# Each test starts with an empty cache of its own (Redis stays the broker; see tests/conftest.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405

# One test database per checkout, so two clones (a CI run beside a working tree) never share one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _checkout = __import__("hashlib").sha1(str(BASE_DIR).encode()).hexdigest()[:8]  # noqa: F405
    _name = os.environ.get("TEST_DATABASE_NAME") or f"test_studycenter_{_checkout}"
    DATABASES["default"].setdefault("TEST", {})["NAME"] = _name  # noqa: F405
