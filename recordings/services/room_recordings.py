"""A room's recordings as a whole: whether there are any, deleting them all (room deletion,
meeting end), and the archived room metadata they keep (behavior.md §3.7, §9.4)."""

from __future__ import annotations

import dataclasses
import logging
import time

from django.conf import settings

from meet import livekit
from meet.errors import MeetError
from recordings.domain import (
    ArchivedRoom,
    RecordingId,
    RecordingStatus,
    is_recording_egress,
    recording_from_egress,
)
from recordings.repository import ArchivedRoomRepository, RecordingRepository
from rooms import services as rooms
from rooms.domain import Room

logger = logging.getLogger(__name__)

_recordings = RecordingRepository()
_archived_rooms = ArchivedRoomRepository()


# --- Archived room metadata (outlives the room; read by recording tokens) ---------------------


def archive_room(room: Room) -> None:
    """Snapshot the room's URLs and recording access (written at every ``egress_started``)."""
    _archived_rooms.save(room.room_id, ArchivedRoom.of(room))


def refresh_archived_room(room: Room) -> None:
    """After a config change, only if a snapshot already exists (as the reference)."""
    if _archived_rooms.exists(room.room_id):
        archive_room(room)


# --- All recordings of a room (room deletion, meeting end) ------------------------------------


def has_recordings(room_id: str) -> bool:
    return _recordings.has_any(room_id)


def _all_recording_ids(room_id: str) -> list[RecordingId]:
    ids: list[RecordingId] = []
    token: str | None = None
    while True:
        page = _recordings.list(room_id_prefix=room_id, limit=100, page_token=token)
        ids.extend(r.id for r in page.items if r.room_id == room_id)
        if not page.is_truncated or not page.next_page_token:
            return ids
        token = page.next_page_token


def delete_room_recordings(room_id: str) -> None:
    """Stop what is still recording (marking it aborted), then delete every recording of the
    room and its archived metadata; three attempts, as the reference."""
    try:
        in_progress = [
            info
            for info in livekit.list_egress(room_name=room_id, active=True)
            if info.status in livekit.EGRESS_IN_PROGRESS and is_recording_egress(info)
        ]
    except (livekit.LiveKitUnavailableError, livekit.LiveKitRequestError) as error:
        logger.warning("Could not list egresses of %s: %s", room_id, error)
        in_progress = []
    for info in in_progress:
        try:
            livekit.stop_egress(info.egress_id)
        except (MeetError, livekit.LiveKitRequestError) as error:
            logger.warning("Could not stop egress %s: %s", info.egress_id, error)
    if in_progress:
        time.sleep(settings.RECORDING_STOP_GRACE_SECONDS)
        for info in in_progress:
            room = rooms.find_room(room_id)
            recording = recording_from_egress(info, room.room_name if room else "")
            stored = _recordings.get(recording.id)
            if stored is not None and stored.status != RecordingStatus.COMPLETE:
                _recordings.save(dataclasses.replace(stored, status=RecordingStatus.ABORTED))
    for attempt in range(3):
        remaining = _all_recording_ids(room_id)
        if not remaining:
            break
        if attempt:
            time.sleep(attempt)
        _recordings.delete_many(remaining)
    if _all_recording_ids(room_id):
        raise RuntimeError(f"recordings of room '{room_id}' could not all be deleted")
    _archived_rooms.delete(room_id)
