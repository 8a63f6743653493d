"""Room rules: creation, reads, configuration, status, secrets and the room lock (§4.1-4.8).

Deleting a room involves its recordings, so it is ``meetings.services``' job.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from meet import livekit, locks
from meet.clock import now_ms
from meet.pagination import Page
from rooms.domain import (
    AutoDeletionPolicy,
    MeetingEndAction,
    ParticipantRole,
    Room,
    RoomConfig,
    RoomStatus,
    new_room_id,
)
from rooms.errors import (
    InvalidRoomSecretError,
    RoomNotFoundError,
)
from rooms.repository import RoomRepository, config_to_json

logger = logging.getLogger(__name__)

_rooms = RoomRepository()
ROOM_LOCK_SECONDS = 15
ROOM_LOCK_WAIT_SECONDS = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomOptions:
    room_name: str
    auto_deletion_date: int | float | None = None
    auto_deletion_policy: AutoDeletionPolicy = dataclasses.field(default_factory=AutoDeletionPolicy)
    config: RoomConfig = dataclasses.field(default_factory=RoomConfig)


def room_lock(room_id: str) -> AbstractContextManager[locks.Lock]:
    """``with room_lock(room_id):`` serialises read-modify-write of one room document across
    processes; raises ``LockNotAcquiredError`` (503) rather than run without it."""
    return locks.held(
        f"room_{room_id}", ttl_seconds=ROOM_LOCK_SECONDS, wait_seconds=ROOM_LOCK_WAIT_SECONDS
    )


# --- Reads ------------------------------------------------------------------------------------


def get_room(room_id: str, *, cached: bool = False) -> Room:
    """The room, or 404. ``cached``: for answering a read only (never for read-modify-write):
    may come from the process's short-lived copy, which every change drops at once."""
    room = _rooms.get(room_id, cached=cached)
    if room is None:
        raise RoomNotFoundError(room_id)
    return room


def find_room(room_id: str) -> Room | None:
    return _rooms.get(room_id) if room_id else None


def room_exists(room_id: str) -> bool:
    return bool(room_id) and _rooms.exists(room_id)


def list_rooms(*, room_id_prefix: str, limit: int, page_token: str | None) -> Page[Room]:
    """A page for an answer (the API, the console): its keys may come from the listing cache,
    which every save and delete of a room leaves behind at once."""
    return _rooms.list(prefix=room_id_prefix, limit=limit, page_token=page_token, cached=True)


def iter_all_rooms(page_size: int = 100) -> Any:
    token: str | None = None
    while True:
        page = _rooms.list(prefix="", limit=page_size, page_token=token)
        yield from page.items
        if not page.is_truncated or not page.next_page_token:
            return
        token = page.next_page_token


# --- Creation and updates ---------------------------------------------------------------------


def create_room(*, options: RoomOptions) -> Room:
    room_id = new_room_id(options.room_name)
    while _rooms.exists(room_id):  # 36^15 ids: a clash is theoretical, but never overwrite
        room_id = new_room_id(options.room_name)
    room = Room(
        room_id=room_id,
        room_name=options.room_name,
        creation_date=now_ms(),
        auto_deletion_date=options.auto_deletion_date,
        auto_deletion_policy=options.auto_deletion_policy,
        config=options.config,
        moderator_url=f"/room/{room_id}?secret={secrets.token_hex(5)}",
        speaker_url=f"/room/{room_id}?secret={secrets.token_hex(5)}",
        status=RoomStatus.OPEN,
        meeting_end_action=MeetingEndAction.NONE,
    )
    _rooms.save(room)
    return room


def update_room_config(*, room_id: str, config: RoomConfig) -> Room:
    """Saves the new config; ``announce_room_config`` tells the meeting (the caller first
    refreshes what else depends on the config, e.g. the recordings' archived copy)."""
    with room_lock(room_id):
        room = dataclasses.replace(get_room(room_id), config=config)
        _rooms.save(room)
    return room


def announce_room_config(room: Room) -> None:
    send_to_meeting(
        room.room_id,
        "meet_room_config_updated",
        {"roomId": room.room_id, "config": config_to_json(room.config), "timestamp": now_ms()},
    )


def update_room_status(*, room_id: str, status: str) -> tuple[Room, bool]:
    """``closed`` during a meeting only schedules the close (True = scheduled, 202)."""
    with room_lock(room_id):
        room = get_room(room_id)
        if status == RoomStatus.CLOSED and room.has_active_meeting:
            room = dataclasses.replace(room, meeting_end_action=MeetingEndAction.CLOSE)
            _rooms.save(room)
            return room, True
        room = dataclasses.replace(
            room, status=RoomStatus(status), meeting_end_action=MeetingEndAction.NONE
        )
        _rooms.save(room)
        return room, False


def save_room(room: Room) -> None:
    _rooms.save(room)


def forget_room(room_id: str) -> None:
    """Delete the stored room (its deletion rules are ``meetings.services.delete_room``'s)."""
    _rooms.delete(room_id)


# --- Secrets and roles ------------------------------------------------------------------------


def role_for_secret(room: Room, secret: str) -> ParticipantRole:
    role = room.role_for_secret(secret)
    if role is None:
        raise InvalidRoomSecretError(secret, room.room_id)
    return role


# --- LiveKit data messages --------------------------------------------------------------------


def send_to_meeting(
    room_id: str,
    topic: str,
    payload: dict[str, Any],
    *,
    destination_identities: list[str] | None = None,
    destination_sids: list[str] | None = None,
) -> None:
    """A data message to the meeting, if there is one; failures are logged, not raised."""
    try:
        if livekit.get_room(room_id) is None:
            return
        livekit.send_data(
            room_id,
            payload,
            topic=topic,
            destination_identities=destination_identities,
            destination_sids=destination_sids,
        )
    except Exception:  # a data message is best effort, as in the reference
        logger.warning("Could not send %s to room %s", topic, room_id, exc_info=True)
