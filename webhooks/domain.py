"""Outgoing webhook events and delivery records."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class WebhookEvent(StrEnum):
    MEETING_STARTED = "meetingStarted"
    MEETING_ENDED = "meetingEnded"
    RECORDING_STARTED = "recordingStarted"
    RECORDING_UPDATED = "recordingUpdated"
    RECORDING_ENDED = "recordingEnded"
    TEST = "testEvent"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    FAILED = "failed"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """One POST: ``ok`` for any 2xx; ``reason`` in the reference's words otherwise."""

    ok: bool
    status_code: int | None
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    id: str
    event: WebhookEvent
    url: str
    status: DeliveryStatus
    attempts: int
    creation_date: int
    updated_at: int
    last_result: str = ""
