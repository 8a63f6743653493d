"""Recording tokens, issued from a room's archived metadata (api-contract.md §5.3a, §2.10)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from accounts.tokens import issue_token
from meet import javascript
from meet.errors import InsufficientPermissionsError
from recordings.errors import (
    ArchivedRoomNotFoundError,
)
from recordings.repository import ArchivedRoomRepository, RecordingRepository
from rooms.domain import ParticipantRole, RecordingAccess
from rooms.errors import InvalidRoomSecretError

logger = logging.getLogger(__name__)

_recordings = RecordingRepository()
_archived_rooms = ArchivedRoomRepository()


def recording_token_role(room_id: str, secret: Any) -> tuple[str, dict[str, bool]]:
    """Role and recording permissions from the *archived* room metadata of ``room_id``."""
    archived = _archived_rooms.get(room_id)
    if archived is None:
        raise ArchivedRoomNotFoundError(room_id)
    access = archived.allow_access_to
    if access in (None, RecordingAccess.ADMIN):
        raise InsufficientPermissionsError()
    role = archived.role_for_secret(secret) if isinstance(secret, str) else None
    if role is None:
        # The reference's message names room 'undefined' here (archived metadata has no id).
        raise InvalidRoomSecretError(javascript.template_string(secret), "undefined")
    if role == ParticipantRole.MODERATOR:
        return role, {"canRetrieveRecordings": True, "canDeleteRecordings": True}
    can_retrieve = access == RecordingAccess.ADMIN_MODERATOR_SPEAKER
    return role, {"canRetrieveRecordings": can_retrieve, "canDeleteRecordings": False}


def generate_recording_token(room_id: str, role: str, permissions: dict[str, bool]) -> str:
    return issue_token(
        ttl_seconds=settings.RECORDING_TOKEN_TTL_SECONDS,
        metadata={"role": role, "recordingPermissions": permissions},
        video={"room": room_id},
    )
