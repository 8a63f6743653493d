"""Distributed locks in Redis, on redis-py's lock, in the reference's key layout.

One way to take a lock: ``acquire`` (or ``with held(...)``, which releases it on exit). Both
raise ``LockNotAcquiredError`` when the lock cannot be had, right away or within
``wait_seconds``, so no read-modify-write can ever run without its lock; callers for whom a
taken lock is an answer (one recording per room, one run per scheduled tick, one processing per
webhook) catch it.

A lock is ``ov_meet_lock:{resource}`` = random owner token, ``SET NX PX`` (redis-py's
``Lock``); release deletes it only while the token still matches (redis-py's Lua script), so a
holder whose lock expired can never free somebody else's. Like the reference, each acquisition
also writes a registry entry ``ov_meet_lock_registry:ov_meet_lock:{resource}`` =
``{"resources","value","expiration","createdAt"}`` that collectors use to find and age locks.
Unlike the reference, the registry entry expires with the lock (the reference gives it ~87
years by a unit bug).
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
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from redis.exceptions import LockError

from meet import metrics, redis_keys
from meet.clock import now_ms
from meet.errors import ServiceUnavailableError
from meet.redis_connection import RedisError, redis, redis_errors_as_503

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# How often a waiting ``acquire`` tries again.
_RETRY_SECONDS = 0.05


class LockNotAcquiredError(ServiceUnavailableError):
    error = "Lock Error"

    def __init__(self, resource: str) -> None:
        super().__init__(f"Resource '{resource}' is locked by another operation")
        self.resource = resource


@dataclass(frozen=True, slots=True)
class Lock:
    resource: str
    token: str
    ttl_ms: int
    created_at_ms: int

    @property
    def key(self) -> str:
        return redis_keys.lock(self.resource)


@dataclass(frozen=True, slots=True)
class LockInfo:
    resource: str
    token: str
    created_at_ms: int
    expiration_ms: int


def _redis_lock(resource: str, ttl_seconds: float | None = None) -> Any:
    return redis().lock(
        redis_keys.lock(resource),
        timeout=ttl_seconds,
        sleep=_RETRY_SECONDS,
        thread_local=False,
    )


def acquire(resource: str, *, ttl_seconds: float, wait_seconds: float = 0) -> Lock:
    """The lock on ``resource`` for ``ttl_seconds``, trying for up to ``wait_seconds``.

    Raises ``LockNotAcquiredError`` when it is still held by someone else then, and 503 when
    Redis is down. The lock lasts until ``release`` or its TTL, whichever comes first.
    """
    ttl_ms = max(1, int(ttl_seconds * 1000))
    token = secrets.token_hex(16)
    with redis_errors_as_503():
        # redis-py stops one retry interval before its blocking timeout: give it one more, so
        # the last attempt comes no earlier than ``wait_seconds``.
        acquired = _redis_lock(resource, ttl_ms / 1000).acquire(
            blocking=wait_seconds > 0,
            blocking_timeout=wait_seconds + _RETRY_SECONDS if wait_seconds > 0 else None,
            token=token,
        )
        metrics.lock_acquisition(acquired=bool(acquired))
        if not acquired:
            raise LockNotAcquiredError(resource)
        started = now_ms()
        registry = {
            "resources": [redis_keys.lock(resource)],
            "value": token,
            "expiration": started + ttl_ms - (round(0.01 * ttl_ms) + 2),
            "createdAt": started,
        }
        redis().set(
            redis_keys.lock_registry(resource),
            json.dumps(registry, separators=(",", ":")),
            ex=max(1, math.ceil(ttl_ms / 1000)),
        )
    return Lock(resource=resource, token=token, ttl_ms=ttl_ms, created_at_ms=started)


@contextlib.contextmanager
def held(resource: str, *, ttl_seconds: float, wait_seconds: float = 0) -> Iterator[Lock]:
    """``with held(f"room_{room_id}", ttl_seconds=15, wait_seconds=10):`` — ``acquire`` for the
    block, released on the way out whatever happens in it."""
    lock = acquire(resource, ttl_seconds=ttl_seconds, wait_seconds=wait_seconds)
    try:
        yield lock
    finally:
        release(lock)


_MARK_SCRIPT = """
if redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[1]) then
    return -1
end
local ttl = redis.call("PTTL", KEYS[1])
local initial = tonumber(redis.call("GET", KEYS[1]) or "0") or 0
if ttl < 0 then
    return 0
end
return math.max(initial - ttl, 0)
"""


def mark_seen(name: str, ttl_seconds: float) -> float | None:
    """Remember ``name`` for ``ttl_seconds`` (``ov_meet:once:{name}``). None the first time;
    afterwards the seconds since it was first marked (measured by the key's own TTL, in Redis'
    clock). Raises 503 when Redis is down."""
    ttl_ms = max(1, int(ttl_seconds * 1000))
    with redis_errors_as_503():
        age_ms = int(redis().eval(_MARK_SCRIPT, 1, redis_keys.once(name), ttl_ms))
    return None if age_ms < 0 else age_ms / 1000


def release(lock: Lock) -> bool:
    """Release if still ours. Never raises: a lock that cannot be released expires."""
    try:
        redis_lock = _redis_lock(lock.resource)
        redis_lock.local.token = lock.token.encode()
        try:
            redis_lock.release()
            released = True
        except LockError:  # expired, and maybe taken by someone else since
            released = False
        client = redis()
        raw = client.get(redis_keys.lock_registry(lock.resource))
        entry = _registry_entry(raw) if raw is not None else None
        if entry is not None and entry.get("value") == lock.token:
            client.delete(redis_keys.lock_registry(lock.resource))
        return released
    except (RedisError, ValueError) as error:
        logger.warning("Could not release lock %s: %s", lock.key, error)
        return False


def release_resource(resource: str) -> bool:
    """Release whatever lock the registry says is held on ``resource`` (collectors use this)."""
    with redis_errors_as_503():
        client = redis()
        raw = client.get(redis_keys.lock_registry(resource))
        if raw is None:
            return bool(client.delete(redis_keys.lock(resource)))
        redis_lock = _redis_lock(resource)
        entry = _registry_entry(raw) or {}
        redis_lock.local.token = str(entry.get("value", "")).encode()
        try:
            redis_lock.release()
            released = True
        except LockError:
            released = False
        client.delete(redis_keys.lock_registry(resource))
        return released


def _registry_entry(raw: bytes | str) -> dict[str, Any] | None:
    """A registry entry's JSON object, or None when it is not one (another writer's garbage,
    a truncated write): such an entry is skipped, never fatal."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _milliseconds(value: Any) -> int:
    """An epoch-ms field of a registry entry; 0 when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return max(0, int(value))


def lock_info(resource: str) -> LockInfo | None:
    """The registry's view of the lock on ``resource``; None when there is no entry, or an
    unreadable one (logged). ``created_at_ms`` is 0 when the entry has no usable ``createdAt``.
    """
    key = redis_keys.lock_registry(resource)
    with redis_errors_as_503():
        raw = redis().get(key)
    if raw is None:
        return None
    data = _registry_entry(raw)
    if data is None:
        logger.warning("Skipping the unreadable lock registry entry %s: %.80r", key, raw)
        return None
    return LockInfo(
        resource=resource,
        token=str(data.get("value", "")),
        created_at_ms=_milliseconds(data.get("createdAt")),
        expiration_ms=_milliseconds(data.get("expiration")),
    )


def locks_with_prefix(resource_prefix: str) -> list[LockInfo]:
    """Every lock whose registry entry can be read (unreadable entries are logged and
    skipped)."""
    pattern = f"{redis_keys.lock_registry(resource_prefix)}*"
    skip = len(redis_keys.lock_registry(""))
    result = []
    with redis_errors_as_503():
        for registry_key in redis().scan_iter(match=pattern, count=200):
            name = registry_key.decode() if isinstance(registry_key, bytes) else registry_key
            info = lock_info(name[skip:])
            if info is not None:
                result.append(info)
    return result


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
            started = time.perf_counter()
            try:
                acquire(f"scheduled_task_{task_name}", ttl_seconds=ttl)
            except LockNotAcquiredError:
                logger.info("Skipping %s: another run holds its lock", task_name)
                metrics.collector_run(task_name, "skipped")
                return None
            try:
                result = function(*args, **kwargs)
            except BaseException:
                metrics.collector_run(task_name, "failed", time.perf_counter() - started)
                raise
            metrics.collector_run(task_name, "completed", time.perf_counter() - started)
            return result

        return wrapper

    return decorate
