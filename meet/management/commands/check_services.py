"""``manage.py check_services``: is storage, Redis and LiveKit reachable? One line each."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from meet.errors import MeetError
from meet.redis_connection import RedisError, redis
from meet.storage import get_object_store


def livekit_http_url() -> str:
    parsed = urlparse(settings.LIVEKIT_URL_PRIVATE)
    scheme = {"ws": "http", "wss": "https"}.get(parsed.scheme, parsed.scheme)
    return parsed._replace(scheme=scheme).geturl().rstrip("/")


class Command(BaseCommand):
    help = "Check that storage, Redis and LiveKit answer."

    def handle(self, *args: Any, **options: Any) -> None:
        failures = 0
        for name, check in (
            ("storage", self._storage),
            ("redis", self._redis),
            ("livekit", self._livekit),
        ):
            started = time.monotonic()
            try:
                detail = check()
            except Exception as error:  # report every failure, whatever its kind
                failures += 1
                message = error.message if isinstance(error, MeetError) else str(error)
                self.stdout.write(f"{name:8} FAIL {message}")
                continue
            elapsed = (time.monotonic() - started) * 1000
            self.stdout.write(f"{name:8} OK   {detail} ({elapsed:.0f} ms)")
        if failures:
            raise CommandError(f"{failures} service(s) unreachable")

    def _storage(self) -> str:
        store = get_object_store()
        store.check_health()
        return f"{store.provider} bucket {settings.MEET_S3_BUCKET}"

    def _redis(self) -> str:
        try:
            redis().ping()
        except RedisError as error:
            raise RuntimeError(f"Redis is not available: {error}") from error
        return settings.REDIS_LOCATION.split("@")[-1]

    def _livekit(self) -> str:
        url = livekit_http_url()
        response = requests.get(url, timeout=settings.LIVEKIT_TIMEOUT_SECONDS)
        if response.status_code >= 500:
            raise RuntimeError(f"LiveKit at {url} answered {response.status_code}")
        return url
