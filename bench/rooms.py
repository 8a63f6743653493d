"""Rooms: the first page of the listing with 10 vs 5,000 rooms stored, and what a participant
token costs in storage requests (it should cost none once the cache is warm)."""

from __future__ import annotations

import statistics
import time
from typing import Any


def _time(call: Any, repeat: int) -> float:
    call()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _store_rooms(count: int, prefix: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from rooms.domain import Room
    from rooms.repository import RoomRepository

    repository = RoomRepository()

    def store(index: int) -> None:
        room_id = f"{prefix}{index:05d}-{'x' * 15}"
        repository.save(
            Room(
                room_id=room_id,
                room_name=f"{prefix} {index}",
                creation_date=int(time.time() * 1000),
                moderator_url=f"/room/{room_id}?secret=0123456789",
                speaker_url=f"/room/{room_id}?secret=9876543210",
            )
        )

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(store, range(count)))


def _count_requests(call: Any) -> str:
    import rooms.repository
    from bench.environment import CountingStore
    from meet.storage import get_object_store

    wrapped = CountingStore(get_object_store())
    rooms.repository.get_object_store = lambda: wrapped  # type: ignore[attr-defined]
    try:
        call()
    finally:
        rooms.repository.get_object_store = get_object_store  # type: ignore[attr-defined]
    return "+".join(f"{count} {name}" for name, count in sorted(wrapped.calls.items())) or "0"


def _flush_room_cache(client: Any) -> None:
    keys = list(client.scan_iter(match="ov_meet:room:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


def run(quick: bool = False) -> list[str]:
    from rest_framework.test import APIClient

    from meet.redis_connection import redis
    from meet.storage import get_object_store

    client = APIClient()
    client.credentials(HTTP_X_API_KEY="bench-api-key")
    repeat = 10 if quick else 30
    big = 1000 if quick else 5000

    store = get_object_store()

    def raw_list() -> Any:
        return store.list_keys("rooms", limit=10)

    _store_rooms(10, "Small")
    small_time = _time(lambda: client.get("/api/v1/rooms?maxItems=10"), repeat)
    small_raw = _time(raw_list, repeat)
    small_requests = _count_requests(lambda: client.get("/api/v1/rooms?maxItems=10"))
    _store_rooms(big, "Large")
    large_time = _time(lambda: client.get("/api/v1/rooms?maxItems=10"), repeat)
    large_raw = _time(raw_list, repeat)
    large_requests = _count_requests(lambda: client.get("/api/v1/rooms?maxItems=10"))
    _flush_room_cache(redis())  # cold cache: every room of the page read from storage
    cold_time = _time(lambda: client.get("/api/v1/rooms?maxItems=10"), 1)

    # Storage requests per participant token.
    import meet.storage as storage_module

    room = client.post("/api/v1/rooms", {"roomName": "Token"}, format="json").json()
    secret = room["speakerUrl"].split("secret=")[1]
    body = {"roomId": room["roomId"], "secret": secret}
    anonymous = APIClient()
    anonymous.post("/internal-api/v1/participants/token", body, format="json")  # warm the cache
    from bench.environment import CountingStore

    original = get_object_store()
    wrapped = CountingStore(original)
    storage_module.get_object_store.cache_clear()
    import accounts.repository
    import rooms.repository

    patched = [accounts.repository, rooms.repository]
    for module in patched:
        module.get_object_store = lambda: wrapped  # type: ignore[attr-defined]
    try:
        tokens = 50
        token_time = _time(
            lambda: anonymous.post("/internal-api/v1/participants/token", body, format="json"),
            tokens,
        )
        per_token = wrapped.total / tokens
    finally:
        for module in patched:
            module.get_object_store = storage_module.get_object_store  # type: ignore[attr-defined]
    return [
        f"rooms: first page with 10 rooms stored        {small_time * 1000:8.2f} ms",
        f"rooms: first page with {big} rooms stored      {large_time * 1000:8.2f} ms",
        f"rooms: ratio {big} / 10 rooms                  {large_time / small_time:8.2f}x",
        f"rooms: moto's own ListObjectsV2 (10 keys), 10 vs {big} rooms: "
        f"{small_raw * 1000:.2f} ms vs {large_raw * 1000:.2f} ms "
        "(moto scans the bucket; S3 does not)",
        f"rooms: storage requests for the first page, 10 vs {big} rooms: "
        f"{small_requests} vs {large_requests}",
        f"rooms: first page, cold Redis cache           {cold_time * 1000:8.2f} ms",
        f"tokens: participant token (warm)              {token_time * 1000:8.2f} ms",
        f"tokens: storage requests per token request    {per_token:8.2f}",
    ]
