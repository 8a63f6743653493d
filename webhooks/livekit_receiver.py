"""Incoming LiveKit webhooks: verification, de-duplication, ownership, dispatch.

behavior.md §5.1-5.3: raw ``application/webhook+json`` body; bare JWT in ``Authorization``
(HS256 with the LiveKit secret, ``iss`` = API key, ``sha256`` = base64 SHA-256 of the body, 10 s
leeway); one processing per event id across instances (5 s lock ``webhook_{event}_{id}``); only
events of rooms created by this deployment are handled.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from livekit.api import TokenVerifier, WebhookReceiver

from meet import livekit, locks
from meet.livekit_types import WebhookEvent, webhook_event_from_proto

logger = logging.getLogger(__name__)

DEDUPE_LOCK_SECONDS = 5
Handler = Callable[[WebhookEvent], None]


class InvalidLiveKitWebhookError(Exception):
    pass


def verify(body: str | None, authorization: str) -> WebhookEvent:
    """The verified event, as our dataclass (the protobuf goes no further than here)."""
    if body is None:
        raise InvalidLiveKitWebhookError("body is not application/webhook+json")
    if not authorization:
        raise InvalidLiveKitWebhookError("no Authorization header")
    receiver = WebhookReceiver(
        TokenVerifier(
            settings.LIVEKIT_API_KEY,
            settings.LIVEKIT_API_SECRET,
            leeway=datetime.timedelta(seconds=10),
        )
    )
    try:
        message = receiver.receive(body, authorization)
    except Exception as error:  # the SDK raises bare Exceptions for hash mismatches
        raise InvalidLiveKitWebhookError(str(error)) from error
    return webhook_event_from_proto(message)


def _created_by_us(metadata: str) -> bool | None:
    """True/False when the metadata says who created the room, None when it says nothing."""
    if not metadata:
        return None
    try:
        parsed = json.loads(metadata)
    except ValueError:
        return False
    if not isinstance(parsed, dict):
        return False
    return bool(parsed.get("createdBy") == settings.MEET_NAME_ID)


def belongs_to_meet(event: WebhookEvent, room_exists: Callable[[str], bool]) -> bool:
    """The reference's ownership rule (behavior.md §5.3): without metadata in the event, ours
    when LiveKit's room metadata says so *or* the room is in storage. Storage (a cached read) is
    asked first, so the events of our rooms never wait for a LiveKit round trip: the state an
    egress event carries is stored that much sooner (``ending`` right after a stop)."""
    if event.room is not None:
        name, metadata = event.room.name, event.room.metadata
        if metadata:
            return bool(_created_by_us(metadata)) and room_exists(name)
    elif event.egress_info is not None and event.egress_info.room_name:
        name = event.egress_info.room_name
    elif event.ingress_room_name:
        name = event.ingress_room_name
    else:
        return False
    if room_exists(name):
        return True
    try:
        live_room = livekit.get_room(name)
    except (livekit.LiveKitUnavailableError, livekit.LiveKitRequestError) as error:
        logger.warning("Could not read LiveKit room %s, deciding by storage: %s", name, error)
        return False
    return live_room is not None and bool(_created_by_us(live_room.metadata))


def receive(
    body: str | None,
    authorization: str,
    *,
    handlers: dict[str, Handler],
    room_exists: Callable[[str], bool],
) -> str:
    """Process one webhook; returns what happened (for logs and tests). Never raises for a bad
    webhook: LiveKit gets 200 whatever happens, as from the reference."""
    event = verify(body, authorization)
    handler = handlers.get(event.event)
    if handler is None:
        return "ignored"
    try:
        locks.acquire(f"webhook_{event.event}_{event.id}", ttl_seconds=DEDUPE_LOCK_SECONDS)
    except locks.LockNotAcquiredError:
        return "duplicate"
    if not belongs_to_meet(event, room_exists):
        return "foreign"
    handler(event)
    return "handled"


def describe(event: WebhookEvent) -> dict[str, Any]:
    return {"event": event.event, "id": event.id}
