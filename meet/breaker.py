"""Fail fast while a dependency is down ("circuit breaker"), one per dependency and process.

Without it a frozen Redis, S3 or LiveKit costs every call its full timeout, and a request makes
several calls (a cache read, its storage fallback, a back-fill...), so one request could wait
minutes and a few seconds of outage would take every worker thread. With it:

* the first call that finds the dependency unreachable (connection refused, or no answer within
  its timeout) marks it down for ``MEET_DEPENDENCY_DOWN_SECONDS``;
* while it is down, every call to it fails at once (the caller turns that into the contract's
  503);
* then one call is let through to try it (the others keep failing at once while it runs): if
  it succeeds the dependency is up again, if it fails it stays down for another period.

So during an outage one request per period waits out a timeout and the rest answer 503 at
once, and recovery takes at most ``MEET_DEPENDENCY_DOWN_SECONDS`` after the dependency answers
again.

This module is imported by ``meet/settings.py`` (the Redis retry policy), so it reads no setting
at import time (``meet.metrics``, which records each call and change of state, reads them only
when it records).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from meet import metrics

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _down_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "MEET_DEPENDENCY_DOWN_SECONDS", 1.0))


class Breaker:
    """``allow()`` before a call; ``succeeded()`` / ``trip(reason)`` after it.

    ``probe_seconds`` is the longest one call can take (its timeouts): while the one call let
    through after a down period runs, the others still fail at once.
    """

    def __init__(self, name: str, probe_seconds: Callable[[], float]) -> None:
        self.name = name
        self._probe_seconds = probe_seconds
        self._down_until = 0.0  # 0: up
        self._lock = threading.Lock()
        self.dependency = name.lower()  # the label of its metrics (meet/metrics.py)
        self._reported = False  # whether this process reported the dependency up yet

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def allow(self) -> bool:
        """False while the dependency is down; after that, True for one trying call."""
        with self._lock:
            if not self._down_until:
                return True
            now = time.monotonic()
            if now < self._down_until:
                return False
            self._down_until = now + self._probe_seconds() + _down_seconds()
            return True

    def succeeded(self) -> None:
        if self._down_until:
            with self._lock:
                was_down, self._down_until = bool(self._down_until), 0.0
            if was_down:
                logger.warning("%s answers again", self.name)
                metrics.dependency_state(self.dependency, up=True)
        elif not self._reported:
            self._reported = metrics.dependency_state(self.dependency, up=True)

    def trip(self, reason: object) -> None:
        """Mark the dependency down (it did not answer)."""
        with self._lock:
            was_up = not self._down_until
            self._down_until = time.monotonic() + _down_seconds()
        self._reported = metrics.dependency_state(self.dependency, up=False)
        if was_up:
            logger.warning(
                "%s is not answering (%s); calls to it fail at once for %.1f s",
                self.name,
                reason,
                _down_seconds(),
            )

    def reset(self) -> None:
        with self._lock:
            self._down_until = 0.0
            self._reported = False


def _redis_call_seconds() -> float:
    from django.conf import settings

    return float(settings.MEET_REDIS_CONNECT_TIMEOUT + settings.MEET_REDIS_TIMEOUT)


redis_breaker = Breaker("Redis", _redis_call_seconds)
_nesting = threading.local()  # a connect inside a command is part of that command


class RedisRetry(Retry):
    """redis-py's retry policy with the Redis breaker in front of every command (redis-py copies
    the policy into each connection; the breaker is shared).

    Connection errors are retried with the backoff given (a pooled connection the server closed
    reconnects on the retry); a timeout is not: the server did not answer in time, and asking
    again would double the wait. Only a command that fails after its retries marks Redis down.
    """

    def call_with_retry(
        self,
        do: Callable[[], T],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        outermost = not getattr(_nesting, "depth", 0)
        if outermost and not redis_breaker.allow():
            raise RedisConnectionError("Redis is marked down after a failed call")

        def retryable(error: Exception) -> bool:
            if isinstance(error, RedisTimeoutError | TimeoutError):
                return False
            return is_retryable(error) if is_retryable else True

        _nesting.depth = getattr(_nesting, "depth", 0) + 1
        started = time.perf_counter()
        try:
            result = super().call_with_retry(
                do, fail, is_retryable=retryable, with_failure_count=with_failure_count
            )
        except (RedisConnectionError, RedisTimeoutError, TimeoutError) as error:
            if outermost:
                metrics.observe_dependency("redis", time.perf_counter() - started, ok=False)
                redis_breaker.trip(error)
            raise
        finally:
            _nesting.depth -= 1
        if outermost:
            metrics.observe_dependency("redis", time.perf_counter() - started, ok=True)
            redis_breaker.succeeded()
        return result
