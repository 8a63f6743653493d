"""What the console's pages read across the apps: counts, filtered recording pages, and the
maintenance snapshot. Reads only; every change goes through the apps' services."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from meet import livekit, locks
from meet.errors import MeetError
from meet.pagination import Page
from meetings import services as meeting_services
from recordings import selectors as recording_selectors
from recordings.domain import Recording
from recordings.services import collectors, retention
from rooms import services as room_services
from rooms.domain import RoomStatus

# The overview counts by walking storage; past this many objects it says "at least".
COUNT_LIMIT = 5000
# The maintenance page lists at most this many recordings past their retention.
RETENTION_PREVIEW_ITEMS = 100


@dataclass(frozen=True, slots=True)
class Counts:
    rooms: int
    live_meetings: int
    recordings_by_status: dict[str, int]
    truncated: bool  # more objects exist than were counted

    @property
    def recordings(self) -> int:
        return sum(self.recordings_by_status.values())


def overview_counts(limit: int = COUNT_LIMIT) -> Counts:
    rooms = live = 0
    truncated = False
    for room in room_services.iter_all_rooms():
        if rooms >= limit:
            truncated = True
            break
        rooms += 1
        live += room.status == RoomStatus.ACTIVE_MEETING
    statuses: Counter[str] = Counter()
    token: str | None = None
    while True:
        page = recording_selectors.list_recordings(room_id_prefix="", limit=100, page_token=token)
        statuses.update(recording.status for recording in page.items)
        token = page.next_page_token if page.is_truncated else None
        if token is None:
            break
        if statuses.total() >= limit:
            truncated = True
            break
    return Counts(
        rooms=rooms,
        live_meetings=live,
        recordings_by_status=dict(sorted(statuses.items())),
        truncated=truncated,
    )


def recordings_page(
    *, room_id: str, status: str, limit: int, page_token: str | None
) -> Page[Recording]:
    """A page of one room's (or all) recordings, optionally of one status.

    Storage lists by key, not by status: with a status, pages are read until ``limit`` matches
    were found or storage ran out, and the next token continues after the last page read."""
    token = page_token
    found: list[Recording] = []
    while True:
        page = recording_selectors.list_recordings(
            room_id_prefix="", limit=limit, page_token=token, only_room=room_id or None
        )
        found.extend(item for item in page.items if not status or item.status == status)
        token = page.next_page_token if page.is_truncated else None
        if token is None or len(found) >= limit or not status:
            return Page(items=found, is_truncated=token is not None, next_page_token=token)


@dataclass(frozen=True, slots=True)
class LockRow:
    room_id: str
    age_seconds: float
    expires_in_seconds: float
    collectable: bool  # the orphaned-lock collector would release it now


@dataclass(frozen=True, slots=True)
class Preview:
    """What a collector would do now (its dry run), or why it could not tell."""

    items: list[str] = field(default_factory=list)
    line: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class Maintenance:
    locks: list[LockRow]
    orphaned_locks: Preview
    stale_recordings: Preview
    expired_rooms: Preview
    retention: Preview


def maintenance_snapshot() -> Maintenance:
    orphaned = _preview(lambda: collectors.collect_orphaned_locks(dry_run=True), verb="to release")
    now_ms = time.time() * 1000
    rows = [
        LockRow(
            room_id=info.resource[len(collectors.LOCK_PREFIX) :],
            age_seconds=max(0.0, (now_ms - info.created_at_ms) / 1000) if info.created_at_ms else 0,
            expires_in_seconds=max(0.0, (info.expiration_ms - now_ms) / 1000),
            collectable=info.resource[len(collectors.LOCK_PREFIX) :] in orphaned.items,
        )
        for info in locks.locks_with_prefix(collectors.LOCK_PREFIX)
    ]
    rows.sort(key=lambda row: row.age_seconds, reverse=True)
    return Maintenance(
        locks=rows,
        orphaned_locks=orphaned,
        stale_recordings=_preview(
            lambda: collectors.cleanup_stale_recordings(dry_run=True), verb="to abort"
        ),
        expired_rooms=_expired_rooms_preview(),
        retention=_retention_preview(),
    )


def _preview(run: Callable[[], collectors.CollectorSummary], *, verb: str) -> Preview:
    try:
        summary = run()
    except MeetError as error:
        return Preview(error=error.message)
    except livekit.LiveKitRequestError as error:
        return Preview(error=str(error))
    return Preview(items=list(summary.acted), line=summary.line(verb=verb, dry_run=True))


def _expired_rooms_preview() -> Preview:
    try:
        summary = meeting_services.delete_expired_rooms(dry_run=True)
    except MeetError as error:
        return Preview(error=error.message)
    return Preview(items=list(summary.expired), line=summary.line(dry_run=True))


def _retention_preview() -> Preview:
    try:
        summary = retention.apply_retention(dry_run=True)
    except MeetError as error:
        return Preview(error=error.message)
    shown = summary.decisions[:RETENTION_PREVIEW_ITEMS]
    items = [decision.describe(dry_run=True) for decision in shown]
    if len(summary.decisions) > len(shown):
        items.append(
            f"… and {len(summary.decisions) - len(shown)} more (manage.py apply_retention)"
        )
    return Preview(items=items, line=summary.line(dry_run=True))
