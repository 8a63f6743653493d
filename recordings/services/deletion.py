"""Deleting recordings through the API: one, or several checked one by one (§4.10, §4.13).
A room whose last recording goes loses its archived metadata (§9.4)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from meet.errors import MeetError
from recordings.domain import RecordingId
from recordings.errors import (
    RecordingNotStoppedError,
)
from recordings.repository import ArchivedRoomRepository, RecordingRepository
from recordings.selectors import get_recording

logger = logging.getLogger(__name__)

_recordings = RecordingRepository()
_archived_rooms = ArchivedRoomRepository()


def _check_deletable(recording_id: RecordingId) -> None:
    recording = get_recording(recording_id)
    if not recording.is_finished:
        raise RecordingNotStoppedError(str(recording_id))


def _forget_emptied_rooms(room_ids: set[str]) -> None:
    """A room whose last recording is gone loses its archived metadata (§9.4)."""
    for room_id in sorted(room_ids):
        if not _recordings.has_any(room_id):
            _archived_rooms.delete(room_id)


def delete_recording(recording_id: RecordingId) -> None:
    """Media, share secrets and metadata; 404 if unknown, 409 unless finished."""
    _check_deletable(recording_id)
    _recordings.delete_many([recording_id])
    _forget_emptied_rooms({recording_id.room_id})


@dataclass(frozen=True, slots=True)
class BulkDeletionResult:
    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (recordingId, message)


def delete_recordings(
    *, recording_ids: list[RecordingId], room_id: str | None = None
) -> BulkDeletionResult:
    """Check each id in order, then delete the eligible ones together (§4.10).

    ``room_id`` is a recording token's room: ids of other rooms fail. A duplicate id is
    deleted once; a failing one is reported once per occurrence, as the reference does.
    """
    eligible: dict[str, RecordingId] = {}
    failed: list[tuple[str, str]] = []
    for recording_id in recording_ids:
        key = str(recording_id)
        if room_id is not None and recording_id.room_id != room_id:
            failed.append((key, f"Recording '{key}' does not belong to room '{room_id}'"))
            continue
        if key in eligible:
            continue
        try:
            _check_deletable(recording_id)
        except MeetError as error:
            failed.append((key, error.message))
            continue
        eligible[key] = recording_id
    _recordings.delete_many(list(eligible.values()))
    _forget_emptied_rooms({recording_id.room_id for recording_id in eligible.values()})
    return BulkDeletionResult(deleted=list(eligible), failed=failed)
