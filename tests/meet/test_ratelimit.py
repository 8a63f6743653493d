"""The fixed-window login rate limit, counted in Redis so every process shares it."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis as redis_py

from meet import ratelimit
from meet.redis_connection import redis


def test_hits_up_to_the_limit_pass_and_the_next_one_is_exceeded() -> None:
    states = [ratelimit.hit("login:1.2.3.4", limit=3, window_seconds=60) for _ in range(4)]

    assert [state.hits for state in states] == [1, 2, 3, 4]
    assert [state.exceeded for state in states] == [False, False, False, True]
    assert [state.remaining for state in states] == [2, 1, 0, 0]


def test_each_key_has_its_own_counter() -> None:
    ratelimit.hit("login:1.2.3.4", limit=1, window_seconds=60)

    assert ratelimit.hit("login:5.6.7.8", limit=1, window_seconds=60).exceeded is False
    assert redis().get("ov_meet:rate_limit:login:1.2.3.4") == b"1"


def test_the_window_starts_at_the_first_hit_and_is_not_extended_by_later_ones() -> None:
    first = ratelimit.hit("login:ip", limit=5, window_seconds=60)
    time.sleep(0.05)
    later = ratelimit.hit("login:ip", limit=5, window_seconds=60)

    assert abs(later.reset_at_ms - first.reset_at_ms) <= 20
    assert 59_000 <= redis().pttl("ov_meet:rate_limit:login:ip") <= 60_000


def test_the_count_starts_again_when_the_window_ends() -> None:
    for _ in range(3):
        ratelimit.hit("login:ip", limit=2, window_seconds=1)
    time.sleep(1.1)

    state = ratelimit.hit("login:ip", limit=2, window_seconds=1)

    assert state.hits == 1
    assert state.exceeded is False


def test_uncount_takes_a_successful_request_back_out() -> None:
    for _ in range(3):
        ratelimit.hit("login:ip", limit=3, window_seconds=60)

    ratelimit.uncount("login:ip")

    assert ratelimit.hit("login:ip", limit=3, window_seconds=60).hits == 3


def test_uncount_never_goes_below_zero() -> None:
    ratelimit.uncount("login:ip")
    ratelimit.hit("login:ip", limit=3, window_seconds=60)
    ratelimit.uncount("login:ip")
    ratelimit.uncount("login:ip")

    assert ratelimit.hit("login:ip", limit=3, window_seconds=60).hits == 1


def test_headers_within_the_limit_have_no_retry_after() -> None:
    state = ratelimit.hit("login:ip", limit=5, window_seconds=60)

    headers = state.headers()

    assert headers == {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "4",
        "X-RateLimit-Reset": str(math.ceil(state.reset_at_ms / 1000)),
    }
    assert 59 <= int(headers["X-RateLimit-Reset"]) - time.time() <= 61


def test_headers_beyond_the_limit_say_when_to_retry() -> None:
    ratelimit.hit("login:ip", limit=1, window_seconds=60)

    headers = ratelimit.hit("login:ip", limit=1, window_seconds=60).headers()

    assert headers["X-RateLimit-Limit"] == "1"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert 59 <= int(headers["Retry-After"]) <= 60


@pytest.fixture
def two_processes(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Two Redis clients with their own connection pools, used in turn by ``ratelimit``."""
    clients = [redis_py.Redis.from_url(settings.REDIS_LOCATION) for _ in range(2)]
    used: list[Any] = []

    def next_client() -> Any:
        client = clients[len(used) % 2]
        used.append(client)
        return client

    monkeypatch.setattr(ratelimit, "redis", next_client)
    yield used
    for client in clients:
        client.close()


def test_the_count_is_shared_by_separate_connections(two_processes: list[Any]) -> None:
    states = [ratelimit.hit("login:ip", limit=3, window_seconds=60) for _ in range(4)]
    ratelimit.uncount("login:ip")

    assert [state.hits for state in states] == [1, 2, 3, 4]
    assert states[-1].exceeded is True
    assert len({id(client) for client in two_processes}) == 2
    assert redis().get("ov_meet:rate_limit:login:ip") == b"3"
