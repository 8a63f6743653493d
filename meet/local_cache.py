"""Short-lived in-process copies of the few documents read on nearly every request.

The API keys and the global config are read by every API-key request and every participant
token, and the room by its page and its tokens; each read was a Redis round trip. This module
keeps a copy in the process for at most ``LOCAL_CACHE_TTL_SECONDS`` and drops it the moment
any process of any instance changes the document: writers publish
``{"eventType": "cache_invalidated", "payload": {"keys": [...]}}`` on the existing events
channel (``EVENTS_CHANNEL``), and a listener thread in every process drops the named entries.
The rules that keep it from ever serving a changed document:

* A copy is served only while the listener is subscribed. When the subscription breaks (Redis
  down, restarted, a failover), every copy is dropped and reads go to Redis/storage until the
  listener has subscribed again; a broken connection that does not close is found by a PING
  every second (at most ``_DEAD_AFTER_SECONDS`` without an answer). Whatever happens, no copy
  outlives its TTL.
* A read that raced an invalidation is not kept: each key has a version, bumped by every
  invalidation, and a loaded value is stored only if the version (and the subscription) did
  not change while it was being read.
* The writer drops its own copy synchronously, before publishing.

Values must be immutable (frozen dataclasses, tuples): they are shared by every thread.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings

from meet.redis_connection import RedisError, redis

logger = logging.getLogger(__name__)

EVENT_TYPE = "cache_invalidated"
_PING_EVERY_SECONDS = 1.0
_DEAD_AFTER_SECONDS = 3.0
_RECONNECT_MAX_SECONDS = 2.0

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Entry:
    value: Any
    expires_at: float


class LocalCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._versions: dict[str, int] = {}
        self._subscribed = False
        self._epoch = 0  # bumped on every (un)subscription: loads that span one are not kept
        self._pid: int | None = None
        self._listener: threading.Thread | None = None

    # --- reads ----------------------------------------------------------------------------

    def get(self, key: str, load: Callable[[], T | None]) -> T | None:
        """The local copy of ``key`` if fresh, else ``load()`` (kept when it is safe to)."""
        ttl = float(settings.LOCAL_CACHE_TTL_SECONDS)
        if ttl <= 0:
            return load()
        self._ensure_listener()
        started = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at > started and self._subscribed:
            return entry.value
        with self._lock:
            stamp = (self._epoch, self._versions.get(key, 0))
        value = load()
        if value is not None:
            with self._lock:
                if self._subscribed and stamp == (self._epoch, self._versions.get(key, 0)):
                    self._entries[key] = _Entry(value, started + ttl)
        return value

    def get_many(
        self, keys: list[str], load_many: Callable[[list[str]], list[T | None]]
    ) -> list[T | None]:
        """``get`` for several keys: the fresh local copies, and ``load_many(missing keys)``
        (one value per key, in order) for the others, kept under the same rules as ``get``."""
        ttl = float(settings.LOCAL_CACHE_TTL_SECONDS)
        if ttl <= 0:
            return load_many(keys)
        self._ensure_listener()
        started = time.monotonic()
        values: list[T | None] = [None] * len(keys)
        missing: list[int] = []
        for index, key in enumerate(keys):
            entry = self._entries.get(key)
            if entry is not None and entry.expires_at > started and self._subscribed:
                values[index] = entry.value
            else:
                missing.append(index)
        if not missing:
            return values
        with self._lock:
            epoch = self._epoch
            stamps = [self._versions.get(keys[index], 0) for index in missing]
        loaded = load_many([keys[index] for index in missing])
        with self._lock:
            keep = self._subscribed and epoch == self._epoch
            for index, stamp, value in zip(missing, stamps, loaded, strict=True):
                values[index] = value
                if keep and value is not None and stamp == self._versions.get(keys[index], 0):
                    self._entries[keys[index]] = _Entry(value, started + ttl)
        return values

    # --- invalidation ---------------------------------------------------------------------

    def drop(self, *keys: str) -> None:
        """Forget ``keys`` in this process (and make loads in flight not keep their value)."""
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)
                self._versions[key] = self._versions.get(key, 0) + 1

    def invalidate(self, *keys: str) -> None:
        """Forget ``keys`` here and tell every other process to. Called after the write."""
        self.drop(*keys)
        message = json.dumps(
            {"eventType": EVENT_TYPE, "payload": {"keys": list(keys)}}, separators=(",", ":")
        )
        try:
            redis().publish(settings.EVENTS_CHANNEL, message)
        except RedisError as error:
            # The listeners share that Redis: if it is gone they have dropped their copies too.
            logger.warning("Could not publish the invalidation of %s: %s", keys, error)

    def clear(self) -> None:
        with self._lock:
            for key in self._entries:
                self._versions[key] = self._versions.get(key, 0) + 1
            self._entries.clear()

    @property
    def subscribed(self) -> bool:
        return self._subscribed

    # --- the listener ---------------------------------------------------------------------

    def _ensure_listener(self) -> None:
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            # A new process (first use, or a fork): nothing inherited is trusted.
            self._entries.clear()
            self._subscribed = False
            self._epoch += 1
            self._pid = pid
            self._listener = threading.Thread(
                target=self._listen, name="meet-local-cache", daemon=True
            )
            self._listener.start()

    def _set_subscribed(self, subscribed: bool) -> None:
        with self._lock:
            self._subscribed = subscribed
            self._epoch += 1
            for key in self._entries:
                self._versions[key] = self._versions.get(key, 0) + 1
            self._entries.clear()

    def _listen(self) -> None:
        pid = os.getpid()
        delay = 0.05
        while self._pid == pid:
            pubsub = None
            try:
                pubsub = redis().pubsub()
                pubsub.subscribe(settings.EVENTS_CHANNEL)
                self._wait_for_subscription(pubsub)
                self._set_subscribed(True)
                delay = 0.05
                self._serve(pubsub, pid)
            except Exception as error:  # any failure: stop serving copies, then reconnect
                if self._subscribed:
                    logger.warning("Local cache: lost the events subscription: %s", error)
            finally:
                self._set_subscribed(False)
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:
                        logger.debug("pubsub close failed", exc_info=True)
            time.sleep(delay)
            delay = min(delay * 2, _RECONNECT_MAX_SECONDS)

    @staticmethod
    def _wait_for_subscription(pubsub: Any) -> None:
        deadline = time.monotonic() + _DEAD_AFTER_SECONDS
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.5)
            if message is not None and message.get("type") == "subscribe":
                return
        raise RedisError("no subscription confirmation")

    def _serve(self, pubsub: Any, pid: int) -> None:
        last_answer = last_ping = time.monotonic()
        while self._pid == pid:
            message = pubsub.get_message(timeout=_PING_EVERY_SECONDS)
            now = time.monotonic()
            if message is not None:
                last_answer = now
                if message.get("type") == "message":
                    self._handle(message.get("data"))
            elif now - last_answer > _DEAD_AFTER_SECONDS:
                raise RedisError(f"no answer from Redis for {_DEAD_AFTER_SECONDS} s")
            if now - last_ping >= _PING_EVERY_SECONDS:
                pubsub.ping()
                last_ping = now

    def _handle(self, data: Any) -> None:
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            return
        if not isinstance(event, dict) or event.get("eventType") != EVENT_TYPE:
            return
        keys = (event.get("payload") or {}).get("keys")
        if isinstance(keys, list):
            self.drop(*(key for key in keys if isinstance(key, str)))


_cache = LocalCache()

get = _cache.get
get_many = _cache.get_many
drop = _cache.drop
invalidate = _cache.invalidate
clear = _cache.clear


def is_subscribed() -> bool:
    return _cache.subscribed


def _reset_lock_after_fork() -> None:
    # A fork may copy the lock held by another thread; the child starts from scratch anyway.
    _cache._lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_lock_after_fork)
