"""Participant tokens, roles and moderator actions (api-contract.md §2.8, §5.3-5.5)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from django.conf import settings

from accounts.authentication import valid_participant_metadata
from accounts.tokens import decode_unverified, issue_token, parse_metadata
from meet import livekit
from rooms import participant_names
from rooms.domain import ParticipantRole, RecordingAccess, Room, RoomStatus
from rooms.errors import (
    InvalidRoomSecretError,
    NoParticipantIdentityError,
    ParticipantNotFoundError,
    RoomClosedError,
)
from rooms.repository import config_to_json
from rooms.services import get_archived_room, get_room, role_for_secret

logger = logging.getLogger(__name__)

_OPENVIDU_PERMISSIONS = {
    ParticipantRole.MODERATOR: {
        "canRecord": True,
        "canChat": True,
        "canChangeVirtualBackground": True,
    },
    ParticipantRole.SPEAKER: {
        "canRecord": False,
        "canChat": True,
        "canChangeVirtualBackground": True,
    },
}


def livekit_grants(room_id: str, *, room_join: bool) -> dict[str, Any]:
    """Identical for both roles (key order as the reference)."""
    return {
        "roomJoin": room_join,
        "room": room_id,
        "canPublish": True,
        "canSubscribe": True,
        "canPublishData": True,
        "canUpdateOwnMetadata": True,
    }


def openvidu_permissions(role: str) -> dict[str, bool]:
    return dict(_OPENVIDU_PERMISSIONS[ParticipantRole(role)])


def role_permissions(room_id: str, role: str) -> dict[str, Any]:
    return {
        "role": role,
        "permissions": {
            "livekit": livekit_grants(room_id, room_join=True),
            "openvidu": openvidu_permissions(role),
        },
    }


def room_roles(room_id: str) -> list[dict[str, Any]]:
    get_room(room_id)
    return [
        role_permissions(room_id, role)
        for role in (ParticipantRole.MODERATOR, ParticipantRole.SPEAKER)
    ]


def room_role_for_secret(room_id: str, secret: str) -> dict[str, Any]:
    room = get_room(room_id)
    return role_permissions(room_id, role_for_secret(room, secret))


# --- LiveKit room -----------------------------------------------------------------------------


def livekit_room_metadata(room: Room) -> str:
    options: dict[str, Any] = {"roomName": room.room_name}
    if room.auto_deletion_date is not None:
        options["autoDeletionDate"] = room.auto_deletion_date
    options["autoDeletionPolicy"] = {
        "withMeeting": room.auto_deletion_policy.with_meeting,
        "withRecordings": room.auto_deletion_policy.with_recordings,
    }
    options["config"] = config_to_json(room.config)
    return json.dumps(
        {"createdBy": settings.MEET_NAME_ID, "roomOptions": options}, separators=(",", ":")
    )


def ensure_livekit_room(room: Room) -> None:
    """The meeting starts when the first token with a name is issued (as the reference)."""
    if livekit.get_room(room.room_id) is None:
        livekit.create_room(room.room_id, metadata=livekit_room_metadata(room))


# --- Tokens -----------------------------------------------------------------------------------


def roles_of_previous_token(token: str | None) -> list[dict[str, Any]] | None:
    """Roles carried over from an earlier participant token, read without verification;
    ``None`` when there is no token or its metadata is not valid."""
    if not token:
        return None
    try:
        metadata = parse_metadata(decode_unverified(token))
    except Exception:  # an unreadable previous token carries nothing over
        return None
    return list(metadata["roles"]) if valid_participant_metadata(metadata) else None


def _participant_token(
    room: Room,
    role: str,
    previous_roles: list[dict[str, Any]],
    *,
    name: str | None,
    identity: str | None,
) -> str:
    roles = [dict(item) for item in previous_roles]
    if role not in [item.get("role") for item in roles]:
        roles.append({"role": role, "permissions": openvidu_permissions(role)})
    metadata = {"livekitUrl": settings.LIVEKIT_URL, "roles": roles, "selectedRole": role}
    return issue_token(
        ttl_seconds=settings.PARTICIPANT_TOKEN_TTL_SECONDS,
        metadata=metadata,
        identity=identity or name,
        name=name,
        video=livekit_grants(room.room_id, room_join=bool(name)),
    )


def resolve_role(room_id: str, secret: str) -> tuple[Room, ParticipantRole]:
    room = get_room(room_id, cached=True)
    return room, role_for_secret(room, secret)


def generate_participant_token(
    *,
    room: Room,
    role: str,
    participant_name: str | None,
    participant_identity: str | None,
    previous_token: str | None,
) -> str:
    previous_roles = roles_of_previous_token(previous_token) or []
    if not participant_name:
        return _participant_token(
            room, role, previous_roles, name=None, identity=participant_identity
        )
    if room.status == RoomStatus.CLOSED:
        raise RoomClosedError(room.room_id)
    ensure_livekit_room(room)
    name = participant_names.reserve(room.room_id, participant_name)
    try:
        return _participant_token(
            room, role, previous_roles, name=name, identity=participant_identity
        )
    except Exception:
        participant_names.release(room.room_id, name)  # leave no reservation behind
        raise


def refresh_participant_token(
    *,
    room: Room,
    role: str,
    participant_name: str | None,
    participant_identity: str | None,
    previous_roles: list[dict[str, Any]],
) -> str:
    if participant_name:
        if room.status == RoomStatus.CLOSED:
            raise RoomClosedError(room.room_id)
        ensure_livekit_room(room)
        if not participant_identity:
            raise NoParticipantIdentityError()
        if livekit.get_participant(room.room_id, participant_identity) is None:
            raise ParticipantNotFoundError(participant_identity, room.room_id)
    return _participant_token(
        room, role, previous_roles, name=participant_name or None, identity=participant_identity
    )


# --- Recording tokens (§5.3a, §2.10) ----------------------------------------------------------


UNDEFINED = object()  # a body without ``secret`` (JavaScript ``undefined``)


def js_string(value: Any) -> str:
    """``${value}`` in JavaScript, for a value parsed from a JSON body."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if item is None else js_string(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def recording_token_role(room_id: str, secret: Any) -> tuple[str, dict[str, bool]]:
    """Role and recording permissions from the *archived* room metadata of ``room_id``."""
    from meet.errors import InsufficientPermissionsError

    archived = get_archived_room(room_id)
    access = ((archived.get("config") or {}).get("recording") or {}).get("allowAccessTo")
    if access in (None, RecordingAccess.ADMIN):
        raise InsufficientPermissionsError()
    snapshot = Room(
        room_id=room_id,
        room_name="",
        creation_date=0,
        moderator_url=str(archived.get("moderatorUrl", "")),
        speaker_url=str(archived.get("speakerUrl", "")),
    )
    role = snapshot.role_for_secret(secret) if isinstance(secret, str) else None
    if role is None:
        # The reference's message names room 'undefined' here (archived metadata has no id).
        raise InvalidRoomSecretError(js_string(secret), "undefined")
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


# --- Moderator actions (§5.4) -----------------------------------------------------------------


def end_meeting(room_id: str) -> None:
    get_room(room_id)
    if livekit.get_room(room_id) is not None:
        livekit.delete_room(room_id)


def kick_participant(room_id: str, identity: str) -> None:
    get_room(room_id)
    identities = [participant.identity for participant in livekit.list_participants(room_id)]
    if identity not in identities:
        raise ParticipantNotFoundError(identity, room_id)
    livekit.remove_participant(room_id, identity)


def change_participant_role(room_id: str, identity: str, new_role: str) -> None:
    room = get_room(room_id)
    participant = livekit.get_participant(room_id, identity)
    if participant is None:
        raise ParticipantNotFoundError(identity, room_id)
    metadata = json.loads(participant.metadata) if participant.metadata else None
    if not valid_participant_metadata(metadata):
        raise ValueError(f"participant '{identity}' has invalid metadata")
    roles = list(metadata["roles"])
    if new_role not in [item["role"] for item in roles]:
        roles.append({"role": new_role, "permissions": openvidu_permissions(new_role)})
    updated = {"livekitUrl": metadata["livekitUrl"], "roles": roles, "selectedRole": new_role}
    livekit.update_participant_metadata(
        room_id, identity, json.dumps(updated, separators=(",", ":"))
    )
    timestamp = int(time.time() * 1000)
    payload = {
        "roomId": room_id,
        "participantIdentity": identity,
        "newRole": new_role,
        "timestamp": timestamp,
    }
    livekit.send_data(
        room_id,
        {**payload, "secret": room.secret_for_role(new_role)},
        topic="meet_participant_role_updated",
        destination_identities=[identity],
    )
    others = [p.identity for p in livekit.list_participants(room_id) if p.identity != identity]
    livekit.send_data(
        room_id, payload, topic="meet_participant_role_updated", destination_identities=others
    )


def is_egress_participant(identity: str, recorder: bool) -> bool:
    return identity.startswith("EG_") and recorder
