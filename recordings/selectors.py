"""Reads of stored recordings: listing, one recording, share secrets and URLs (§4.9-4.15)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from meet.pagination import Page
from recordings.domain import Recording, RecordingId
from recordings.errors import (
    NoRecordingsOfRoomError,
    RecordingNotFoundError,
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
    that room, so a token never lists another room whose id merely starts with its own.
    For answers only: the page of keys may come from the listing cache (every save and delete
    of a recording leaves it behind at once)."""
    if only_room is not None:
        room_id_prefix = f"{only_room}/"
    return _recordings.list(
        room_id_prefix=room_id_prefix, limit=limit, page_token=page_token, cached=True
    )


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
