"""Outgoing webhook events and delivery records."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


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
    last_status_code: int | None = None  # the receiver's HTTP status of the last attempt
    redelivery_of: str = ""  # the failed delivery this one redelivers (ours)


@dataclass(frozen=True, slots=True, kw_only=True)
class FailedDelivery:
    """A delivery that used up its attempts, kept (with its payload) so it can be redelivered.

    ``failed_at`` orders them; ``redelivered_to`` lists the deliveries that sent it again."""

    delivery: Delivery
    data: dict[str, Any]
    failed_at: int
    redelivered_to: tuple[str, ...] = ()


class SecretSource(StrEnum):
    STORED = "stored"  # set or generated through the API / console
    ENV = "env"  # MEET_WEBHOOK_SIGNING_SECRET
    API_KEY = "api-key"  # the reference's behaviour: the first API key signs
    NONE = "none"  # nothing to sign with: webhooks are not sent


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredSecret:
    secret: str
    created_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviousSecret:
    """What signed ``X-Signature`` before the last change, kept until ``until`` (epoch ms).

    ``secret`` is set only when it was a stored secret; an env or API-key predecessor is read
    again at send time (never copied into storage)."""

    source: SecretSource
    until: int
    secret: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningSecretDocument:
    """``webhooks/signing-secret.json``: the stored secret (if any) and the overlap state."""

    current: StoredSecret | None = None
    previous: PreviousSecret | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningKeys:
    """The secrets one delivery is signed with right now: ``signature`` for ``X-Signature``,
    ``next`` (during a rotation overlap) for ``X-Signature-Next``."""

    signature: str | None
    next: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningSecretStatus:
    """What ``GET /api/v1/webhooks/signing-secret`` shows: never the secret, except ``secret``
    once, in the answer to the request that generated it."""

    source: SecretSource
    created_at: int | None
    overlap_seconds: int
    rotating: bool
    previous_source: SecretSource | None = None
    overlap_ends_at: int | None = None
    secret: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RedeliveryOutcome:
    """``POST /api/v1/webhooks/deliveries/redeliver``: what matched ``since`` and what was sent
    again."""

    since: int
    dry_run: bool
    matched: int
    redelivered: int
    skipped: int  # already redelivered
    source_ids: tuple[str, ...] = ()  # the failed deliveries sent (a dry run: to be sent) again
    delivery_ids: tuple[str, ...] = ()  # the new deliveries, in the same order
    failed_ids: tuple[str, ...] = ()  # failed deliveries that could not be queued


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryDetail:
    """A delivery as the API shows it: with its failure record when it failed for good
    (``data`` is its payload, shown by the item route only)."""

    delivery: Delivery
    failed_at: int | None = None
    redelivered_to: tuple[str, ...] = ()
    data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryPage:
    items: list[DeliveryDetail]
    is_truncated: bool
    next_page_token: str | None
