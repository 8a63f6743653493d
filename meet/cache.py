"""Read-through JSON cache in Redis under the reference's exact keys (``ov_meet:...``).

Used only by repositories, for documents read on nearly every request. Keys and JSON are those
of OpenVidu Meet 3.4, so both servers can share one Redis. Differences on purpose:

* TTLs are seconds (the reference passes milliseconds to ``EX``; docs/compatibility.md).
* A cache read that fails falls back to storage instead of failing the request.
* Writers delete the entry *before* writing storage (so a Redis outage fails the write before
  anything is written) and set it after; back-fills use ``NX`` so a slow reader can never
  overwrite a newer value with the one it read before the write.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings

from meet import redis_keys
from meet.redis_connection import RedisError, redis, redis_errors_as_503
from meet.storage.base import dump_json

logger = logging.getLogger(__name__)

KEY_PREFIX = redis_keys.CACHE_PREFIX


def get_json(key: str) -> Any | None:
    try:
        raw = redis().get(KEY_PREFIX + key)
    except RedisError as error:
        logger.warning("Redis cache read of %s failed, reading storage: %s", key, error)
        return None
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def backfill_json(key: str, value: Any) -> None:
    try:
        redis().set(
            KEY_PREFIX + key,
            dump_json(value),
            ex=settings.CACHE_TTL_SECONDS,
            nx=True,
        )
    except RedisError as error:
        logger.warning("Redis cache back-fill of %s failed: %s", key, error)


def set_json(key: str, value: Any) -> None:
    try:
        redis().set(
            KEY_PREFIX + key,
            dump_json(value),
            ex=settings.CACHE_TTL_SECONDS,
        )
    except RedisError as error:
        # The entry was deleted before the storage write, so readers fall back to storage.
        logger.warning("Redis cache write of %s failed: %s", key, error)


def forget(*keys: str) -> None:
    """Delete entries again after a storage delete: a reader that missed the cache while the
    delete was in flight may have back-filled the old document. Best effort (logged)."""
    try:
        redis().delete(*(KEY_PREFIX + key for key in keys))
    except RedisError as error:
        logger.warning("Redis cache delete of %s failed: %s", ", ".join(keys), error)


def invalidate(*keys: str) -> None:
    """Delete entries; raises 503 when Redis is down so no write goes ahead half-cached."""
    with redis_errors_as_503():
        redis().delete(*(KEY_PREFIX + key for key in keys))
