"""Is storage, Redis and LiveKit reachable? Used by ``check_services`` and the console."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

import requests
from django.conf import settings

from meet.errors import MeetError
from meet.redis_connection import RedisError, redis
from meet.storage import get_object_store


@dataclass(frozen=True, slots=True)
class ServiceHealth:
    name: str
    ok: bool
    detail: str  # where the service is when ok, what went wrong otherwise
    elapsed_ms: float


def livekit_http_url() -> str:
    parsed = urlparse(settings.LIVEKIT_URL_PRIVATE)
    scheme = {"ws": "http", "wss": "https"}.get(parsed.scheme, parsed.scheme)
    return parsed._replace(scheme=scheme).geturl().rstrip("/")


def check_storage() -> str:
    store = get_object_store()
    store.check_health()
    return f"{store.provider} bucket {settings.MEET_S3_BUCKET}"


def check_redis() -> str:
    try:
        redis().ping()
    except RedisError as error:
        raise RuntimeError(f"Redis is not available: {error}") from error
    return str(settings.REDIS_LOCATION.split("@")[-1])


def check_livekit() -> str:
    url = livekit_http_url()
    response = requests.get(url, timeout=settings.MEET_LIVEKIT_TIMEOUT)
    if response.status_code >= 500:
        raise RuntimeError(f"LiveKit at {url} answered {response.status_code}")
    return url


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("storage", check_storage),
    ("redis", check_redis),
    ("livekit", check_livekit),
)


def check_services() -> list[ServiceHealth]:
    """Every check, in order; a failure is reported, never raised."""
    results = []
    for name, check in CHECKS:
        started = time.monotonic()
        try:
            detail = check()
        except Exception as error:  # report every failure, whatever its kind
            message = error.message if isinstance(error, MeetError) else str(error)
            detail = getattr(error, "detail", "")
            if detail:
                message = f"{message} ({detail})"
            results.append(ServiceHealth(name, False, message, _elapsed_ms(started)))
            continue
        results.append(ServiceHealth(name, True, detail, _elapsed_ms(started)))
    return results


def _elapsed_ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
