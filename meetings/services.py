"""A room's meetings and recordings together: the rules that need both apps.

Deleting a room (with its recordings, now or when its meeting ends), the expired-room collector,
a config change (the recordings' archived copy follows it) and what LiveKit's room and
participant events do (api-contract.md §4.5, behavior.md §4.2, §5.4-5.6). ``rooms`` and
``recordings`` know nothing of each other; this app calls both.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from meet import livekit, notifications
from meet.clock import now_ms
from meet.errors import InternalError, MeetError
from meet.http import background_base_url
from meet.livekit_types import WebhookEvent
from recordings.services import lifecycle as recording_lifecycle
from recordings.services import room_recordings
from rooms import participant_names
from rooms import services as rooms
from rooms.domain import MeetingEndAction, Room, RoomConfig, RoomStatus, WithMeeting, WithRecordings
from rooms.errors import RoomDeletionConflictError
from rooms.participants import is_egress_participant
from rooms.serializers.public import room_body

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeletionOutcome:
    room_id: str
    code: str
    message: str
    room: Room | None
    scheduled: bool


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
    with rooms.room_lock(room_id):
        room = rooms.get_room(room_id)
        has_recordings = room_recordings.has_recordings(room_id)
        _check_conflicts(room, has_recordings, with_meeting, with_recordings)
        return _apply_deletion(room, has_recordings, with_meeting, with_recordings)


def _schedule(room: Room, action: MeetingEndAction) -> Room:
    room = dataclasses.replace(room, meeting_end_action=action)
    rooms.save_room(room)
    return room


def _apply_deletion(
    room: Room, has_recordings: bool, with_meeting: str, with_recordings: str
) -> DeletionOutcome:
    force_meeting = with_meeting == WithMeeting.FORCE
    force_recordings = with_recordings == WithRecordings.FORCE
    if not room.has_active_meeting:
        if not has_recordings:
            rooms.forget_room(room.room_id)
            return _outcome("room_deleted", room, keep_room=False)
        if force_recordings:
            room_recordings.delete_room_recordings(room.room_id)
            rooms.forget_room(room.room_id)
            return _outcome("room_and_recordings_deleted", room, keep_room=False)
        room = dataclasses.replace(room, status=RoomStatus.CLOSED)
        rooms.save_room(room)
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
    for room in rooms.iter_all_rooms():
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


# --- Configuration ----------------------------------------------------------------------------


def update_room_config(*, room_id: str, config: RoomConfig) -> Room:
    """Save the config, refresh the recordings' archived copy if there is one, tell the
    meeting."""
    room = rooms.update_room_config(room_id=room_id, config=config)
    room_recordings.refresh_archived_room(room)
    rooms.announce_room_config(room)
    return room


# --- LiveKit room and participant events (behavior.md §5.4, §5.5) ------------------------------


def on_room_started(event: WebhookEvent) -> None:
    if event.room is None:  # room_* events carry their room
        return
    room_id = event.room.name
    with rooms.room_lock(room_id):
        room = rooms.find_room(room_id)
        if room is None:
            logger.info("room_started for unknown room %s", room_id)
            return
        room = dataclasses.replace(room, status=RoomStatus.ACTIVE_MEETING)
        rooms.save_room(room)
    notifications.emit("meetingStarted", room_body(room, background_base_url()))


def on_room_finished(event: WebhookEvent) -> None:
    """Apply the meeting end action, then ``meetingEnded``; names and lock are freed."""
    if event.room is None:
        return
    room_id = event.room.name
    try:
        if end_meeting(room_id) is None:
            logger.info("room_finished for unknown room %s", room_id)
    finally:
        free_meeting_resources(room_id)


def end_meeting(room_id: str, *, only_if_active: bool = False) -> Room | None:
    """What ``room_finished`` does to the stored room, under its lock: the meeting end action
    (delete the room and its recordings, close it, or reopen it), then ``meetingEnded`` with
    the room as it ended. None when there is no such room, or (``only_if_active``) when it is
    no longer ``active_meeting``. The reconciler uses it for a ``room_finished`` that was lost.
    """
    with rooms.room_lock(room_id):
        room = rooms.find_room(room_id)
        if room is None or (only_if_active and room.status != RoomStatus.ACTIVE_MEETING):
            return None
        if room.meeting_end_action == MeetingEndAction.DELETE:
            room_recordings.delete_room_recordings(room_id)
            rooms.forget_room(room_id)
            ended = room
        elif room.meeting_end_action == MeetingEndAction.CLOSE:
            ended = dataclasses.replace(
                room, status=RoomStatus.CLOSED, meeting_end_action=MeetingEndAction.NONE
            )
            rooms.save_room(ended)
        else:
            ended = dataclasses.replace(room, status=RoomStatus.OPEN)
            rooms.save_room(ended)
    notifications.emit("meetingEnded", room_body(ended, background_base_url()))
    return ended


def free_meeting_resources(room_id: str) -> None:
    """After a meeting: its participants' reserved names, and the recording lock unless an
    egress is still ACTIVE."""
    participant_names.release_all(room_id)
    recording_lifecycle.release_lock_if_no_active_egress(room_id)


def on_participant_joined(event: WebhookEvent) -> None:
    """A participant who joins gets the room's recording status (``roomStatus``)."""
    participant, room = event.participant, event.room
    if participant is None or room is None:  # participant_* events carry both
        return
    if is_egress_participant(participant.identity, participant.is_recorder):
        return
    rooms.send_to_meeting(
        room.name,
        "roomStatus",
        recording_lifecycle.room_status(room.name),
        destination_sids=[participant.sid],
    )


def on_participant_left(event: WebhookEvent) -> None:
    participant, room = event.participant, event.room
    if participant is None or room is None:  # participant_* events carry both
        return
    if is_egress_participant(participant.identity, participant.is_recorder):
        return
    participant_names.release(room.name, participant.name)
