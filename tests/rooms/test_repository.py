"""The rooms repository's cache around a delete (the codec is pinned by the golden tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meet import cache, redis_keys
from meet.storage import get_object_store
from rooms.repository import RoomRepository

GOLDEN = (
    Path(__file__).resolve().parent.parent
    / "fixtures/storage/rooms/Supportroom-chj9vm5ocy02cxl/Supportroom-chj9vm5ocy02cxl.json"
)


def test_a_reader_back_filling_during_a_delete_does_not_bring_the_room_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repository = RoomRepository()
    room = RoomRepository.from_json(json.loads(GOLDEN.read_bytes()))
    repository.save(room)
    store = get_object_store()
    delete = store.delete

    def delete_while_a_reader_back_fills(key: str) -> Any:
        # A reader that missed the (just invalidated) cache read storage before the delete and
        # back-fills what it read.
        cache.backfill_json(redis_keys.room(room.room_id), RoomRepository.to_json(room))
        return delete(key)

    monkeypatch.setattr(store, "delete", delete_while_a_reader_back_fills)

    repository.delete(room.room_id)

    assert cache.get_json(redis_keys.room(room.room_id)) is None
    assert repository.get(room.room_id) is None
