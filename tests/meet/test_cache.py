"""The read-through JSON cache under the reference's ``ov_meet:`` keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import patch

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from meet import cache
from meet.errors import RedisUnavailableError
from meet.redis_connection import redis

THIRTY_TWO_DAYS = 32 * 24 * 3600


@pytest.fixture
def redis_down() -> Iterator[None]:
    with patch("meet.cache.redis", side_effect=RedisConnectionError("down")):
        yield


def test_a_value_is_stored_as_compact_json_under_the_reference_key() -> None:
    cache.set_json("room:r1", {"roomId": "r1", "roomName": "Réunion", "n": [1, 2]})

    assert (
        redis().get("ov_meet:room:r1") == '{"roomId":"r1","roomName":"Réunion","n":[1,2]}'.encode()
    )
    assert cache.get_json("room:r1") == {"roomId": "r1", "roomName": "Réunion", "n": [1, 2]}


def test_a_missing_or_unreadable_entry_reads_as_none() -> None:
    redis().set("ov_meet:global_config", b"{not json")

    assert cache.get_json("global_config") is None
    assert cache.get_json("api_keys:") is None


def test_a_value_written_by_the_reference_is_read() -> None:
    redis().set("ov_meet:api_keys:", b'[{"key":"meet-api-key","creationDate":1795435927695}]')

    assert cache.get_json("api_keys:") == [{"key": "meet-api-key", "creationDate": 1795435927695}]


def test_a_back_fill_never_overwrites_a_newer_value() -> None:
    cache.set_json("global_config", {"projectId": "newer"})

    cache.backfill_json("global_config", {"projectId": "read-before-the-write"})

    assert cache.get_json("global_config") == {"projectId": "newer"}


def test_a_back_fill_fills_an_empty_entry() -> None:
    cache.backfill_json("user:admin", {"username": "admin"})

    assert cache.get_json("user:admin") == {"username": "admin"}


def test_a_set_overwrites_the_previous_value() -> None:
    cache.backfill_json("user:admin", {"v": 1})

    cache.set_json("user:admin", {"v": 2})

    assert cache.get_json("user:admin") == {"v": 2}


@pytest.mark.parametrize("write", [cache.set_json, cache.backfill_json])
def test_entries_live_32_days_counted_in_seconds(write: Callable[[str, Any], None]) -> None:
    write("global_config", {"projectId": "p"})

    ttl = redis().ttl("ov_meet:global_config")

    # Not the reference's 2 764 800 000 (milliseconds of 32 days passed to EX).
    assert THIRTY_TWO_DAYS - 5 <= ttl <= THIRTY_TWO_DAYS


def test_invalidate_deletes_every_given_entry() -> None:
    for key in ("a", "b", "c"):
        cache.set_json(key, {})

    cache.invalidate("a", "b", "missing")

    assert redis().keys("ov_meet:*") == [b"ov_meet:c"]


def test_invalidate_when_redis_is_down_is_a_503(redis_down: None) -> None:
    with pytest.raises(RedisUnavailableError) as raised:
        cache.invalidate("global_config")

    assert raised.value.status_code == 503
    assert raised.value.body() == {"error": "Redis Error", "message": "Redis is not available"}
    assert raised.value.detail == "down"  # logged, never sent (issue 10)


def test_reads_and_writes_when_redis_is_down_are_skipped_quietly(redis_down: None) -> None:
    assert cache.get_json("global_config") is None
    cache.set_json("global_config", {})
    cache.backfill_json("global_config", {})


def test_the_cache_holds_the_same_bytes_as_storage_for_whole_floats(store: Any) -> None:
    document = {"recordingId": "r--EG_1--u", "startDate": 1795435928223.0, "duration": 0.5}

    cache.set_json("recording:r--EG_1--u", document)
    store.put_json("recordings/.metadata/r/EG_1/u.json", document)

    assert redis().get("ov_meet:recording:r--EG_1--u") == (
        b'{"recordingId":"r--EG_1--u","startDate":1795435928223,"duration":0.5}'
    )
    assert redis().get("ov_meet:recording:r--EG_1--u") == store.get_bytes(
        "recordings/.metadata/r/EG_1/u.json"
    )
