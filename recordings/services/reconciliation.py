"""Recordings whose egress webhooks were lost (a server killed or cut off while LiveKit
reported), compared with LiveKit's egresses and with storage, and moved to the state those
webhooks would have left them in, with what those webhooks do (customer webhooks, data
message, the room's recording lock). ``meetings.reconciliation`` runs this room by room, under
a per-room lock, together with the meetings whose ``room_finished`` was lost.

For each stored recording still ``starting``/``active``/``ending``:

* LiveKit knows its egress: the egress's state, as ``egress_updated`` (still in progress, in
  another state) or ``egress_ended`` (finished: size, duration, end date, error) would have
  stored it;
* LiveKit does not know it (any more): ``complete`` when its MP4 is in storage (size from
  storage, duration read from the file), ``failed`` otherwise.

A recording egress of a stored room that has no metadata at all (its ``egress_started`` was
lost) is stored as ``egress_started`` and then its current state would have stored it.

Nothing LiveKit changed less than the grace period ago is touched: its webhook may still be on
its way, and the live path must win.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from meet import javascript, livekit
from meet.livekit_types import Egress, EgressStatus
from recordings.domain import (
    EgressEvent,
    Recording,
    RecordingId,
    RecordingStatus,
    is_recording_egress,
    recording_from_egress,
)
from recordings.media import media_duration_seconds
from recordings.repository import TOMBSTONE_SECONDS, RecordingRepository
from recordings.services import lifecycle, room_recordings
from rooms import services as rooms
from rooms.domain import Room

logger = logging.getLogger(__name__)

_recordings = RecordingRepository()

LOST_EGRESS_ERROR = "The egress is unknown to LiveKit and no media file was stored"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingRepair:
    """One recording moved (or, in a dry run, to be moved) to another state."""

    recording_id: str
    room_id: str
    before: str | None  # the stored status; None when nothing was stored
    after: str
    reason: str

    def line(self) -> str:
        return (
            f"recording {self.recording_id}: {self.before or 'not stored'} -> {self.after} "
            f"({self.reason})"
        )


@dataclass(frozen=True, slots=True)
class RecordingSnapshot:
    """What one run looks at, read once: LiveKit's recording egresses, the stored recordings
    that are not finished, and the egresses that have no stored recording."""

    egresses: dict[str, Egress]  # by egress id
    unfinished: dict[str, list[RecordingId]] = field(default_factory=dict)  # by room id
    unstored: dict[str, list[Egress]] = field(default_factory=dict)  # by room id

    @property
    def room_ids(self) -> set[str]:
        return set(self.unfinished) | set(self.unstored)


def take_snapshot() -> RecordingSnapshot:
    """One ListEgress (every room) and one pass over the stored recordings. Raises what LiveKit
    and storage raise: nothing can be judged without both."""
    egresses = {
        egress.egress_id: egress for egress in livekit.list_egress() if is_recording_egress(egress)
    }
    unfinished: dict[str, list[RecordingId]] = defaultdict(list)
    stored: set[str] = set()
    for recording in _recordings.iter_all():
        stored.add(recording.recording_id)
        if not recording.is_finished:
            try:
                unfinished[recording.room_id].append(recording.id)
            except ValueError:
                logger.warning("Skipping recording with an invalid id %r", recording.recording_id)
    unstored: dict[str, list[Egress]] = defaultdict(list)
    for egress in egresses.values():
        if recording_from_egress(egress, "").recording_id not in stored:
            unstored[egress.room_name].append(egress)
    return RecordingSnapshot(
        egresses=egresses, unfinished=dict(unfinished), unstored=dict(unstored)
    )


def reconcile_room_recordings(
    *, room_id: str, snapshot: RecordingSnapshot, now_ms: int, grace_ms: int, dry_run: bool
) -> list[RecordingRepair]:
    """Repair one room's recordings. The caller holds the room's reconciliation lock; every
    recording is read again here, so what another run (or a late webhook) already fixed is
    left alone."""
    room = rooms.find_room(room_id)
    repairs: list[RecordingRepair] = []
    for recording_id in snapshot.unfinished.get(room_id, []):
        stored = _recordings.get(recording_id)
        if stored is None or stored.is_finished:
            continue
        egress = snapshot.egresses.get(recording_id.egress_id)
        if egress is None:  # not in the full listing: ask for it by id before calling it lost
            found = livekit.list_egress(egress_id=recording_id.egress_id)
            egress = found[0] if found else None
        repair = _repair_stored(stored, egress, room, now_ms, grace_ms, dry_run)
        if repair is not None:
            repairs.append(repair)
    if room is not None:
        for egress in snapshot.unstored.get(room_id, []):
            repair = _store_unstored(egress, room, now_ms, grace_ms, dry_run)
            if repair is not None:
                repairs.append(repair)
    return repairs


def _changed_ms(egress: Egress) -> float:
    """When LiveKit last changed the egress (ms since the epoch)."""
    return (egress.updated_at or egress.ended_at or egress.started_at) * 1e-6


def _repair_stored(
    stored: Recording,
    egress: Egress | None,
    room: Room | None,
    now_ms: int,
    grace_ms: int,
    dry_run: bool,
) -> RecordingRepair | None:
    if egress is not None:
        if now_ms - _changed_ms(egress) < grace_ms:
            return None
        target = recording_from_egress(egress, stored.room_name)
        if target.recording_id != stored.recording_id:
            logger.warning(
                "Egress %s does not match recording %s", egress.egress_id, stored.recording_id
            )
            return None
        in_progress = egress.status in livekit.EGRESS_IN_PROGRESS
        if in_progress and target.status == stored.status:
            return _complete_started(stored, room, dry_run)
        event = EgressEvent.UPDATED if in_progress else EgressEvent.ENDED
        reason = f"LiveKit: EGRESS_{EgressStatus(egress.status).name}"
    else:
        if now_ms - stored.start_date < grace_ms:
            return None
        target, reason = _judged_by_storage(stored)
        event = EgressEvent.ENDED
    if not dry_run:
        lifecycle.apply_egress_event(event, target, room)
        logger.info(
            "Reconciled recording %s: %s -> %s (%s)",
            stored.recording_id,
            stored.status,
            target.status,
            reason,
        )
    return RecordingRepair(
        recording_id=stored.recording_id,
        room_id=stored.room_id,
        before=stored.status,
        after=target.status,
        reason=reason,
    )


def _judged_by_storage(stored: Recording) -> tuple[Recording, str]:
    """LiveKit no longer knows the egress: the stored MP4 says whether it was recorded."""
    media = _recordings.media_info(stored.id)
    if media is None or media.size == 0:
        target = dataclasses.replace(stored, status=RecordingStatus.FAILED, error=LOST_EGRESS_ERROR)
        return target, "egress unknown to LiveKit, no media in storage"
    duration = media_duration_seconds(stored.id, media.size)
    end_date = None
    if duration is not None and stored.start_date:
        end_date = javascript.number(stored.start_date + duration * 1000)
    target = dataclasses.replace(
        stored,
        status=RecordingStatus.COMPLETE,
        size=media.size,
        duration=javascript.number(duration) if duration is not None else None,
        end_date=end_date,
    )
    return target, "egress unknown to LiveKit, media in storage"


def _complete_started(
    stored: Recording, room: Room | None, dry_run: bool
) -> RecordingRepair | None:
    """A recording in the state LiveKit reports, whose ``egress_started`` handling was cut
    short before its share secrets were written: write them (and the archived room)."""
    if _recordings.get_secrets(stored.id) is not None or room is None:
        return None
    if not dry_run:
        room_recordings.archive_room(room)
        _recordings.save_secrets(stored.id, secrets.token_hex(5), secrets.token_hex(5))
    return RecordingRepair(
        recording_id=stored.recording_id,
        room_id=stored.room_id,
        before=stored.status,
        after=stored.status,
        reason="share secrets were missing",
    )


def _store_unstored(
    egress: Egress, room: Room, now_ms: int, grace_ms: int, dry_run: bool
) -> RecordingRepair | None:
    """A recording egress of a stored room with no stored recording: its ``egress_started``
    was lost. Egresses that ended longer ago than deleted recordings' tombstones last are left
    alone (they may belong to a recording deleted since)."""
    changed = now_ms - _changed_ms(egress)
    in_progress = egress.status in livekit.EGRESS_IN_PROGRESS
    if changed < grace_ms or (not in_progress and changed > TOMBSTONE_SECONDS * 1000):
        return None
    recording = recording_from_egress(egress, room.room_name)
    if _recordings.was_deleted(recording.id) or _recordings.get(recording.id) is not None:
        return None
    if not dry_run:
        lifecycle.apply_egress_event(EgressEvent.STARTED, recording, room)
        if recording.status != RecordingStatus.STARTING:
            event = EgressEvent.UPDATED if in_progress else EgressEvent.ENDED
            lifecycle.apply_egress_event(event, recording, room)
        logger.info(
            "Reconciled recording %s: stored as %s", recording.recording_id, recording.status
        )
    return RecordingRepair(
        recording_id=recording.recording_id,
        room_id=recording.room_id,
        before=None,
        after=recording.status,
        reason=f"LiveKit: EGRESS_{EgressStatus(egress.status).name}",
    )
