"""config.settings as a fresh process sees them under a given environment (the test run's own settings are
config.test_settings, read once)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = (
    "import json, django; from django.conf import settings as s; django.setup(); "
    "print(json.dumps({'CACHES': s.CACHES, 'DATABASE_OPTIONS': s.DATABASES['default'].get('OPTIONS', {}), "
    "'BROKER': s.CELERY_BROKER_URL, 'BROKER_OPTIONS': getattr(s, 'CELERY_BROKER_TRANSPORT_OPTIONS', {}), "
    "'RESULTS': s.CELERY_RESULT_BACKEND, 'EAGER': s.CELERY_TASK_ALWAYS_EAGER}, default=str))"
)
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_EAGER", "CELERY_DATA_DIR")


def settings_with(env: dict) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    result = subprocess.run(
        [sys.executable, "-c", CODE],
        env=base | {"DJANGO_SETTINGS_MODULE": "config.settings"} | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
