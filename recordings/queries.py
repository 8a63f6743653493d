"""The public recordings API's rules: listing, reading, share URLs and deletion (§4.9-4.15).

Kept apart from ``recordings.services`` (recording lifecycle driven by LiveKit) because the two
change for different reasons; both go through ``RecordingRepository``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from meet.errors import MeetError
from meet.pagination import Page
from recordings.domain import Recording, RecordingId
from recordings.errors import (
    NoRecordingsOfRoomError,
    RecordingNotFoundError,
    RecordingNotStoppedError,
)
from recordings.repository import ArchivedRoomRepository, RecordingRepository

logger = logging.getLogger(__name__)

_recordings = RecordingRepository()
_archived_rooms = ArchivedRoomRepository()


# --- Reads ------------------------------------------------------------------------------------


def list_recordings(
    *, room_id_prefix: str, limit: int, page_token: str | None, only_room: str | None = None
) -> Page[Recording]:
    """Recordings in storage-key order. ``room_id_prefix`` matches roomIds *starting with* it
    (the reference's prefix filter); ``only_room`` (a recording token's room) matches exactly
    that room, so a token never lists another room whose id merely starts with its own."""
    if only_room is not None:
        room_id_prefix = f"{only_room}/"
    return _recordings.list(room_id_prefix=room_id_prefix, limit=limit, page_token=page_token)


def get_recording(recording_id: RecordingId) -> Recording:
    recording = _recordings.get(recording_id)
    if recording is None:
        raise RecordingNotFoundError(str(recording_id))
    return recording


@dataclass(frozen=True, slots=True)
class RecordingSecrets:
    public: str | None
    private: str | None


def get_recording_secrets(recording_id: RecordingId) -> RecordingSecrets:
    raw = _recordings.get_secrets(recording_id)
    if raw is None:
        raise RecordingNotFoundError(str(recording_id))
    return RecordingSecrets(
        public=raw.get("publicAccessSecret"), private=raw.get("privateAccessSecret")
    )


def recording_url(*, recording_id: RecordingId, private: bool, base_url: str) -> str:
    """``{base}/recording/{id}?secret=…`` with the public or the private share secret."""
    secrets = get_recording_secrets(recording_id)
    secret = secrets.private if private else secrets.public
    return f"{base_url}/recording/{recording_id}?secret={secret}"


def recordings_of_room(recording_ids: list[RecordingId], room_id: str | None) -> list[RecordingId]:
    """A recording token downloads only its room's recordings (§4.11); 400 if none is left."""
    if room_id is None:
        return recording_ids
    kept = [recording_id for recording_id in recording_ids if recording_id.room_id == room_id]
    if not kept:
        raise NoRecordingsOfRoomError(room_id)
    return kept


# --- Deletion ---------------------------------------------------------------------------------


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
