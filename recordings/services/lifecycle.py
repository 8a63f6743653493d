"""The recording lifecycle: start and stop under the per-room lock, egress-driven state, the
data messages to the meeting (behavior.md §3.1-3.7)."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from typing import Any

from django.conf import settings

from meet import livekit, locks, notifications, pubsub
from meet.livekit_types import WebhookEvent
from recordings.domain import (
    EgressEvent,
    Recording,
    RecordingId,
    RecordingStatus,
    is_recording_egress,
    parse_recording_id,
    recording_from_egress,
)
from recordings.errors import (
    RecordingAlreadyStoppedError,
    RecordingNotFoundError,
    RecordingStartingError,
    RecordingStartTimeoutError,
    RoomAlreadyRecordingError,
    RoomHasNoParticipantsError,
)
from recordings.repository import (
    ArchivedRoomRepository,
    RecordingRepository,
    egress_filepath,
    recording_from_json,
)
from recordings.serializers.public import recording_body
from recordings.services import room_recordings
from rooms import services as rooms
from rooms.domain import Room
from rooms.errors import RoomNotFoundError

logger = logging.getLogger(__name__)

_recordings = RecordingRepository()
_archived_rooms = ArchivedRoomRepository()
RECORDING_ACTIVE_EVENT = "recording_active"
NO_EGRESS_MESSAGE = (
    "No egress service was able to register a request. Check your CPU usage or if there's any "
    "Media Node with enough CPU. Remember that by default, composite recording uses 4 CPUs for "
    "each room."
)


def lock_resource(room_id: str) -> str:
    return f"recording_active_{room_id}"


# --- Data messages to the meeting (api-contract.md §10) ---------------------------------------

_TOPICS = {
    RecordingStatus.STARTING: ("recordingStarting", "STARTING"),
    RecordingStatus.ACTIVE: ("recordingStarted", "STARTED"),
    RecordingStatus.ENDING: ("recordingStopping", "STOPPING"),
    RecordingStatus.COMPLETE: ("recordingStopped", "READY"),
    RecordingStatus.LIMIT_REACHED: ("recordingStopped", "READY"),
}


def data_message_item(recording: Recording) -> dict[str, Any]:
    _topic, status = _TOPICS.get(RecordingStatus(recording.status), ("recordingFailed", "FAILED"))
    item: dict[str, Any] = {
        "id": recording.recording_id,
        "roomName": recording.room_id,
        "roomId": recording.room_id,
        "status": status,
    }
    for key, value in (
        ("filename", recording.filename),
        ("startedAt", recording.start_date),
        ("endedAt", recording.end_date),
        ("duration", recording.duration),
        ("size", recording.size),
        ("error", recording.error),
    ):
        if value is not None:
            item[key] = value
    return item


def _notify_meeting(recording: Recording) -> None:
    topic, _status = _TOPICS.get(RecordingStatus(recording.status), ("recordingFailed", "FAILED"))
    rooms.send_to_meeting(recording.room_id, topic, data_message_item(recording))


def room_status(room_id: str) -> dict[str, Any]:
    """The ``roomStatus`` message for a participant who joins."""
    page = _recordings.list(room_id_prefix=room_id, limit=50, page_token=None)
    items = [recording for recording in page.items if recording.room_id == room_id]
    return {
        "isRecordingStarted": any(r.status == RecordingStatus.ACTIVE for r in items),
        "recordingList": [data_message_item(r) for r in items],
    }


# --- The per-room lock ------------------------------------------------------------------------


def has_active_egress(room_id: str) -> bool:
    return any(
        info.status == livekit.EGRESS_ACTIVE
        for info in livekit.list_egress(room_name=room_id, active=True)
    )


def release_lock_if_no_active_egress(room_id: str) -> bool:
    """Free the room for the next recording unless an egress is ACTIVE. LiveKit unreachable:
    the lock is kept (the orphaned-lock collector frees it later)."""
    try:
        if has_active_egress(room_id):
            return False
    except (livekit.LiveKitUnavailableError, livekit.LiveKitRequestError) as error:
        logger.warning("Keeping the recording lock of %s: %s", room_id, error)
        return False
    return locks.release_resource(lock_resource(room_id))


# --- Start and stop ---------------------------------------------------------------------------


def start_recording(*, room_id: str) -> Recording:
    """behavior.md §3.2: one recording per room at a time; answers once the egress is ACTIVE,
    whichever server instance hears about it (Redis pub/sub), or fails after the timeout."""
    try:
        locks.acquire(lock_resource(room_id), ttl_seconds=settings.RECORDING_LOCK_SECONDS)
    except locks.LockNotAcquiredError:
        raise RoomAlreadyRecordingError(room_id) from None
    recording_id: str | None = None
    try:
        room = rooms.get_room(room_id)
        if livekit.get_room(room_id) is None:
            raise RoomNotFoundError(room_id)
        try:
            participants = livekit.list_participants(room_id)
        except livekit.LiveKitRequestError:
            participants = []
        if not participants:
            raise RoomHasNoParticipantsError(room_id)
        rooms.send_to_meeting(
            room_id,
            "recordingStarting",
            {"id": "", "roomName": room_id, "roomId": room_id, "status": "STARTING"},
        )
        deadline = time.monotonic() + settings.RECORDING_START_TIMEOUT_SECONDS
        with pubsub.subscribe(RECORDING_ACTIVE_EVENT) as subscription:
            uid = secrets.token_hex(5)
            try:
                info = livekit.start_room_composite_egress(
                    room_id,
                    egress_filepath(room_id, uid),
                    timeout=max(0.0, deadline - time.monotonic()),
                )
            except livekit.LiveKitTimeoutError:
                # The call itself outlived the start timeout (or LiveKit's): the timeout path
                # of a start whose egress never registered (behavior.md §3.3).
                _handle_start_timeout(room_id, None)
                raise RecordingStartTimeoutError(room_id) from None
            recording = recording_from_egress(info, room.room_name)
            recording_id = recording.recording_id
            if recording.status == RecordingStatus.ACTIVE:
                return recording
            payload = subscription.wait(
                lambda payload: payload.get("roomId") == room_id,
                timeout=max(0.0, deadline - time.monotonic()),
            )
        if payload is None:
            _handle_start_timeout(room_id, recording_id)
            raise RecordingStartTimeoutError(room_id)
        return recording_from_json(payload)
    finally:
        release_lock_if_no_active_egress(room_id)


def _handle_start_timeout(room_id: str, recording_id: str | None) -> None:
    """The egress did not become ACTIVE in time: mark it failed and stop it (best effort)."""
    if recording_id is None:
        rooms.send_to_meeting(
            room_id,
            "recordingFailed",
            {
                "id": "",
                "roomName": room_id,
                "roomId": room_id,
                "status": "FAILED",
                "error": NO_EGRESS_MESSAGE,
            },
        )
        return
    parsed = parse_recording_id(recording_id)
    if parsed is None:
        return
    stored = _recordings.get(parsed)
    if stored is not None:
        _recordings.save(dataclasses.replace(stored, status=RecordingStatus.FAILED))
    try:
        livekit.stop_egress(parsed.egress_id)
    except (livekit.LiveKitUnavailableError, livekit.LiveKitRequestError) as error:
        logger.warning("Could not stop timed-out egress %s: %s", parsed.egress_id, error)


def stop_recording(*, recording_id: RecordingId) -> Recording:
    """behavior.md §3.4. The lock is released by ``egress_ended``, not here."""
    room = rooms.get_room(recording_id.room_id)
    found = livekit.list_egress(room_name=recording_id.room_id, egress_id=recording_id.egress_id)
    if not found:
        raise RecordingNotFoundError(recording_id.egress_id)
    info = found[0]
    if info.status == livekit.EGRESS_ACTIVE:
        return recording_from_egress(livekit.stop_egress(recording_id.egress_id), room.room_name)
    if info.status == livekit.EgressStatus.STARTING:
        try:
            livekit.stop_egress(recording_id.egress_id)
        except livekit.LiveKitRequestError as error:
            logger.info("Stopping starting egress %s: %s", recording_id.egress_id, error)
        raise RecordingStartingError(str(recording_id))
    raise RecordingAlreadyStoppedError(str(recording_id))


# --- Egress webhooks (behavior.md §3.5) -------------------------------------------------------


def on_egress_event(event: WebhookEvent) -> None:
    info = event.egress_info
    if info is None or not is_recording_egress(info):
        return
    try:
        kind = EgressEvent(event.event)
    except ValueError:
        return
    room = rooms.find_room(info.room_name)
    if room is None:
        logger.warning(
            "%s for egress %s of unknown room %s", event.event, info.egress_id, info.room_name
        )
        return
    recording = recording_from_egress(info, room.room_name)
    if _recordings.was_deleted(recording.id):
        logger.info("%s for deleted recording %s ignored", event.event, recording.recording_id)
        return
    apply_egress_event(kind, recording, room)


def apply_egress_event(event: EgressEvent, recording: Recording, room: Room | None) -> None:
    """Store the state an egress event carries and do what that event does (behavior.md
    §3.5). The webhook handler and the reconciler (for webhooks that were lost) both come
    here, so a repaired recording causes the same customer webhooks as a live one. ``room``
    (archived at ``egress_started``) may be None for the other two events."""
    _recordings.save(recording)
    data = recording_body(recording)
    if event == EgressEvent.STARTED:
        if room is not None:
            room_recordings.archive_room(room)
        _recordings.save_secrets(recording.id, secrets.token_hex(5), secrets.token_hex(5))
        notifications.emit("recordingStarted", data)
    elif event == EgressEvent.UPDATED:
        # What others wait for first; LiveKit (the data message) last.
        if recording.status == RecordingStatus.ACTIVE:
            pubsub.publish(RECORDING_ACTIVE_EVENT, data)
        notifications.emit("recordingUpdated", data)
        _notify_meeting(recording)
    else:
        notifications.emit("recordingEnded", data)
        release_lock_if_no_active_egress(recording.room_id)
        _notify_meeting(recording)
