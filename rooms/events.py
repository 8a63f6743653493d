"""What rooms do when LiveKit reports on a meeting (behavior.md §5.4, §5.5)."""

from __future__ import annotations

import dataclasses
import logging

from meet import notifications
from meet.http import background_base_url
from meet.livekit_types import WebhookEvent
from rooms import participant_names, recordings_port
from rooms.domain import MeetingEndAction, RoomStatus
from rooms.participants import is_egress_participant
from rooms.repository import RoomRepository
from rooms.serializers import room_body
from rooms.services import room_lock, send_to_meeting

logger = logging.getLogger(__name__)

_rooms = RoomRepository()


def on_room_started(event: WebhookEvent) -> None:
    room_id = event.room.name
    with room_lock(room_id):
        room = _rooms.get(room_id)
        if room is None:
            logger.info("room_started for unknown room %s", room_id)
            return
        room = dataclasses.replace(room, status=RoomStatus.ACTIVE_MEETING)
        _rooms.save(room)
    notifications.emit("meetingStarted", room_body(room, background_base_url()))


def on_room_finished(event: WebhookEvent) -> None:
    """Apply the meeting end action, then ``meetingEnded``; names and lock are freed."""
    room_id = event.room.name
    try:
        with room_lock(room_id):
            room = _rooms.get(room_id)
            if room is None:
                logger.info("room_finished for unknown room %s", room_id)
                return
            if room.meeting_end_action == MeetingEndAction.DELETE:
                recordings_port.delete_room_recordings(room_id)
                _rooms.delete(room_id)
                ended = room
            elif room.meeting_end_action == MeetingEndAction.CLOSE:
                ended = dataclasses.replace(
                    room, status=RoomStatus.CLOSED, meeting_end_action=MeetingEndAction.NONE
                )
                _rooms.save(ended)
            else:
                ended = dataclasses.replace(room, status=RoomStatus.OPEN)
                _rooms.save(ended)
        notifications.emit("meetingEnded", room_body(ended, background_base_url()))
    finally:
        participant_names.release_all(room_id)
        recordings_port.release_recording_lock(room_id)


def on_participant_joined(event: WebhookEvent) -> None:
    participant = event.participant
    if is_egress_participant(participant.identity, participant.is_recorder):
        return
    room_id = event.room.name
    send_to_meeting(
        room_id,
        "roomStatus",
        recordings_port.room_status(room_id),
        destination_sids=[participant.sid],
    )


def on_participant_left(event: WebhookEvent) -> None:
    participant = event.participant
    if is_egress_participant(participant.identity, participant.is_recorder):
        return
    participant_names.release(event.room.name, participant.name)
