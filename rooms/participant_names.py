"""Unique display names per room, reserved in Redis (behavior.md §7.4).

``ov_meet:room_participants:{roomId}:{lower(name)}`` is the reservation (``SET NX``, 12 h);
taken names get the smallest free ``_N`` suffix, reusing numbers released to the pool
``ov_meet:participant_pool:{roomId}:{lower(base)}``. Differences on purpose: TTLs are seconds
(the reference's are milliseconds read as seconds) and the pool key is lower-cased on release
too (the reference's case mismatch made the pool miss for names with capitals).
"""

from __future__ import annotations

import re

from django.conf import settings

from meet import redis_keys
from meet.clock import now_ms
from meet.errors import InternalError
from meet.redis_connection import redis, redis_errors_as_503

MAX_ATTEMPTS = 20
_SUFFIXED = re.compile(r"^(.+)_(\d+)$")
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


def _glob(text: str) -> str:
    return _GLOB_SPECIAL.sub(r"\\\1", text)


def reserve(room_id: str, name: str) -> str:
    """The name itself if free, else ``{name}_{n}`` with the smallest free n ≥ 1."""
    ttl = settings.PARTICIPANT_NAME_TTL_SECONDS
    with redis_errors_as_503():
        client = redis()
        now = str(now_ms())
        if client.set(redis_keys.participant_reservation(room_id, name), now, ex=ttl, nx=True):
            return name
        lower = name.lower()
        for _attempt in range(MAX_ATTEMPTS):
            popped = client.zpopmin(redis_keys.participant_pool(room_id, lower))
            number = int(popped[0][1]) if popped else _smallest_free_number(client, room_id, lower)
            candidate = f"{lower}_{number}"
            if client.set(
                redis_keys.participant_reservation(room_id, candidate), now, ex=ttl, nx=True
            ):
                return f"{name}_{number}"
    raise InternalError(f"reserving a unique name for '{name}' in room '{room_id}'")


def _smallest_free_number(client: object, room_id: str, lower: str) -> int:
    prefix = f"{redis_keys.PARTICIPANT_RESERVATION_PREFIX}:{room_id}:{lower}_"
    used = set()
    for key in client.scan_iter(match=f"{_glob(prefix)}*", count=500):  # type: ignore[attr-defined]
        suffix = (key.decode() if isinstance(key, bytes) else key)[len(prefix) :]
        if suffix.isdigit():
            used.add(int(suffix))
    number = 1
    while number in used:
        number += 1
    return number


def release(room_id: str, name: str) -> None:
    if not name:
        return
    with redis_errors_as_503():
        client = redis()
        client.delete(redis_keys.participant_reservation(room_id, name))
        match = _SUFFIXED.match(name)
        if match:
            base, number = match.group(1), int(match.group(2))
            pool = redis_keys.participant_pool(room_id, base)
            client.zadd(pool, {str(number): number})
            client.expire(pool, settings.PARTICIPANT_NAME_TTL_SECONDS)


def release_all(room_id: str) -> None:
    with redis_errors_as_503():
        client = redis()
        for prefix in (
            redis_keys.PARTICIPANT_RESERVATION_PREFIX,
            redis_keys.PARTICIPANT_POOL_PREFIX,
        ):
            keys = list(client.scan_iter(match=f"{prefix}:{_glob(room_id)}:*", count=500))
            if keys:
                client.delete(*keys)
