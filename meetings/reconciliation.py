"""Reconciliation: repair what lost LiveKit webhooks left behind (a server killed, restarted or
cut off while LiveKit reported), as those webhooks would have.

* Recordings still ``starting``/``active``/``ending`` in storage are compared with LiveKit's
  egresses and with storage (``recordings.services.reconciliation``).
* Rooms still ``active_meeting`` whose LiveKit room is gone get what ``room_finished`` does:
  their meeting end action, ``meetingEnded``, names and recording lock freed.

The same services as the live path do the work, so the same customer webhooks go out. The
reference has nothing of the kind (its collectors cannot see these states).

Safe on several instances at once: the scheduled task runs under its ``scheduled_task_*`` lock,
and each room is repaired under the lock ``reconcile_{roomId}`` (a room another run holds is
skipped) after reading its documents again. Anything LiveKit changed less than the grace
period ago is left to its webhook: recordings by the egress's own timestamps; for a room that
is gone, whose LiveKit room carries no end time, the run waits until the grace period has
passed since it first saw it gone, then looks again.

This sits in ``meetings`` (the app above rooms and recordings) as a module of its own: it is a
collector over both apps, and ``services.py`` keeps the request paths.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from meet import livekit, locks
from meet.clock import now_ms
from meet.errors import ServiceUnavailableError
from meetings import services
from recordings.services import reconciliation as recordings
from recordings.services.reconciliation import RecordingRepair
from rooms import services as rooms
from rooms.domain import MeetingEndAction, Room, RoomStatus

logger = logging.getLogger(__name__)

# LiveKit's ListRooms is asked about this many room names at a time.
_ROOM_BATCH = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingRepair:
    """A meeting ended (or, in a dry run, to be ended) because its LiveKit room is gone."""

    room_id: str
    after: str  # the room's status once ended, or "deleted"

    def line(self) -> str:
        return f"meeting {self.room_id}: active_meeting -> {self.after} (LiveKit room gone)"


@dataclass(kw_only=True)
class ReconciliationSummary:
    recordings: list[RecordingRepair] = field(default_factory=list)
    meetings: list[MeetingRepair] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # rooms another run was repairing
    errors: int = 0
    seconds: float = 0.0

    def line(self, *, dry_run: bool) -> str:
        suffix = " (dry run, nothing changed)" if dry_run else ""
        return (
            f"{len(self.recordings)} recording(s) repaired, {len(self.meetings)} meeting(s) "
            f"ended, {len(self.busy)} room(s) busy, {self.errors} error(s) in "
            f"{self.seconds:.2f} s{suffix}"
        )

    def lines(self, *, dry_run: bool) -> list[str]:
        details = [repair.line() for repair in self.recordings]
        details += [repair.line() for repair in self.meetings]
        return [*details, self.line(dry_run=dry_run)]


def reconcile(
    *, dry_run: bool = False, grace_seconds: float | None = None
) -> ReconciliationSummary:
    """One run over every stored recording and room. A dependency that cannot be read at the
    start (LiveKit, storage, Redis) ends the run, logged and counted as an error; a room that
    fails is logged and counted, and the others go on."""
    started = time.monotonic()
    grace = settings.RECONCILE_GRACE_SECONDS if grace_seconds is None else grace_seconds
    summary = ReconciliationSummary()
    try:
        snapshot = recordings.take_snapshot()
        gone = _meetings_without_livekit_room()
    except (ServiceUnavailableError, livekit.LiveKitRequestError) as error:
        logger.error("Reconciliation not run: %s", error)
        summary.errors += 1
        summary.seconds = time.monotonic() - started
        return summary
    first_seen_gone = time.monotonic()

    def repair_recordings(room_id: str) -> None:
        summary.recordings.extend(
            recordings.reconcile_room_recordings(
                room_id=room_id,
                snapshot=snapshot,
                now_ms=now_ms(),
                grace_ms=int(grace * 1000),
                dry_run=dry_run,
            )
        )

    for room_id in sorted(snapshot.room_ids):
        _in_room(room_id, summary, repair_recordings)

    if gone and not dry_run:
        time.sleep(max(0.0, first_seen_gone + grace - time.monotonic()))
        try:
            still_gone = set(gone) - {room.name for room in _livekit_rooms(list(gone))}
        except (ServiceUnavailableError, livekit.LiveKitRequestError) as error:
            logger.error("Reconciliation: meetings not ended: %s", error)
            summary.errors += 1
            still_gone = set()
        gone = {room_id: room for room_id, room in gone.items() if room_id in still_gone}

    def end_meeting(room_id: str) -> None:
        if dry_run:
            summary.meetings.append(MeetingRepair(room_id=room_id, after=_after_end(gone[room_id])))
            return
        ended = services.end_meeting(room_id, only_if_active=True)
        if ended is None:  # ended meanwhile (its room_finished arrived after all)
            return
        services.free_meeting_resources(room_id)
        after = "deleted" if ended.meeting_end_action == MeetingEndAction.DELETE else ended.status
        summary.meetings.append(MeetingRepair(room_id=room_id, after=after))
        logger.info("Reconciled meeting of room %s: active_meeting -> %s", room_id, after)

    for room_id in sorted(gone):
        _in_room(room_id, summary, end_meeting)
    summary.seconds = time.monotonic() - started
    return summary


def _in_room(room_id: str, summary: ReconciliationSummary, work: Callable[[str], None]) -> None:
    """``work(room_id)`` under the room's reconciliation lock; a room another run holds is
    skipped, a failure is logged and counted."""
    try:
        with locks.held(f"reconcile_{room_id}", ttl_seconds=settings.RECONCILE_ROOM_LOCK_SECONDS):
            work(room_id)
    except locks.LockNotAcquiredError:
        summary.busy.append(room_id)
    except Exception:  # one room must not stop the run
        summary.errors += 1
        logger.exception("Could not reconcile room %s", room_id)


def _meetings_without_livekit_room() -> dict[str, Room]:
    """Stored rooms in ``active_meeting`` whose LiveKit room does not exist."""
    active = {room.room_id: room for room in rooms.iter_all_rooms() if room.has_active_meeting}
    live = {room.name for room in _livekit_rooms(list(active))}
    return {room_id: room for room_id, room in active.items() if room_id not in live}


def _livekit_rooms(names: list[str]) -> list[livekit.LiveKitRoom]:
    found: list[livekit.LiveKitRoom] = []
    for start in range(0, len(names), _ROOM_BATCH):
        found += livekit.list_rooms(names[start : start + _ROOM_BATCH])
    return found


def _after_end(room: Room) -> str:
    """The status ``end_meeting`` would leave (for a dry run)."""
    if room.meeting_end_action == MeetingEndAction.DELETE:
        return "deleted"
    if room.meeting_end_action == MeetingEndAction.CLOSE:
        return RoomStatus.CLOSED
    return RoomStatus.OPEN
