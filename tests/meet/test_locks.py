"""Redis locks with owner tokens, in the reference's key layout, against a real Redis."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from meet import locks
from meet.errors import RedisUnavailableError
from meet.redis_connection import redis
from tests.services import free_port


def now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
def redis_down(settings: Any) -> None:
    # A Redis that is not there: the cache handlers are rebuilt when CACHES changes.
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }


def not_acquired(resource: str, **kwargs: Any) -> bool:
    with pytest.raises(locks.LockNotAcquiredError) as raised:
        locks.acquire(resource, ttl_seconds=10, **kwargs)
    return raised.value.resource == resource


def test_a_lock_is_held_until_released() -> None:
    held = locks.acquire("room_x", ttl_seconds=10)

    assert held is not None
    assert not_acquired("room_x")
    assert locks.acquire("room_y", ttl_seconds=10) is not None
    assert locks.release(held) is True
    assert locks.acquire("room_x", ttl_seconds=10) is not None


def test_a_lock_that_cannot_be_had_is_a_503_not_a_silent_pass() -> None:
    locks.acquire("room_x", ttl_seconds=10)

    with pytest.raises(locks.LockNotAcquiredError) as raised:
        locks.acquire("room_x", ttl_seconds=10)

    assert raised.value.status_code == 503
    assert raised.value.body() == {
        "error": "Lock Error",
        "message": "Resource 'room_x' is locked by another operation",
    }


def test_a_read_modify_write_never_runs_without_its_lock() -> None:
    locks.acquire("room_x", ttl_seconds=10)
    ran: list[str] = []

    with pytest.raises(locks.LockNotAcquiredError), locks.held("room_x", ttl_seconds=10):
        ran.append("body")

    assert ran == []


def test_the_lock_key_holds_the_owner_token() -> None:
    held = locks.acquire("room_x", ttl_seconds=10)

    assert redis().get("ov_meet_lock:room_x") == held.token.encode()
    assert len(held.token) == 32
    assert locks.acquire("room_z", ttl_seconds=10).token != held.token


def test_the_registry_entry_describes_the_lock_as_the_reference_does() -> None:
    before = now_ms()

    held = locks.acquire("recording_active_room1", ttl_seconds=60)

    raw = redis().get("ov_meet_lock_registry:ov_meet_lock:recording_active_room1")
    registry = json.loads(raw)
    assert list(registry) == ["resources", "value", "expiration", "createdAt"]
    assert registry["resources"] == ["ov_meet_lock:recording_active_room1"]
    assert registry["value"] == held.token
    assert before <= registry["createdAt"] <= now_ms()
    assert registry["expiration"] == registry["createdAt"] + 60_000 - (600 + 2)


def test_the_lock_expires_in_milliseconds_and_its_registry_in_seconds() -> None:
    locks.acquire("recording_active_room1", ttl_seconds=21_600)

    lock_pttl = redis().pttl("ov_meet_lock:recording_active_room1")
    registry_ttl = redis().ttl("ov_meet_lock_registry:ov_meet_lock:recording_active_room1")

    assert 21_599_000 <= lock_pttl <= 21_600_000
    # Not the reference's 2 764 800 000 s (milliseconds of 32 days passed as seconds).
    assert 21_599 <= registry_ttl <= 21_600


def test_an_expired_lock_can_be_taken_again() -> None:
    locks.acquire("short", ttl_seconds=0.05)
    time.sleep(0.1)

    assert locks.acquire("short", ttl_seconds=10) is not None


def test_releasing_a_stale_lock_never_frees_the_new_holder() -> None:
    stale = locks.acquire("room_x", ttl_seconds=0.05)
    time.sleep(0.1)
    current = locks.acquire("room_x", ttl_seconds=10)

    assert locks.release(stale) is False

    assert redis().get("ov_meet_lock:room_x") == current.token.encode()
    registry = json.loads(redis().get("ov_meet_lock_registry:ov_meet_lock:room_x"))
    assert registry["value"] == current.token
    assert not_acquired("room_x")


def test_releasing_removes_the_lock_and_its_registry_entry() -> None:
    held = locks.acquire("room_x", ttl_seconds=10)

    locks.release(held)

    assert redis().exists("ov_meet_lock:room_x") == 0
    assert redis().exists("ov_meet_lock_registry:ov_meet_lock:room_x") == 0
    assert locks.lock_info("room_x") is None


def test_lock_info_reads_the_registry() -> None:
    held = locks.acquire("room_x", ttl_seconds=10)

    info = locks.lock_info("room_x")

    assert info == locks.LockInfo(
        resource="room_x",
        token=held.token,
        created_at_ms=held.created_at_ms,
        expiration_ms=held.created_at_ms + 10_000 - 102,
    )


def test_locks_with_prefix_finds_every_lock_of_the_prefix_and_nothing_else() -> None:
    first = locks.acquire("recording_active_room1", ttl_seconds=10)
    second = locks.acquire("recording_active_room2", ttl_seconds=10)
    locks.acquire("scheduled_task_roomGarbageCollector", ttl_seconds=10)

    found = locks.locks_with_prefix("recording_active_")

    assert sorted((info.resource, info.token) for info in found) == [
        ("recording_active_room1", first.token),
        ("recording_active_room2", second.token),
    ]
    assert locks.locks_with_prefix("nothing_") == []


def test_release_resource_frees_whoever_holds_the_lock() -> None:
    locks.acquire("recording_active_room1", ttl_seconds=10)

    assert locks.release_resource("recording_active_room1") is True

    assert redis().exists("ov_meet_lock:recording_active_room1") == 0
    assert redis().exists("ov_meet_lock_registry:ov_meet_lock:recording_active_room1") == 0
    assert locks.acquire("recording_active_room1", ttl_seconds=10) is not None


def test_release_resource_removes_a_lock_that_has_no_registry_entry() -> None:
    redis().set("ov_meet_lock:recording_active_room1", "token-of-another-server", px=10_000)

    assert locks.release_resource("recording_active_room1") is True
    assert locks.release_resource("recording_active_room1") is False


def test_the_lock_context_manager_releases_on_exit_even_after_an_error() -> None:
    seen: list[locks.Lock | bool] = []

    def update_room() -> None:
        with locks.held("room_x", ttl_seconds=10) as held:
            seen.extend([held, not_acquired("room_x")])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        update_room()

    assert isinstance(seen[0], locks.Lock)
    assert seen[1] is True
    assert locks.acquire("room_x", ttl_seconds=10) is not None


def test_the_lock_context_manager_leaves_a_lock_it_could_not_take() -> None:
    holder = locks.acquire("room_x", ttl_seconds=10)

    assert not_acquired("room_x")
    with pytest.raises(locks.LockNotAcquiredError), locks.held("room_x", ttl_seconds=10):
        pass

    assert redis().get("ov_meet_lock:room_x") == holder.token.encode()


def test_a_waiting_acquire_gets_the_lock_once_the_holder_releases_it() -> None:
    holder = locks.acquire("room_x", ttl_seconds=10)
    threading.Timer(0.2, locks.release, args=(holder,)).start()

    started = time.monotonic()
    waited = locks.acquire("room_x", ttl_seconds=10, wait_seconds=5)

    assert waited is not None
    assert 0.15 <= time.monotonic() - started < 3


def test_a_waiting_acquire_gives_up_after_its_wait() -> None:
    locks.acquire("room_x", ttl_seconds=10)

    started = time.monotonic()

    assert not_acquired("room_x", wait_seconds=0.3)
    assert 0.3 <= time.monotonic() - started < 2


def test_a_scheduled_job_runs_once_when_two_workers_fire_together() -> None:
    runs: list[str] = []

    @locks.run_exclusively("roomGarbageCollector", interval_seconds=3600)
    def collect(worker: str) -> str:
        runs.append(worker)
        return worker

    barrier = threading.Barrier(2)
    results: dict[str, str | None] = {}

    def worker(name: str) -> None:
        barrier.wait()
        results[name] = collect(name)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [winner] = runs
    assert results == {"a": None, "b": None, winner: winner}
    # The lock is kept after the run (it is what stops the next tick of another beat).
    assert collect("c") is None
    assert runs == [winner]
    assert (
        3_539_000 <= redis().pttl("ov_meet_lock:scheduled_task_roomGarbageCollector") <= 3_540_000
    )


def test_a_scheduled_job_lock_lasts_at_least_the_minimum() -> None:
    @locks.run_exclusively("staleRecordingsCleanup", interval_seconds=30)
    def cleanup() -> str:
        return "ran"

    assert cleanup() == "ran"
    assert 58_000 <= redis().pttl("ov_meet_lock:scheduled_task_staleRecordingsCleanup") <= 59_000


def test_acquiring_when_redis_is_down_is_a_503(redis_down: None) -> None:
    with pytest.raises(RedisUnavailableError) as raised:
        locks.acquire("room_x", ttl_seconds=10)

    assert raised.value.status_code == 503
    assert raised.value.message.startswith("Redis is not available")


def test_releasing_when_redis_is_down_does_not_raise(redis_down: None) -> None:
    stale = locks.Lock(resource="room_x", token="t" * 32, ttl_ms=10_000, created_at_ms=now_ms())

    assert locks.release(stale) is False
