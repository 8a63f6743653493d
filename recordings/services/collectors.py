"""The two recording collectors (behavior.md §4.3, §4.4), safe on many instances at once."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

from django.conf import settings

from meet import livekit, locks
from meet.clock import now_ms
from recordings.domain import RecordingStatus, is_recording_egress, recording_from_egress
from recordings.repository import RecordingRepository
from recordings.services.lifecycle import lock_resource

logger = logging.getLogger(__name__)

_recordings = RecordingRepository()
LOCK_PREFIX = "recording_active_"


@dataclass
class CollectorSummary:
    examined: int = 0
    acted: list[str] = field(default_factory=list)
    kept: int = 0
    errors: int = 0

    def line(self, *, verb: str, dry_run: bool) -> str:
        suffix = " (dry run, nothing changed)" if dry_run else ""
        return (
            f"{self.examined} examined, {len(self.acted)} {verb}, {self.kept} kept, "
            f"{self.errors} error(s){suffix}"
        )


def collect_orphaned_locks(*, dry_run: bool = False) -> CollectorSummary:
    """Release recording locks whose registry entry has no ``createdAt``, or whose room is gone
    from LiveKit, or has no publishers, or has publishers but no recording in progress. Locks
    younger than the grace period are kept; unreadable registry entries are skipped."""
    summary = CollectorSummary()
    now = now_ms()
    for info in locks.locks_with_prefix(LOCK_PREFIX):
        summary.examined += 1
        room_id = info.resource[len(LOCK_PREFIX) :]
        try:
            if _lock_still_needed(room_id, info, now):
                summary.kept += 1
                continue
            summary.acted.append(room_id)
            if not dry_run:
                locks.release_resource(lock_resource(room_id))
                logger.info("Released orphaned recording lock of room %s", room_id)
        except Exception:  # one room must not stop the collection
            summary.errors += 1
            logger.exception("Could not check the recording lock of room %s", room_id)
    return summary


def _lock_still_needed(room_id: str, info: locks.LockInfo, now: int) -> bool:
    if not info.created_at_ms:  # no age to judge by: an orphan (behavior.md §4.3 step 2.2)
        return False
    if now - info.created_at_ms < settings.RECORDING_LOCK_GRACE_SECONDS * 1000:
        return True
    room = livekit.get_room(room_id)
    if room is None or room.num_publishers == 0:
        return False
    return any(
        egress.status in livekit.EGRESS_IN_PROGRESS and is_recording_egress(egress)
        for egress in livekit.list_egress(room_name=room_id, active=True)
    )


def cleanup_stale_recordings(*, dry_run: bool = False) -> CollectorSummary:
    """Abort in-progress recordings that stopped reporting: no update for the threshold and no
    LiveKit room (or no publishers). The stored status becomes ``aborted``, the egress is
    stopped."""
    summary = CollectorSummary()
    threshold_ms = now_ms() - settings.STALE_RECORDING_AFTER_SECONDS * 1000
    try:
        egresses = livekit.list_egress()
    except (livekit.LiveKitUnavailableError, livekit.LiveKitRequestError) as error:
        # Nothing can be judged without LiveKit: this run ends, the next one tries again.
        logger.error("Could not list LiveKit's egresses: %s", error)
        summary.errors += 1
        return summary
    for info in egresses:
        if info.status not in livekit.EGRESS_IN_PROGRESS or not is_recording_egress(info):
            continue
        summary.examined += 1
        try:
            recording = recording_from_egress(info, "")
            stored = _recordings.get(recording.id)
            if stored is None:
                raise LookupError(f"no metadata for recording {recording.recording_id}")
            if stored.status == RecordingStatus.ABORTED:
                summary.acted.append(recording.recording_id)
                continue
            updated_ms = info.updated_at * 1e-6 if info.updated_at else None
            if updated_ms is None or updated_ms >= threshold_ms:
                summary.kept += 1
                continue
            room = livekit.get_room(info.room_name)
            if room is not None and room.num_publishers > 0:
                summary.kept += 1
                continue
            summary.acted.append(recording.recording_id)
            if not dry_run:
                _recordings.save(dataclasses.replace(stored, status=RecordingStatus.ABORTED))
                try:
                    livekit.stop_egress(info.egress_id)
                except livekit.LiveKitRequestError as error:
                    logger.warning("Could not stop stale egress %s: %s", info.egress_id, error)
                logger.info("Aborted stale recording %s", recording.recording_id)
        except Exception:  # one recording must not stop the collection
            summary.errors += 1
            logger.exception("Could not check egress %s", info.egress_id)
    return summary
