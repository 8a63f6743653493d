"""Recordings: the stored MeetRecordingInfo, ids, and the EgressInfo → recording mapping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from meet import javascript
from meet.livekit_types import Egress, EgressStatus
from rooms.domain import ParticipantRole, Room, sanitize_room_id, secret_of


class RecordingStatus(StrEnum):
    STARTING = "starting"
    ACTIVE = "active"
    ENDING = "ending"
    COMPLETE = "complete"
    FAILED = "failed"
    ABORTED = "aborted"
    LIMIT_REACHED = "limit_reached"


class EgressEvent(StrEnum):
    """The LiveKit webhooks that carry a recording's state (behavior.md §3.5)."""

    STARTED = "egress_started"
    UPDATED = "egress_updated"
    ENDED = "egress_ended"


FINISHED = frozenset(
    {
        RecordingStatus.COMPLETE,
        RecordingStatus.FAILED,
        RecordingStatus.ABORTED,
        RecordingStatus.LIMIT_REACHED,
    }
)

_EGRESS_STATUS = {
    EgressStatus.STARTING: RecordingStatus.STARTING,
    EgressStatus.ACTIVE: RecordingStatus.ACTIVE,
    EgressStatus.ENDING: RecordingStatus.ENDING,
    EgressStatus.COMPLETE: RecordingStatus.COMPLETE,
    EgressStatus.FAILED: RecordingStatus.FAILED,
    EgressStatus.ABORTED: RecordingStatus.ABORTED,
    EgressStatus.LIMIT_REACHED: RecordingStatus.LIMIT_REACHED,
}


@dataclass(frozen=True, slots=True)
class RecordingId:
    room_id: str
    egress_id: str
    uid: str

    def __str__(self) -> str:
        return f"{self.room_id}--{self.egress_id}--{self.uid}"


_UID = re.compile(r"^[A-Za-z0-9_-]+$")


def parse_recording_id(value: str) -> RecordingId | None:
    """``{roomId}--{egressId}--{uid}`` as the reference validates it (api-contract.md §3.1):
    trimmed; a sanitisable first part is sanitised; the middle part starts with ``EG_`` and is
    longer than 3 characters. ``None`` when it does not follow the format. Parts that could
    reach another storage key (anything but letters, digits, ``_`` and ``-``) are refused too."""
    parts = value.strip().split("--")
    if len(parts) != 3:
        return None
    room_part, egress_id, uid = parts
    sanitized = sanitize_room_id(room_part)
    room_id = sanitized or room_part
    if not room_id or not egress_id.startswith("EG_") or len(egress_id) <= 3 or not uid:
        return None
    if not (_UID.match(room_id) and _UID.match(egress_id) and _UID.match(uid)):
        return None
    return RecordingId(room_id=room_id, egress_id=egress_id, uid=uid)


@dataclass(frozen=True, slots=True, kw_only=True)
class Recording:
    """MeetRecordingInfo. Numbers keep the reference's float arithmetic (ns * 1e-6, ns * 1e-9)."""

    recording_id: str
    room_id: str
    room_name: str
    status: RecordingStatus
    filename: str | None = None
    start_date: float | int = 0
    end_date: float | int | None = None
    duration: float | int | None = None
    size: int | None = None
    error_code: int | None = None
    error: str | None = None
    details: str | None = None

    @property
    def id(self) -> RecordingId:
        parsed = parse_recording_id(self.recording_id)
        if parsed is None:
            raise ValueError(f"invalid recording id {self.recording_id!r}")
        return parsed

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


def recording_from_egress(info: Egress, room_name: str) -> Recording:
    """behavior.md §3.6. ``fileResults[0].filename`` is required."""
    if not info.file_results:
        raise ValueError("egress has no file results")
    result = info.file_results[0]
    filename = result.filename.rsplit("/", 1)[-1]
    uid = filename.split("--", 1)[1].split(".", 1)[0] if "--" in filename else ""
    started = info.started_at or info.updated_at or 0
    return Recording(
        recording_id=f"{info.room_name}--{info.egress_id}--{uid}",
        room_id=info.room_name,
        room_name=room_name,
        status=_EGRESS_STATUS.get(info.status, RecordingStatus.FAILED),
        filename=filename,
        start_date=javascript.number(float(started) * 1e-6),
        end_date=javascript.number(float(info.ended_at) * 1e-6) if info.ended_at else None,
        duration=javascript.number(float(result.duration) * 1e-9) if result.duration else None,
        size=int(result.size) if result.size else None,
        error_code=int(info.error_code) if info.error_code else None,
        error=info.error or None,
        details=info.details or None,
    )


def is_recording_egress(info: Egress) -> bool:
    return bool(info.file_results) and not info.has_stream_results


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchivedRoom:
    """What a room's recordings keep of it (``recordings/.room_metadata``): its links and who
    may see its recordings. Written when a recording starts, it outlives the room, and recording
    tokens are issued from it."""

    moderator_url: str
    speaker_url: str
    recording_enabled: bool = True
    allow_access_to: str | None = None

    @classmethod
    def of(cls, room: Room) -> ArchivedRoom:
        return cls(
            moderator_url=room.moderator_url,
            speaker_url=room.speaker_url,
            recording_enabled=room.config.recording.enabled,
            allow_access_to=room.config.recording.allow_access_to,
        )

    def role_for_secret(self, secret: str) -> ParticipantRole | None:
        if secret and secret == secret_of(self.moderator_url):
            return ParticipantRole.MODERATOR
        if secret and secret == secret_of(self.speaker_url):
            return ParticipantRole.SPEAKER
        return None
