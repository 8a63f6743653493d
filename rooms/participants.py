"""Participant tokens, roles and moderator actions (api-contract.md §2.8, §5.3-5.5)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings

from accounts.errors import InvalidTokenError
from accounts.tokens import (
    ExpiredTokenError,
    issue_token,
    parse_metadata,
    token_room,
    valid_participant_metadata,
    verify_token,
)
from meet import livekit
from meet.clock import now_ms
from rooms import participant_names
from rooms.domain import ParticipantRole, Room, RoomStatus
from rooms.errors import (
    NoParticipantIdentityError,
    ParticipantNotFoundError,
    RoomClosedError,
)
from rooms.repository import config_to_json
from rooms.services import get_room, role_for_secret

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


def livekit_room_metadata(room: Room, *, meeting_ends_at: int | None = None) -> str:
    """The LiveKit room's metadata, as the reference writes it; ``meetingEndsAt`` (ours, epoch
    ms) only for a room with a duration limit."""
    options: dict[str, Any] = {"roomName": room.room_name}
    if room.auto_deletion_date is not None:
        options["autoDeletionDate"] = room.auto_deletion_date
    options["autoDeletionPolicy"] = {
        "withMeeting": room.auto_deletion_policy.with_meeting,
        "withRecordings": room.auto_deletion_policy.with_recordings,
    }
    options["config"] = config_to_json(room.config)
    metadata: dict[str, Any] = {"createdBy": settings.MEET_NAME_ID, "roomOptions": options}
    if meeting_ends_at is not None:
        metadata["meetingEndsAt"] = meeting_ends_at
    return json.dumps(metadata, separators=(",", ":"))


def ensure_livekit_room(room: Room) -> None:
    """The meeting starts when the first token with a name is issued (as the reference).
    A room's limits (docs/policies.md) go with the creation: ``maxParticipants`` as LiveKit's
    ``max_participants``, the end a ``maxDurationMinutes`` sets as ``meetingEndsAt``."""
    if livekit.get_room(room.room_id) is not None:
        return
    limits = room.config.limits
    max_participants = (limits.max_participants if limits else None) or 0
    duration = limits.max_duration_minutes if limits else None
    meeting_ends_at = now_ms() + duration * 60_000 if duration else None
    livekit.create_room(
        room.room_id,
        metadata=livekit_room_metadata(room, meeting_ends_at=meeting_ends_at),
        max_participants=max_participants,
    )


# --- Tokens -----------------------------------------------------------------------------------


def roles_of_previous_token(token: str | None, room_id: str) -> list[dict[str, Any]] | None:
    """Roles carried over from an earlier participant token of the same room.

    ``None`` when there is no token, or it does not verify (signature, issuer, ``exp`` present)
    or is not a participant token: the reference reads it without any verification, which lets
    a speaker forge a moderator role (docs/compatibility.md). A genuine token that has expired
    (the usual reason to refresh) or a valid token of another room carries no role (``[]``):
    the request still gets the role its room secret grants, never more."""
    if not token:
        return None
    try:
        claims = verify_token(token)
        expired = False
    except ExpiredTokenError as error:
        claims, expired = error.claims, True
    except InvalidTokenError:
        return None
    metadata = parse_metadata(claims)
    if not valid_participant_metadata(metadata):
        return None
    if expired or token_room(claims) != room_id:
        return []
    return list(metadata["roles"])


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
    previous_roles = roles_of_previous_token(previous_token, room.room_id) or []
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
    timestamp = now_ms()
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
