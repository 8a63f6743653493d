"""Which service handles which LiveKit event.

The meetings and recordings services own the handlers; this table is where they are plugged in.
"""

from __future__ import annotations

from meetings import services as meeting_services
from recordings.services import lifecycle as recording_lifecycle
from rooms.services import room_exists
from webhooks import livekit_receiver
from webhooks.livekit_receiver import Handler

EVENT_HANDLERS: dict[str, Handler] = {
    "room_started": meeting_services.on_room_started,
    "room_finished": meeting_services.on_room_finished,
    "participant_joined": meeting_services.on_participant_joined,
    "participant_left": meeting_services.on_participant_left,
    "egress_started": recording_lifecycle.on_egress_event,
    "egress_updated": recording_lifecycle.on_egress_event,
    "egress_ended": recording_lifecycle.on_egress_event,
}


def receive_livekit_webhook(body: str | None, authorization: str) -> str:
    return livekit_receiver.receive(
        body, authorization, handlers=EVENT_HANDLERS, room_exists=room_exists
    )
