"""Rooms, their configuration and policies; room name and id rules (api-contract.md §3)."""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit


class RoomStatus(StrEnum):
    OPEN = "open"
    ACTIVE_MEETING = "active_meeting"
    CLOSED = "closed"


class MeetingEndAction(StrEnum):
    NONE = "none"
    CLOSE = "close"
    DELETE = "delete"


class WithMeeting(StrEnum):
    FORCE = "force"
    WHEN_MEETING_ENDS = "when_meeting_ends"
    FAIL = "fail"


class WithRecordings(StrEnum):
    FORCE = "force"
    CLOSE = "close"
    FAIL = "fail"


class ParticipantRole(StrEnum):
    MODERATOR = "moderator"
    SPEAKER = "speaker"


class RecordingAccess(StrEnum):
    ADMIN = "admin"
    ADMIN_MODERATOR = "admin_moderator"
    ADMIN_MODERATOR_SPEAKER = "admin_moderator_speaker"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingConfig:
    enabled: bool = True
    allow_access_to: RecordingAccess | None = RecordingAccess.ADMIN_MODERATOR_SPEAKER
    # Ours (docs/policies.md): days after its end a complete recording is kept; None = the
    # global MEET_RECORDING_RETENTION_DAYS, 0 = forever. Stored only when set.
    retention_days: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomLimits:
    """Ours (docs/policies.md): None = no limit. Stored only when one is set."""

    max_participants: int | None = None
    max_duration_minutes: int | None = None

    @property
    def is_empty(self) -> bool:
        return self.max_participants is None and self.max_duration_minutes is None


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomConfig:
    recording: RecordingConfig = field(default_factory=RecordingConfig)
    chat_enabled: bool = True
    virtual_background_enabled: bool = True
    limits: RoomLimits | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoDeletionPolicy:
    with_meeting: WithMeeting = WithMeeting.WHEN_MEETING_ENDS
    with_recordings: WithRecordings = WithRecordings.CLOSE


@dataclass(frozen=True, slots=True, kw_only=True)
class Room:
    """A room as stored: ``moderator_url``/``speaker_url`` are paths (``/room/{id}?secret=…``);
    the base URL is added on the way out. Dates are epoch-ms numbers as the reference stores
    them (possibly fractional)."""

    room_id: str
    room_name: str
    creation_date: int | float
    auto_deletion_date: int | float | None = None
    auto_deletion_policy: AutoDeletionPolicy = field(default_factory=AutoDeletionPolicy)
    config: RoomConfig = field(default_factory=RoomConfig)
    moderator_url: str = ""
    speaker_url: str = ""
    status: RoomStatus = RoomStatus.OPEN
    meeting_end_action: MeetingEndAction = MeetingEndAction.NONE

    @property
    def moderator_secret(self) -> str | None:
        return secret_of(self.moderator_url)

    @property
    def speaker_secret(self) -> str | None:
        return secret_of(self.speaker_url)

    @property
    def has_active_meeting(self) -> bool:
        return self.status == RoomStatus.ACTIVE_MEETING

    def role_for_secret(self, secret: str) -> ParticipantRole | None:
        if secret and secret == self.moderator_secret:
            return ParticipantRole.MODERATOR
        if secret and secret == self.speaker_secret:
            return ParticipantRole.SPEAKER
        return None

    def secret_for_role(self, role: str) -> str | None:
        return self.moderator_secret if role == ParticipantRole.MODERATOR else self.speaker_secret


def secret_of(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("secret")
    return values[0] if values else None


def path_of(url: str) -> str:
    """An absolute URL stored as its path + query + fragment, as the reference saves it."""
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return url
    result = parts.path or "/"
    if parts.query:
        result += f"?{parts.query}"
    if parts.fragment:
        result += f"#{parts.fragment}"
    return result


# --- Names and ids (JavaScript semantics of the reference) -----------------------------------

# JavaScript's \s and String.trim(): ASCII whitespace, NBSP, the Unicode space separators, the
# line terminators and the BOM (Python's own \s differs at the edges).
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_NOT_ALLOWED = re.compile(rf"[^a-zA-Z0-9_\-{re.escape(_JS_SPACE)}]")
_SPACES = re.compile(rf"[{re.escape(_JS_SPACE)}]+")
_ID_ALPHABET = string.digits + string.ascii_lowercase


def sanitize_room_name(value: str) -> str:
    """sanitizeRoomName, step for step (api-contract.md §3.1)."""
    value = value.strip(_JS_SPACE)
    value = _NOT_ALLOWED.sub("", value)
    value = _SPACES.sub(" ", value)
    value = re.sub(r"-+", "-", value)
    value = re.sub(r"_+", "_", value)
    value = re.sub(r"-+$", "", value)
    value = re.sub(r"_+$", "", value)
    value = re.sub(r"^-+", "", value)
    return re.sub(r"^_+", "", value)


def sanitize_room_id(value: str) -> str:
    return _SPACES.sub("", sanitize_room_name(value))


def new_room_id(room_name: str) -> str:
    """``{name without whitespace}-{15 chars of [0-9a-z]}`` (non-crypto, as the reference)."""
    suffix = "".join(random.choices(_ID_ALPHABET, k=15))  # noqa: S311 - an id, not a secret
    return f"{_SPACES.sub('', room_name)}-{suffix}"
