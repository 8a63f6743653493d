"""Pages of the room and recording listings cached in Redis (``meet.listing_cache``).

A hit is the page storage lists; every save and delete of ours — in this process or another
one — makes the next listing fresh at once; Redis failing lists from storage and stores
nothing; writers that do not announce themselves are seen within the TTL; 0 turns it off.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from botocore.exceptions import ClientError
from rest_framework.test import APIClient

from bench.environment import CountingStore
from meet import listing_cache, redis_keys
from meet.breaker import redis_breaker
from meet.redis_connection import redis
from meet.storage import KeyPage, get_object_store, keys
from recordings.selectors import list_recordings
from rooms.services import RoomOptions, create_room, list_rooms
from tests.recordings.helpers import store_recording
from tests.services import free_port, meet_env

ROOT = Path(__file__).resolve().parents[2]
ROOMS_PREFIX = keys.rooms_list_prefix()


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingStore:
    """The store the repositories use, counting its calls."""
    import recordings.repository
    import rooms.repository

    wrapped = CountingStore(get_object_store())
    for module in (rooms.repository, recordings.repository):
        monkeypatch.setattr(module, "get_object_store", lambda: wrapped)
    return wrapped


def room_ids(limit: int = 100) -> list[str]:
    return [
        room.room_id for room in list_rooms(room_id_prefix="", limit=limit, page_token=None).items
    ]


def recording_ids() -> list[str]:
    page = list_recordings(room_id_prefix="", limit=100, page_token=None)
    return [recording.recording_id for recording in page.items]


def cached_pages() -> list[bytes]:
    return list(redis().scan_iter(match=f"{redis_keys.LISTING_PAGE_PREFIX}*"))


def put_room_behind_our_back(room_id: str) -> None:
    """A room written as a reference server sharing the bucket would: no bump."""
    get_object_store().put_json(
        keys.room_key(room_id),
        {"roomId": room_id, "roomName": "Elsewhere", "creationDate": 1, "status": "open"},
    )


# --- Hits -------------------------------------------------------------------------------------


def test_a_hit_is_the_page_storage_lists_and_its_token_still_lists() -> None:
    for index in range(7):
        create_room(options=RoomOptions(room_name=f"Room {index}"))
    store = get_object_store()
    loads: list[str | None] = []

    def walk() -> list[KeyPage]:
        pages, token = [], None
        while True:

            def load(token: str | None = token) -> KeyPage:
                loads.append(token)
                return store.list_keys(ROOMS_PREFIX, limit=3, continuation_token=token)

            page = listing_cache.page(
                listing_cache.ROOMS, ROOMS_PREFIX, limit=3, continuation_token=token, load=load
            )
            pages.append(page)
            if not page.is_truncated:
                return pages
            token = page.next_page_token

    first = walk()
    assert len(loads) == 3  # three pages, each listed once
    assert walk() == first  # the second walk: every page a hit, following the cached tokens
    assert len(loads) == 3
    storage, token = [], None
    for _ in range(3):
        storage.append(store.list_keys(ROOMS_PREFIX, limit=3, continuation_token=token))
        token = storage[-1].next_page_token
    assert first == storage
    assert sum(len(page.keys) for page in first) == 7


def test_the_api_listing_answers_the_same_pages_from_the_cache(
    key_client: APIClient, counting: CountingStore
) -> None:
    for index in range(5):
        key_client.post("/api/v1/rooms", {"roomName": f"Room {index}"}, format="json")
    first = key_client.get("/api/v1/rooms", {"maxItems": 3}).json()
    token = first["pagination"]["nextPageToken"]
    second = key_client.get("/api/v1/rooms", {"maxItems": 3, "nextPageToken": token}).json()
    counting.calls.clear()

    assert key_client.get("/api/v1/rooms", {"maxItems": 3}).json() == first
    assert key_client.get("/api/v1/rooms", {"maxItems": 3, "nextPageToken": token}).json() == second
    assert counting.calls == {}
    # The cache entry gone (expired): the store's own token lists from storage as before.
    redis().delete(*cached_pages())
    assert key_client.get("/api/v1/rooms", {"maxItems": 3, "nextPageToken": token}).json() == second
    assert counting.calls == {"list_keys": 1}
    assert len(first["rooms"]) + len(second["rooms"]) == 5


def test_a_hit_is_one_round_trip_to_redis(settings: Any) -> None:
    create_room(options=RoomOptions(room_name="Counted"))
    room_ids()  # stores the page (and this process learns the generation)
    store = get_object_store()

    def load() -> KeyPage:
        raise AssertionError("a hit lists nothing")

    with patch("meet.listing_cache.redis", wraps=redis) as client:
        page = listing_cache.page(
            listing_cache.ROOMS, ROOMS_PREFIX, limit=100, continuation_token=None, load=load
        )

    assert page == store.list_keys(ROOMS_PREFIX, limit=100)
    assert client.call_count == 1  # the pipeline: generation + page


@pytest.mark.parametrize("path", ["/api/v1/rooms", "/api/v1/recordings"])
def test_a_page_token_storage_refuses_is_never_cached(key_client: APIClient, path: str) -> None:
    refused = ClientError(
        {"Error": {"Code": "InvalidArgument", "Message": "The continuation token is incorrect"}},
        "ListObjectsV2",
    )
    with patch.object(get_object_store().client, "list_objects_v2", side_effect=refused):  # type: ignore[attr-defined]
        answers = [key_client.get(path, {"nextPageToken": "forged"}) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [HTTPStatus.UNPROCESSABLE_ENTITY] * 2
    assert answers[1].json() == {
        "error": "Unprocessable Entity",
        "message": "Invalid request",
        "details": [{"field": "nextPageToken", "message": "Invalid page token"}],
    }
    assert cached_pages() == []


# --- Writes of ours: fresh at once ------------------------------------------------------------


def test_creating_and_deleting_a_room_shows_in_the_next_listing(key_client: APIClient) -> None:
    first = create_room(options=RoomOptions(room_name="First"))
    assert room_ids() == [first.room_id]
    assert room_ids() == [first.room_id]  # cached

    second = create_room(options=RoomOptions(room_name="Second"))
    assert sorted(room_ids()) == sorted([first.room_id, second.room_id])

    response = key_client.delete(f"/api/v1/rooms/{first.room_id}")
    assert response.status_code == HTTPStatus.OK
    assert room_ids() == [second.room_id]


def test_saving_and_deleting_a_recording_shows_in_the_next_listing(
    key_client: APIClient, counting: CountingStore
) -> None:
    stored = store_recording()["recordingId"]  # behind the cache's back, before any listing
    assert recording_ids() == [stored]
    counting.calls.clear()
    assert recording_ids() == [stored]
    assert "list_keys" not in counting.calls  # cached

    from recordings.repository import RecordingRepository, recording_from_json
    from tests.recordings.helpers import recording_json

    room_id, egress_id, uid = "Other-abcdefghijklmno", "EG_second", "u2"
    RecordingRepository().save(
        recording_from_json(recording_json(room_id, egress_id, uid, "active"))
    )
    second = f"{room_id}--{egress_id}--{uid}"
    assert sorted(recording_ids()) == sorted([stored, second])

    assert key_client.delete(f"/api/v1/recordings/{stored}").status_code == HTTPStatus.OK
    assert recording_ids() == [second]


def _in_another_process(moto_endpoint: str, code: str, *arguments: str) -> str:
    """Run ``code`` (Django set up, sharing the tests' Redis DB and bucket) in a new process."""
    script = "import sys\nimport django\ndjango.setup()\n" + code
    done = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        cwd=ROOT,
        env=meet_env(moto_endpoint, MEET_LOG_LEVEL="error"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


CREATE_ROOM = """
from rooms.services import RoomOptions, create_room
print(create_room(options=RoomOptions(room_name=sys.argv[1])).room_id)
"""
DELETE_ROOM = """
from meetings.services import delete_room
delete_room(room_id=sys.argv[1], with_meeting="fail", with_recordings="fail")
"""
SAVE_RECORDING = """
import json
from recordings.repository import RecordingRepository, recording_from_json
RecordingRepository().save(recording_from_json(json.loads(sys.argv[1])))
"""
DELETE_RECORDING = """
from recordings.domain import parse_recording_id
from recordings.services.deletion import delete_recording
delete_recording(parse_recording_id(sys.argv[1]))
"""


def test_a_room_created_or_deleted_by_another_process_shows_in_the_next_listing(
    moto_endpoint: str, counting: CountingStore
) -> None:
    here = create_room(options=RoomOptions(room_name="Here"))
    assert room_ids() == [here.room_id]
    counting.calls.clear()
    assert room_ids() == [here.room_id]
    assert "list_keys" not in counting.calls  # this process now answers from the cache

    there = _in_another_process(moto_endpoint, CREATE_ROOM, "There")
    assert sorted(room_ids()) == sorted([here.room_id, there])

    _in_another_process(moto_endpoint, DELETE_ROOM, here.room_id)
    assert room_ids() == [there]


def test_a_recording_saved_or_deleted_by_another_process_shows_in_the_next_listing(
    moto_endpoint: str, counting: CountingStore
) -> None:
    from tests.recordings.helpers import recording_json

    assert recording_ids() == []
    counting.calls.clear()
    assert recording_ids() == []
    assert "list_keys" not in counting.calls

    raw = recording_json("Room-abcdefghijklmno", "EG_there", "u1", "complete")
    _in_another_process(moto_endpoint, SAVE_RECORDING, json.dumps(raw))
    assert recording_ids() == [raw["recordingId"]]

    _in_another_process(moto_endpoint, DELETE_RECORDING, raw["recordingId"])
    assert recording_ids() == []


# --- Redis failing ----------------------------------------------------------------------------


def test_with_redis_down_the_listing_answers_from_storage_and_stores_nothing(
    settings: Any,
) -> None:
    room = create_room(options=RoomOptions(room_name="Before"))
    recording = store_recording()["recordingId"]
    assert room_ids() == [room.room_id]  # cached
    put_room_behind_our_back("Behind-abcdefghijklmno")
    up = settings.CACHES
    # A Redis that is not there: the cache handlers are rebuilt when CACHES changes.
    settings.CACHES = {
        "default": {**up["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    }

    assert sorted(room_ids()) == sorted([room.room_id, "Behind-abcdefghijklmno"])
    assert recording_ids() == [recording]

    settings.CACHES = up
    redis_breaker.reset()  # the failed calls marked Redis down for a moment
    assert len(cached_pages()) == 1  # only the page stored before the outage


class ListedWhileWriting:
    """The store, with a reader listing rooms right before each write lands."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def put_json(self, key: str, data: Any) -> None:
        room_ids()
        self._inner.put_json(key, data)


def test_a_bump_lost_after_the_write_leaves_pages_stale_for_at_most_the_ttl(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rooms.repository

    settings.LISTING_CACHE_TTL_SECONDS = 1
    first = create_room(options=RoomOptions(room_name="First"))
    assert room_ids() == [first.room_id]
    store = ListedWhileWriting(get_object_store())
    monkeypatch.setattr(rooms.repository, "get_object_store", lambda: store)
    # Redis fails between the write and the bump after it; the bump before it went through.
    with patch.object(listing_cache, "after_write"):
        second = create_room(options=RoomOptions(room_name="Second"))
    monkeypatch.undo()

    assert room_ids() == [first.room_id]  # only the page listed after the bump before: stale...
    ttl_ms = redis().pttl(cached_pages()[-1])
    assert 0 < ttl_ms <= 1000
    time.sleep(ttl_ms / 1000 + 0.05)
    assert sorted(room_ids()) == sorted([first.room_id, second.room_id])  # ...for the TTL at most


# --- TTL --------------------------------------------------------------------------------------


def test_a_write_that_does_not_bump_is_seen_once_the_page_expired(settings: Any) -> None:
    settings.LISTING_CACHE_TTL_SECONDS = 1
    room = create_room(options=RoomOptions(room_name="Ours"))
    assert room_ids() == [room.room_id]

    put_room_behind_our_back("Theirs-abcdefghijklmno")

    assert room_ids() == [room.room_id]  # cached: nobody told us
    [page_key] = cached_pages()
    assert 0 < redis().ttl(page_key) <= 1
    time.sleep(1.1)
    assert sorted(room_ids()) == sorted([room.room_id, "Theirs-abcdefghijklmno"])


def test_pages_live_for_the_configured_ttl() -> None:
    room_ids()
    [page_key] = cached_pages()
    assert 25 < redis().ttl(page_key) <= 30


def test_a_ttl_of_zero_turns_the_cache_off(settings: Any, counting: CountingStore) -> None:
    settings.LISTING_CACHE_TTL_SECONDS = 0
    room = create_room(options=RoomOptions(room_name="Ours"))
    assert room_ids() == [room.room_id]

    put_room_behind_our_back("Theirs-abcdefghijklmno")
    counting.calls.clear()

    assert sorted(room_ids()) == sorted([room.room_id, "Theirs-abcdefghijklmno"])
    assert counting.calls.get("list_keys") == 1
    assert cached_pages() == []


def test_collectors_list_storage_not_the_cache(counting: CountingStore) -> None:
    from rooms.services import iter_all_rooms

    room = create_room(options=RoomOptions(room_name="Collected"))
    assert [item.room_id for item in iter_all_rooms()] == [room.room_id]
    put_room_behind_our_back("Theirs-abcdefghijklmno")
    assert sorted(item.room_id for item in iter_all_rooms()) == sorted(
        [room.room_id, "Theirs-abcdefghijklmno"]
    )
    assert cached_pages() == []


def test_every_write_of_a_listing_bumps_its_generation_once_before_and_once_after() -> None:
    generation = redis_keys.listing_generation(listing_cache.ROOMS)
    room = create_room(options=RoomOptions(room_name="Bumped"))
    assert redis().get(generation) == b"2"
    from rooms.services import forget_room

    forget_room(room.room_id)
    assert redis().get(generation) == b"4"
    assert redis().get(redis_keys.listing_generation(listing_cache.RECORDINGS)) is None
