"""The Redis connection (configured through django-redis' ``CACHES``) and its error mapping.

The only module that calls ``get_redis_connection``. ``meet.cache``, ``meet.locks`` and
``meet.pubsub`` use Redis through it; nothing else talks to Redis directly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django_redis import get_redis_connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from meet.errors import RedisUnavailableError

__all__ = ["RedisError", "redis", "redis_errors_as_503"]


def redis() -> Any:
    """The shared client (a connection pool; thread-safe)."""
    return get_redis_connection("default")


@contextlib.contextmanager
def redis_errors_as_503() -> Iterator[None]:
    """Translate Redis failures into the 503 the HTTP layer renders."""
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError) as error:
        raise RedisUnavailableError(str(error)) from error
    except RedisError as error:
        raise RedisUnavailableError(str(error)) from error
