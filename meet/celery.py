"""The Celery app: Redis broker, JSON only, the static beat schedule from settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meet.settings")

app = Celery("meet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
