"""Incoming LiveKit webhooks: verification, de-duplication, ownership, dispatch.

behavior.md §5.1-5.3: raw ``application/webhook+json`` body; bare JWT in ``Authorization``
(HS256 with the LiveKit secret, ``iss`` = API key, ``sha256`` = base64 SHA-256 of the body, 10 s
leeway); one processing per event id across instances (5 s lock ``webhook_{event}_{id}``); only
events of rooms created by this deployment are handled.

Replays: the reference's 5 s lock is all that stops a request captured on the wire from being
sent again while its signature is valid (LiveKit signs for 5 min), e.g. an old
``egress_updated`` turning a complete recording back to ``active``. Here every accepted
signature is remembered until it expires (``ov_meet:once:livekit_webhook:{sha256}``), and a
request carrying one first seen more than 5 s ago is ignored (sooner, the event-id lock
decides). A genuine redelivery by LiveKit is signed afresh, so it still goes through the
event-id de-duplication as in the reference.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import jwt
from django.conf import settings
from livekit.api import TokenVerifier, WebhookReceiver

from meet import livekit, locks
from meet.livekit_types import WebhookEvent, webhook_event_from_proto

logger = logging.getLogger(__name__)

DEDUPE_LOCK_SECONDS = 5
SIGNATURE_LEEWAY_SECONDS = 10
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
            leeway=datetime.timedelta(seconds=SIGNATURE_LEEWAY_SECONDS),
        )
    )
    try:
        message = receiver.receive(body, authorization)
    except Exception as error:  # the SDK raises bare Exceptions for hash mismatches
        raise InvalidLiveKitWebhookError(str(error)) from error
    return webhook_event_from_proto(message)


def is_replay(authorization: str) -> bool:
    """True when this exact (verified) ``Authorization`` was accepted more than the 5 s
    de-duplication window ago: nothing but a replay presents it again then (a redelivery by
    LiveKit is signed afresh). Within the window the event-id lock decides, as in the
    reference. Signatures are remembered for as long as they could still verify."""
    try:
        expires = float(jwt.decode(authorization, options={"verify_signature": False})["exp"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        expires = time.time()
    remember = max(math.ceil(expires + SIGNATURE_LEEWAY_SECONDS - time.time()) + 1, 1)
    digest = hashlib.sha256(authorization.encode()).hexdigest()
    age = locks.mark_seen(f"livekit_webhook:{digest}", remember)
    return age is not None and age >= DEDUPE_LOCK_SECONDS


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
    if is_replay(authorization):
        return "replay"
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
