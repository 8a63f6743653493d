"""Which service handles which LiveKit event.

The rooms and recordings services own the handlers; this table is where they are plugged in.
"""

from __future__ import annotations

from webhooks import livekit_events
from webhooks.livekit_events import Handler

# Filled by the rooms (room_started, room_finished, participant_joined/left) and recordings
# (egress_started/updated/ended) features.
EVENT_HANDLERS: dict[str, Handler] = {}


def room_exists(room_id: str) -> bool:
    from meet.storage import get_object_store, keys

    return get_object_store().exists(keys.room_key(room_id)) if room_id else False


def receive_livekit_webhook(body: str | None, authorization: str) -> str:
    return livekit_events.receive(
        body, authorization, handlers=EVENT_HANDLERS, room_exists=room_exists
    )
