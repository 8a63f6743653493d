"""meet/breaker.py: a dependency that did not answer fails at once for a while, then one call
tries it again; Redis commands go through it, and a timed-out command is not repeated."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis as redis_library
from redis.backoff import NoBackoff

from meet.breaker import Breaker, RedisRetry, redis_breaker
from tests.services import free_port, start_private_redis

DOWN = 0.2


@pytest.fixture
def short_down(settings: Any) -> None:
    settings.MEET_DEPENDENCY_DOWN_SECONDS = DOWN


def test_a_tripped_breaker_refuses_calls_then_lets_one_try(short_down: None) -> None:
    breaker = Breaker("thing", lambda: 1.0)
    assert breaker.allow()

    breaker.trip("no answer")

    assert not breaker.allow()
    time.sleep(DOWN + 0.05)
    assert breaker.allow()  # the one trying call
    assert not breaker.allow()  # the others still fail at once while it runs
    breaker.succeeded()
    assert breaker.allow() and breaker.allow()


def test_a_failed_try_keeps_the_dependency_down(short_down: None) -> None:
    breaker = Breaker("thing", lambda: 1.0)
    breaker.trip("no answer")
    time.sleep(DOWN + 0.05)
    assert breaker.allow()

    breaker.trip("still no answer")

    assert not breaker.allow()


def test_a_try_that_never_reports_is_followed_by_another(short_down: None) -> None:
    breaker = Breaker("thing", lambda: 0.1)
    breaker.trip("no answer")
    time.sleep(DOWN + 0.05)
    assert breaker.allow()

    time.sleep(0.1 + DOWN + 0.05)

    assert breaker.allow()


@pytest.fixture
def frozen_redis() -> Iterator[tuple[int, Any]]:
    port, process = start_private_redis()
    yield port, process
    os.kill(process.pid, signal.SIGCONT)
    process.terminate()
    process.wait(timeout=10)
    redis_breaker.reset()


def client(port: int, timeout: float = 1.0) -> redis_library.Redis:
    return redis_library.Redis(
        host="127.0.0.1",
        port=port,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=RedisRetry(NoBackoff(), 1),
    )


def test_a_frozen_redis_costs_one_timeout_then_fails_at_once(
    short_down: None, frozen_redis: tuple[int, Any]
) -> None:
    port, process = frozen_redis
    redis = client(port)
    redis.set("k", "v")
    os.kill(process.pid, signal.SIGSTOP)

    started = time.monotonic()
    with pytest.raises(redis_library.TimeoutError):
        redis.get("k")
    first = time.monotonic() - started
    started = time.monotonic()
    with pytest.raises(redis_library.ConnectionError, match="marked down"):
        redis.get("k")
    second = time.monotonic() - started

    assert 1.0 <= first < 1.9  # one timeout: a retry would have taken 2 s
    assert second < 0.5
    os.kill(process.pid, signal.SIGCONT)
    time.sleep(DOWN + 0.05)
    assert redis.get("k") == b"v"
    assert not redis_breaker.is_down


def test_a_refused_connection_is_retried_before_redis_is_marked_down(
    short_down: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = []
    real_connect = redis_library.Connection._connect

    def counting_connect(self: Any) -> Any:
        attempts.append(threading.get_ident())
        return real_connect(self)

    monkeypatch.setattr(redis_library.Connection, "_connect", counting_connect)
    redis = client(free_port())

    with pytest.raises(redis_library.ConnectionError):
        redis.get("k")

    assert len(attempts) >= 2
    assert redis_breaker.is_down
    redis_breaker.reset()
