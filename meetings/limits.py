"""Room limits that act on a live meeting: the maximum duration (docs/policies.md; not in the
reference). A module of its own beside ``services`` and ``reconciliation``: it is a collector
with a summary, like the reconciler, not a rule of the room's lifecycle.

``maxParticipants`` needs nothing here: LiveKit enforces it (``rooms.participants`` passes it in
CreateRoom).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from audit.domain import Actor, ActorKind
from audit.services import record_event
from meet import livekit
from meet.clock import now_ms
from meet.errors import MeetError
from rooms import participants
from rooms import services as rooms

logger = logging.getLogger(__name__)

ACTOR = Actor(kind=ActorKind.SYSTEM, name="duration-limit")


@dataclass(slots=True)
class DurationLimitSummary:
    live: int = 0
    limited: int = 0
    ended: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def line(self, *, dry_run: bool = False) -> str:
        if dry_run:
            return (
                f"{len(self.ended)} meeting(s) past their duration limit ({self.limited} of "
                f"{self.live} live meeting(s) have one) (dry run, nothing changed)"
            )
        text = (
            f"{len(self.ended)} meeting(s) ended at their duration limit "
            f"({self.limited} of {self.live} live meeting(s) have one)"
        )
        return text + (f", {len(self.failed)} failed" if self.failed else "")


def enforce_duration_limits(
    *, dry_run: bool = False, now: int | None = None
) -> DurationLimitSummary:
    """End every live meeting that has lasted its room's ``maxDurationMinutes``, as a
    moderator's "end meeting" does (``rooms.participants.end_meeting``: LiveKit closes the
    room, its ``room_finished`` applies the meeting end action and sends ``meetingEnded``).
    A meeting starts when LiveKit creates its room. One ListRooms call, then the live rooms'
    stored documents only. ``dry_run``: ``ended`` lists the meetings it would end."""
    now = now_ms() if now is None else now
    summary = DurationLimitSummary()
    for live in livekit.list_all_rooms():
        summary.live += 1
        room = rooms.find_room(live.name)
        limits = room.config.limits if room else None
        minutes = limits.max_duration_minutes if limits else None
        if room is None or not minutes or not live.creation_time_ms:
            continue
        summary.limited += 1
        deadline = live.creation_time_ms + minutes * 60_000
        if now < deadline:
            continue
        if dry_run:
            summary.ended.append(room.room_id)
            continue
        details = {
            "reason": "maxDurationMinutes",
            "maxDurationMinutes": minutes,
            "startedAt": live.creation_time_ms,
            "limitReachedAt": deadline,
        }
        try:
            participants.end_meeting(room.room_id)
        except (MeetError, livekit.LiveKitRequestError) as error:
            message = error.message
            logger.warning("Meeting in room %s not ended: %s", room.room_id, message)
            summary.failed.append(room.room_id)
            record_event(
                "meeting.end",
                actor=ACTOR,
                target_type="room",
                target_id=room.room_id,
                details={**details, "error": message},
                outcome="failure",
            )
            continue
        logger.info("Meeting in room %s ended: %d min limit reached", room.room_id, minutes)
        summary.ended.append(room.room_id)
        record_event(
            "meeting.end", actor=ACTOR, target_type="room", target_id=room.room_id, details=details
        )
    return summary
