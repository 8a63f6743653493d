"""What rooms need from recordings, without importing the recordings app.

Recordings depend on rooms, not the other way round; the recordings app plugs its functions in
here when Django starts (``RecordingsConfig.ready``). Until then (or in a deployment without
recordings) a room "has recordings" when recording metadata exists in storage, and deleting a
room's recordings is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meet.storage import get_object_store, keys


def _has_recordings_in_storage(room_id: str) -> bool:
    page = get_object_store().list_keys(keys.recordings_list_prefix(room_id), limit=1)
    return bool(page.keys)


def _cannot_delete(room_id: str) -> None:
    if _has_recordings_in_storage(room_id):
        raise RuntimeError(f"recordings of room '{room_id}' cannot be deleted: no recordings app")


def _no_active_egress(room_id: str) -> None:
    return None


def _no_recordings_status(room_id: str) -> dict[str, Any]:
    return {"isRecordingStarted": False, "recordingList": []}


has_recordings: Callable[[str], bool] = _has_recordings_in_storage
# The ``roomStatus`` data message sent to a participant who joins.
room_status: Callable[[str], dict[str, Any]] = _no_recordings_status
delete_room_recordings: Callable[[str], None] = _cannot_delete
# Called when a meeting ends: releases the room's recording lock if no egress is active.
release_recording_lock: Callable[[str], None] = _no_active_egress


def register(
    *,
    has: Callable[[str], bool],
    delete_all: Callable[[str], None],
    release_lock: Callable[[str], None],
    status: Callable[[str], dict[str, Any]],
) -> None:
    global has_recordings, delete_room_recordings, release_recording_lock, room_status
    has_recordings, delete_room_recordings, release_recording_lock = has, delete_all, release_lock
    room_status = status
