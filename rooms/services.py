"""Room rules: creation, reads, configuration, status and the deletion policies (§4.1-4.8)."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from meet import livekit, locks
from meet.api.pagination import Page
from meet.errors import InternalError, MeetError
from meet.storage import get_object_store, keys
from rooms import recordings_port
from rooms.domain import (
    AutoDeletionPolicy,
    MeetingEndAction,
    ParticipantRole,
    Room,
    RoomConfig,
    RoomStatus,
    WithMeeting,
    WithRecordings,
    new_room_id,
)
from rooms.errors import (
    ArchivedRoomNotFoundError,
    InvalidRoomSecretError,
    RoomDeletionConflictError,
    RoomNotFoundError,
)
from rooms.repository import RoomRepository, config_to_json

logger = logging.getLogger(__name__)

_rooms = RoomRepository()
ROOM_LOCK_SECONDS = 15


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomOptions:
    room_name: str
    auto_deletion_date: int | float | None = None
    auto_deletion_policy: AutoDeletionPolicy = dataclasses.field(default_factory=AutoDeletionPolicy)
    config: RoomConfig = dataclasses.field(default_factory=RoomConfig)


@dataclass(frozen=True, slots=True)
class DeletionOutcome:
    room_id: str
    code: str
    message: str
    room: Room | None
    scheduled: bool


class room_lock:  # noqa: N801 - used as ``with room_lock(room_id):``
    """Serialise read-modify-write of one room document across processes."""

    def __init__(self, room_id: str) -> None:
        self.room_id = room_id

    def __enter__(self) -> None:
        self.lock = locks.acquire_blocking(
            f"room_{self.room_id}", ROOM_LOCK_SECONDS, wait_seconds=10
        )

    def __exit__(self, *exc_info: object) -> None:
        if self.lock is not None:
            locks.release(self.lock)


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
    return _rooms.list(prefix=room_id_prefix, limit=limit, page_token=page_token)


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
    with room_lock(room_id):
        room = dataclasses.replace(get_room(room_id), config=config)
        _rooms.save(room)
    refresh_archived_room(room)
    send_to_meeting(
        room_id,
        "meet_room_config_updated",
        {"roomId": room_id, "config": config_to_json(config), "timestamp": now_ms()},
    )
    return room


def update_room_status(*, room_id: str, status: str) -> tuple[Room, bool]:
    """``closed`` during a meeting only schedules the close (True = scheduled, 202)."""
    with room_lock(room_id):
        room = get_room(room_id)
        if status == RoomStatus.CLOSED and room.has_active_meeting:
            room = dataclasses.replace(room, meeting_end_action=MeetingEndAction.CLOSE)
            _rooms.save(room)
            return room, True
        room = dataclasses.replace(room, status=status, meeting_end_action=MeetingEndAction.NONE)
        _rooms.save(room)
        return room, False


def save_room(room: Room) -> None:
    _rooms.save(room)


# --- Secrets and roles ------------------------------------------------------------------------


def role_for_secret(room: Room, secret: str) -> ParticipantRole:
    role = room.role_for_secret(secret)
    if role is None:
        raise InvalidRoomSecretError(secret, room.room_id)
    return role


# --- Archived room metadata (outlives the room; read by recording tokens) ---------------------


def archived_room_json(room: Room) -> dict[str, Any]:
    recording: dict[str, Any] = {"enabled": room.config.recording.enabled}
    if room.config.recording.allow_access_to is not None:
        recording["allowAccessTo"] = room.config.recording.allow_access_to
    return {
        "moderatorUrl": room.moderator_url,
        "speakerUrl": room.speaker_url,
        "config": {"recording": recording},
    }


def archive_room(room: Room) -> None:
    """Snapshot the room's URLs and recording access (written at every ``egress_started``)."""
    get_object_store().put_json(keys.archived_room_key(room.room_id), archived_room_json(room))


def refresh_archived_room(room: Room) -> None:
    """After a config change, only if a snapshot already exists (as the reference)."""
    if get_object_store().exists(keys.archived_room_key(room.room_id)):
        archive_room(room)


def get_archived_room(room_id: str) -> dict[str, Any]:
    raw = get_object_store().get_json(keys.archived_room_key(room_id))
    if not isinstance(raw, dict):
        raise ArchivedRoomNotFoundError(room_id)
    return raw


def delete_archived_room(room_id: str) -> None:
    get_object_store().delete(keys.archived_room_key(room_id))


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


# --- Deletion (api-contract.md §4.5, behavior.md §5.6) -----------------------------------------

_CONFLICTS = {
    "room_with_recordings_has_active_meeting": (
        "Room '{id}' with recordings cannot be deleted because it has an active meeting."
    ),
    "room_has_active_meeting": "Room '{id}' cannot be deleted because it has an active meeting.",
    "room_with_active_meeting_has_recordings_cannot_schedule_deletion": (
        "Room '{id}' with active meeting cannot be scheduled to be deleted because it has "
        "recordings."
    ),
    "room_with_active_meeting_has_recordings": (
        "Room '{id}' with active meeting cannot be deleted because it has recordings."
    ),
    "room_has_recordings": "Room '{id}' cannot be deleted because it has recordings.",
}

_OUTCOMES = {
    "room_deleted": "Room '{id}' deleted successfully",
    "room_with_active_meeting_deleted": "Room '{id}' with active meeting deleted successfully",
    "room_with_active_meeting_scheduled_to_be_deleted": (
        "Room '{id}' with active meeting scheduled to be deleted when the meeting ends"
    ),
    "room_and_recordings_deleted": "Room '{id}' and its recordings deleted successfully",
    "room_closed": "Room '{id}' has been closed instead of deleted because it has recordings",
    "room_with_active_meeting_and_recordings_deleted": (
        "Room '{id}' with active meeting and its recordings deleted successfully"
    ),
    "room_with_active_meeting_closed": (
        "Room '{id}' with active meeting has been closed instead of deleted because it has "
        "recordings"
    ),
    "room_with_active_meeting_and_recordings_scheduled_to_be_deleted": (
        "Room '{id}' with active meeting and its recordings scheduled to be deleted when the "
        "meeting ends"
    ),
    "room_with_active_meeting_scheduled_to_be_closed": (
        "Room '{id}' with active meeting scheduled to be closed when the meeting ends because it "
        "has recordings"
    ),
}


def _conflict(code: str, room_id: str) -> RoomDeletionConflictError:
    return RoomDeletionConflictError(code, _CONFLICTS[code].format(id=room_id))


def _outcome(code: str, room: Room, *, keep_room: bool, scheduled: bool = False) -> DeletionOutcome:
    return DeletionOutcome(
        room_id=room.room_id,
        code=code,
        message=_OUTCOMES[code].format(id=room.room_id),
        room=room if keep_room else None,
        scheduled=scheduled,
    )


def _check_conflicts(
    room: Room, has_recordings: bool, with_meeting: str, with_recordings: str
) -> None:
    has_meeting = room.has_active_meeting
    if has_meeting and with_meeting == WithMeeting.FAIL:
        code = (
            "room_with_recordings_has_active_meeting"
            if has_recordings
            else "room_has_active_meeting"
        )
        raise _conflict(code, room.room_id)
    if has_recordings and with_recordings == WithRecordings.FAIL:
        if not has_meeting:
            raise _conflict("room_has_recordings", room.room_id)
        if with_meeting == WithMeeting.WHEN_MEETING_ENDS:
            raise _conflict(
                "room_with_active_meeting_has_recordings_cannot_schedule_deletion", room.room_id
            )
        raise _conflict("room_with_active_meeting_has_recordings", room.room_id)


def delete_room(*, room_id: str, with_meeting: str, with_recordings: str) -> DeletionOutcome:
    with room_lock(room_id):
        room = get_room(room_id)
        has_recordings = recordings_port.has_recordings(room_id)
        _check_conflicts(room, has_recordings, with_meeting, with_recordings)
        return _apply_deletion(room, has_recordings, with_meeting, with_recordings)


def _schedule(room: Room, action: str) -> Room:
    room = dataclasses.replace(room, meeting_end_action=action)
    _rooms.save(room)
    return room


def _apply_deletion(
    room: Room, has_recordings: bool, with_meeting: str, with_recordings: str
) -> DeletionOutcome:
    force_meeting = with_meeting == WithMeeting.FORCE
    force_recordings = with_recordings == WithRecordings.FORCE
    if not room.has_active_meeting:
        if not has_recordings:
            _rooms.delete(room.room_id)
            return _outcome("room_deleted", room, keep_room=False)
        if force_recordings:
            recordings_port.delete_room_recordings(room.room_id)
            _rooms.delete(room.room_id)
            return _outcome("room_and_recordings_deleted", room, keep_room=False)
        room = dataclasses.replace(room, status=RoomStatus.CLOSED)
        _rooms.save(room)
        return _outcome("room_closed", room, keep_room=True)
    # A live meeting: the action is saved first, then LiveKit is asked to end the meeting; the
    # room_finished webhook carries it out.
    if not has_recordings:
        room = _schedule(room, MeetingEndAction.DELETE)
        if force_meeting:
            livekit.delete_room(room.room_id)
            return _outcome("room_with_active_meeting_deleted", room, keep_room=False)
        return _outcome(
            "room_with_active_meeting_scheduled_to_be_deleted", room, keep_room=True, scheduled=True
        )
    action = MeetingEndAction.DELETE if force_recordings else MeetingEndAction.CLOSE
    room = _schedule(room, action)
    if force_meeting:
        livekit.delete_room(room.room_id)
        if force_recordings:
            return _outcome(
                "room_with_active_meeting_and_recordings_deleted", room, keep_room=False
            )
        return _outcome("room_with_active_meeting_closed", room, keep_room=True)
    if force_recordings:
        return _outcome(
            "room_with_active_meeting_and_recordings_scheduled_to_be_deleted",
            room,
            keep_room=True,
            scheduled=True,
        )
    return _outcome(
        "room_with_active_meeting_scheduled_to_be_closed", room, keep_room=True, scheduled=True
    )


@dataclass(frozen=True, slots=True)
class BulkDeletionResult:
    successful: list[DeletionOutcome]
    failed: list[tuple[str, MeetError]]


_BULK_BATCH = 10
_BULK_POOL = ThreadPoolExecutor(max_workers=_BULK_BATCH, thread_name_prefix="room-delete")


def delete_rooms(
    *, room_ids: list[str], with_meeting: str, with_recordings: str
) -> BulkDeletionResult:
    """Each room as ``delete_room``, ten at a time; results in request order."""

    def attempt(room_id: str) -> DeletionOutcome | MeetError:
        try:
            return delete_room(
                room_id=room_id, with_meeting=with_meeting, with_recordings=with_recordings
            )
        except MeetError as error:
            return error
        except Exception:  # one room's failure must not stop the others
            logger.exception("Unexpected error while deleting room %s", room_id)
            return InternalError(f"deleting room '{room_id}'")

    successful: list[DeletionOutcome] = []
    failed: list[tuple[str, MeetError]] = []
    for start in range(0, len(room_ids), _BULK_BATCH):
        batch = room_ids[start : start + _BULK_BATCH]
        for room_id, result in zip(batch, _BULK_POOL.map(attempt, batch), strict=True):
            if isinstance(result, MeetError):
                failed.append((room_id, result))
            else:
                successful.append(result)
    return BulkDeletionResult(successful=successful, failed=failed)


# --- Expired-room garbage collection (behavior.md §4.2) ---------------------------------------


@dataclass(frozen=True, slots=True)
class ExpiredRoomsSummary:
    examined: int
    expired: list[str]
    outcomes: dict[str, str]  # room id -> success code, or the error name

    def line(self, *, dry_run: bool) -> str:
        if dry_run:
            return (
                f"{len(self.expired)} of {self.examined} room(s) expired (dry run, nothing changed)"
            )
        counts: dict[str, int] = {}
        for outcome in self.outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        detail = ", ".join(f"{code}: {count}" for code, count in sorted(counts.items()))
        return f"{len(self.expired)} of {self.examined} room(s) expired" + (
            f" ({detail})" if detail else ""
        )


def delete_expired_rooms(*, dry_run: bool = False) -> ExpiredRoomsSummary:
    """Rooms whose ``autoDeletionDate`` has passed, deleted with their own policy."""
    now = now_ms()
    examined = 0
    expired: list[Room] = []
    for room in iter_all_rooms():
        examined += 1
        if room.auto_deletion_date and room.auto_deletion_date < now:
            expired.append(room)
    outcomes: dict[str, str] = {}
    if not dry_run:
        for room in expired:
            try:
                outcome = delete_room(
                    room_id=room.room_id,
                    with_meeting=room.auto_deletion_policy.with_meeting,
                    with_recordings=room.auto_deletion_policy.with_recordings,
                )
                outcomes[room.room_id] = outcome.code
            except MeetError as error:
                logger.warning("Expired room %s not deleted: %s", room.room_id, error.message)
                outcomes[room.room_id] = error.error
            except Exception:  # one room must not stop the collection
                logger.exception("Expired room %s not deleted", room.room_id)
                outcomes[room.room_id] = "Internal Server Error"
    return ExpiredRoomsSummary(
        examined=examined, expired=[r.room_id for r in expired], outcomes=outcomes
    )
