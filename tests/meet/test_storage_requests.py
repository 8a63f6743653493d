"""Hot routes read their documents from the Redis cache: no storage request once warm."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from bench.environment import CountingStore
from meet.storage import get_object_store
from tests.rooms.helpers import create_room, participant_client, participant_token, secret


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingStore:
    import accounts.repository
    import recordings.repository
    import rooms.repository

    wrapped = CountingStore(get_object_store())
    for module in (
        accounts.repository,
        rooms.repository,
        recordings.repository,
    ):
        monkeypatch.setattr(module, "get_object_store", lambda: wrapped)
    return wrapped


def warm_then_count(counting: CountingStore, call: Any) -> int:
    call()
    counting.calls.clear()
    assert call().status_code < 400
    return counting.total


def test_hot_routes_touch_no_storage_when_warm(
    key_client: APIClient, admin_client: APIClient, counting: CountingStore
) -> None:
    room = create_room(key_client)
    body = {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}
    anonymous = APIClient()
    assert (
        warm_then_count(
            counting,
            lambda: anonymous.post("/internal-api/v1/participants/token", body, format="json"),
        )
        == 0
    )
    assert warm_then_count(counting, lambda: key_client.get(f"/api/v1/rooms/{room['roomId']}")) == 0
    assert (
        warm_then_count(counting, lambda: key_client.get(f"/api/v1/rooms/{room['roomId']}/config"))
        == 0
    )
    assert (
        warm_then_count(counting, lambda: admin_client.get("/internal-api/v1/users/profile")) == 0
    )
    assert warm_then_count(counting, lambda: anonymous.get("/internal-api/v1/config/security")) == 0
    speaker = participant_client(participant_token(room, "speaker"), "speaker")
    assert warm_then_count(counting, lambda: speaker.get(f"/api/v1/rooms/{room['roomId']}")) == 0


def test_the_room_list_reads_no_storage_when_warm(
    key_client: APIClient, counting: CountingStore
) -> None:
    for index in range(12):
        create_room(key_client, roomName=f"Room {index}")
    assert warm_then_count(counting, lambda: key_client.get("/api/v1/rooms?maxItems=5")) == 0


def test_without_the_listing_cache_the_room_list_reads_one_page_listing_and_no_documents(
    key_client: APIClient, counting: CountingStore, settings: Any
) -> None:
    settings.LISTING_CACHE_TTL_SECONDS = 0
    for index in range(12):
        create_room(key_client, roomName=f"Room {index}")
    warm_then_count(counting, lambda: key_client.get("/api/v1/rooms?maxItems=5"))
    assert counting.calls == {"list_keys": 1}
