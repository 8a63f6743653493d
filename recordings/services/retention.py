"""Recording retention (ours, docs/policies.md): complete recordings are deleted a number of
days after they ended.

The number of days is the room's ``config.recording.retentionDays`` if it has one (0 = keep
forever), else ``MEET_RECORDING_RETENTION_DAYS`` (0 = forever, the default: nothing is ever
deleted). A recording of a room that no longer exists follows the global setting.

Only ``complete`` recordings are deleted; failed, aborted and limit-reached ones past their
retention are reported, never deleted (an operator may want to look at them), and recordings in
progress have no end. A recording whose share URL was handed out (``recordings.services.sharing``)
is kept or deleted by ``MEET_RECORDING_RETENTION_SHARED``; either way the dry run says so, and a
deletion's audit event records that its link stopped working. Deletion goes through
``deletion.delete_recording`` (media, secrets, metadata, the archived room of a room's last
recording), one recording at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings

from audit.domain import Actor, ActorKind
from audit.services import record_event
from meet.clock import now_ms
from meet.errors import MeetError
from recordings.domain import Recording, RecordingStatus, parse_recording_id
from recordings.repository import RecordingRepository
from recordings.services.deletion import delete_recording
from rooms import services as rooms

logger = logging.getLogger(__name__)

ACTOR = Actor(kind=ActorKind.SYSTEM, name="retention")
DAY_MS = 24 * 3600 * 1000

_recordings = RecordingRepository()


def _iso(ms: float | None) -> str:
    if ms is None:
        return "unknown"
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionDecision:
    """A recording past its retention, and what retention does with it."""

    recording_id: str
    room_id: str
    status: str
    ended_at: float
    retention_days: int
    source: str  # "room" (its room's retentionDays) or "global"
    expired_at: float
    shared_at: int | None
    delete: bool
    reason: str

    def describe(self, *, dry_run: bool) -> str:
        verb = ("would delete" if dry_run else "delete") if self.delete else "keep"
        return (
            f"{verb} {self.recording_id}: {self.status}, ended {_iso(self.ended_at)}, "
            f"retention {self.retention_days} day(s) ({self.source}) expired "
            f"{_iso(self.expired_at)}; {self.reason}"
        )

    def audit_details(self) -> dict[str, object]:
        details: dict[str, object] = {
            "reason": "retention",
            "roomId": self.room_id,
            "endDate": self.ended_at,
            "retentionDays": self.retention_days,
            "retentionSource": self.source,
            "expiredAt": self.expired_at,
        }
        if self.shared_at is not None:
            details["shareLink"] = {
                "sharedAt": self.shared_at or None,
                "policy": settings.MEET_RECORDING_RETENTION_SHARED,
                "note": "the recording's share link stopped working",
            }
        return details


@dataclass(slots=True)
class RetentionSummary:
    examined: int = 0
    enabled: bool = True
    decisions: list[RetentionDecision] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def kept(self) -> list[RetentionDecision]:
        return [decision for decision in self.decisions if not decision.delete]

    def line(self, *, dry_run: bool) -> str:
        if not self.enabled:
            return "Retention is off (MEET_RECORDING_RETENTION_DAYS=0 and no room sets one)"
        due = [decision for decision in self.decisions if decision.delete]
        if dry_run:
            return (
                f"{len(self.decisions)} of {self.examined} recording(s) past retention: "
                f"{len(due)} would be deleted, {len(self.kept)} kept (dry run, nothing changed)"
            )
        text = (
            f"{len(self.decisions)} of {self.examined} recording(s) past retention: "
            f"{len(self.deleted)} deleted, {len(self.kept)} kept"
        )
        return text + (f", {len(self.failed)} failed" if self.failed else "")

    def lines(self, *, dry_run: bool) -> list[str]:
        lines = [decision.describe(dry_run=dry_run) for decision in self.decisions]
        lines += [f"failed {recording_id}: {message}" for recording_id, message in self.failed]
        return [*lines, self.line(dry_run=dry_run)]


class _RoomRetention:
    """Each room's retention, read once per run: (days, source) or None for "forever"."""

    def __init__(self) -> None:
        self._days: dict[str, int | None] = {}

    def room_days(self, room_id: str) -> int | None:
        if room_id not in self._days:
            room = rooms.find_room(room_id)
            self._days[room_id] = room.config.recording.retention_days if room else None
        return self._days[room_id]

    def of(self, room_id: str) -> tuple[int, str] | None:
        days = self.room_days(room_id)
        if days is not None:
            return (days, "room") if days > 0 else None
        default = settings.MEET_RECORDING_RETENTION_DAYS
        return (default, "global") if default > 0 else None


def _any_room_sets_retention() -> bool:
    return any((room.config.recording.retention_days or 0) > 0 for room in rooms.iter_all_rooms())


def _ended_at(recording: Recording) -> float | None:
    if recording.end_date:
        return float(recording.end_date)
    if recording.start_date and recording.duration:
        return float(recording.start_date) + float(recording.duration) * 1000
    return None


def _decide(recording: Recording, retention: _RoomRetention, now: int) -> RetentionDecision | None:
    rule = retention.of(recording.room_id)
    ended_at = _ended_at(recording)
    if rule is None or ended_at is None:
        return None
    days, source = rule
    expired_at = ended_at + days * DAY_MS
    if expired_at > now:
        return None
    recording_id = parse_recording_id(recording.recording_id)
    shared_at = _recordings.shared_at(recording_id) if recording_id else None
    if recording.status != RecordingStatus.COMPLETE:
        delete, reason = False, f"status {recording.status}: only complete recordings are deleted"
    elif recording_id is None:
        delete, reason = False, "malformed recording id"
    elif shared_at is not None and settings.MEET_RECORDING_RETENTION_SHARED == "keep":
        delete = False
        reason = (
            f"share link handed out {_iso(shared_at or None)}: kept "
            "(MEET_RECORDING_RETENTION_SHARED=keep)"
        )
    elif shared_at is not None:
        delete = True
        reason = (
            f"share link handed out {_iso(shared_at or None)} stops working "
            "(MEET_RECORDING_RETENTION_SHARED=delete)"
        )
    else:
        delete, reason = True, "no share link handed out"
    return RetentionDecision(
        recording_id=recording.recording_id,
        room_id=recording.room_id,
        status=str(recording.status),
        ended_at=ended_at,
        retention_days=days,
        source=source,
        expired_at=expired_at,
        shared_at=shared_at,
        delete=delete,
        reason=reason,
    )


def apply_retention(*, dry_run: bool = False, now: int | None = None) -> RetentionSummary:
    """Delete (or, ``dry_run``, only list) the recordings past their retention."""
    now = now_ms() if now is None else now
    summary = RetentionSummary()
    if settings.MEET_RECORDING_RETENTION_DAYS <= 0 and not _any_room_sets_retention():
        summary.enabled = False
        return summary
    retention = _RoomRetention()
    for recording in _recordings.iter_all():
        summary.examined += 1
        decision = _decide(recording, retention, now)
        if decision is not None:
            summary.decisions.append(decision)
    if dry_run:
        return summary
    for decision in summary.decisions:
        if decision.delete:
            _delete(decision, summary)
    return summary


def _delete(decision: RetentionDecision, summary: RetentionSummary) -> None:
    recording_id = parse_recording_id(decision.recording_id)
    assert recording_id is not None  # _decide never marks a malformed id for deletion
    details = decision.audit_details()
    try:
        delete_recording(recording_id)
    except MeetError as error:
        logger.warning("Retention: %s not deleted: %s", decision.recording_id, error.message)
        summary.failed.append((decision.recording_id, error.message))
        record_event(
            "recording.delete",
            actor=ACTOR,
            target_type="recording",
            target_id=decision.recording_id,
            details={**details, "error": error.message},
            outcome="failure",
        )
        return
    summary.deleted.append(decision.recording_id)
    logger.info("Retention: %s", decision.describe(dry_run=False))
    record_event(
        "recording.delete",
        actor=ACTOR,
        target_type="recording",
        target_id=decision.recording_id,
        details=details,
    )
