"""Distributed locks in Redis with owner tokens, in the reference's key layout.

A lock is ``ov_meet_lock:{resource}`` = random token, ``SET NX PX``; release deletes it only
when the token still matches (Lua), so a holder whose lock expired can never free somebody
else's. Like the reference, each acquisition also writes a registry entry
``ov_meet_lock_registry:ov_meet_lock:{resource}`` = ``{"resources","value","expiration",
"createdAt"}`` that collectors use to find and age locks. Unlike the reference, the registry
entry expires with the lock (the reference gives it ~87 years by a unit bug).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.conf import settings

from meet import redis_keys
from meet.clock import now_ms
from meet.redis_connection import RedisError, redis, redis_errors_as_503

logger = logging.getLogger(__name__)

LOCK_PREFIX = redis_keys.LOCK_PREFIX
REGISTRY_PREFIX = redis_keys.LOCK_REGISTRY_PREFIX

_RELEASE_SCRIPT = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
else
    return 0
end
"""

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Lock:
    resource: str
    token: str
    ttl_ms: int
    created_at_ms: int

    @property
    def key(self) -> str:
        return LOCK_PREFIX + self.resource


@dataclass(frozen=True, slots=True)
class LockInfo:
    resource: str
    token: str
    created_at_ms: int
    expiration_ms: int


def acquire(resource: str, ttl_seconds: float) -> Lock | None:
    """One attempt. ``None`` when held by someone else. Raises 503 when Redis is down."""
    ttl_ms = max(1, int(ttl_seconds * 1000))
    token = secrets.token_hex(16)
    started = now_ms()
    key = LOCK_PREFIX + resource
    with redis_errors_as_503():
        client = redis()
        if not client.set(key, token, nx=True, px=ttl_ms):
            return None
        registry = {
            "resources": [key],
            "value": token,
            "expiration": started + ttl_ms - (round(0.01 * ttl_ms) + 2),
            "createdAt": started,
        }
        client.set(
            REGISTRY_PREFIX + key,
            json.dumps(registry, separators=(",", ":")),
            ex=max(1, math.ceil(ttl_ms / 1000)),
        )
    return Lock(resource=resource, token=token, ttl_ms=ttl_ms, created_at_ms=started)


def acquire_blocking(resource: str, ttl_seconds: float, *, wait_seconds: float) -> Lock | None:
    deadline = time.monotonic() + wait_seconds
    delay = 0.02
    while True:
        lock = acquire(resource, ttl_seconds)
        if lock is not None or time.monotonic() >= deadline:
            return lock
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def release(lock: Lock) -> bool:
    """Release if still ours. Never raises: a lock that cannot be released expires."""
    try:
        client = redis()
        released = bool(client.eval(_RELEASE_SCRIPT, 1, lock.key, lock.token))
        raw = client.get(REGISTRY_PREFIX + lock.key)
        if raw is not None and json.loads(raw).get("value") == lock.token:
            client.delete(REGISTRY_PREFIX + lock.key)
        return released
    except (RedisError, ValueError) as error:
        logger.warning("Could not release lock %s: %s", lock.key, error)
        return False


def release_resource(resource: str) -> bool:
    """Release whatever lock the registry says is held on ``resource`` (collectors use this)."""
    key = LOCK_PREFIX + resource
    with redis_errors_as_503():
        client = redis()
        raw = client.get(REGISTRY_PREFIX + key)
        if raw is None:
            return bool(client.delete(key))
        token = json.loads(raw).get("value", "")
        released = bool(client.eval(_RELEASE_SCRIPT, 1, key, token))
        client.delete(REGISTRY_PREFIX + key)
        return released


def lock_info(resource: str) -> LockInfo | None:
    key = LOCK_PREFIX + resource
    with redis_errors_as_503():
        raw = redis().get(REGISTRY_PREFIX + key)
    if raw is None:
        return None
    data = json.loads(raw)
    return LockInfo(
        resource=resource,
        token=str(data.get("value", "")),
        created_at_ms=int(data.get("createdAt", 0)),
        expiration_ms=int(data.get("expiration", 0)),
    )


def locks_with_prefix(resource_prefix: str) -> list[LockInfo]:
    pattern = f"{REGISTRY_PREFIX}{LOCK_PREFIX}{resource_prefix}*"
    result = []
    with redis_errors_as_503():
        for registry_key in redis().scan_iter(match=pattern, count=200):
            name = registry_key.decode() if isinstance(registry_key, bytes) else registry_key
            info = lock_info(name[len(REGISTRY_PREFIX) + len(LOCK_PREFIX) :])
            if info is not None:
                result.append(info)
    return result


@contextlib.contextmanager
def lock(resource: str, *, ttl_seconds: float, wait_seconds: float = 0) -> Iterator[Lock | None]:
    """``with lock("room:x", ttl_seconds=10, wait_seconds=5) as held:``; ``held`` is None when
    the lock could not be had in time."""
    held = (
        acquire_blocking(resource, ttl_seconds, wait_seconds=wait_seconds)
        if wait_seconds
        else acquire(resource, ttl_seconds)
    )
    try:
        yield held
    finally:
        if held is not None:
            release(held)


def run_exclusively(
    task_name: str, *, interval_seconds: float
) -> Callable[[Callable[P, R]], Callable[P, R | None]]:
    """Decorate a scheduled job so one run happens per tick across all beats and workers.

    The lock ``scheduled_task_{task_name}`` lasts max(interval - 60 s, 59 s) and is *not*
    released after the run, as in the reference: it is what keeps a second beat (or an
    overlapping tick) from running the same tick again.
    """
    ttl = max(interval_seconds - 60, settings.SCHEDULED_TASK_MIN_LOCK_SECONDS)

    def decorate(function: Callable[P, R]) -> Callable[P, R | None]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
            if acquire(f"scheduled_task_{task_name}", ttl) is None:
                logger.info("Skipping %s: another run holds its lock", task_name)
                return None
            return function(*args, **kwargs)

        return wrapper

    return decorate
