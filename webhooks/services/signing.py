"""Which secret signs outgoing webhooks, and rotating it with an overlap (ours).

The effective secret is, first match wins: the stored one (``webhooks/signing-secret.json``, set
through the API or console) > ``MEET_WEBHOOK_SIGNING_SECRET`` > the first API key (the
reference's behaviour, unchanged while nothing is configured).

Every change (set, rotate, clear) keeps what signed ``X-Signature`` until then for
``MEET_WEBHOOK_SIGNING_OVERLAP_SECONDS``: meanwhile ``X-Signature`` is still signed with it, so
receivers that were not changed keep verifying, and ``X-Signature-Next`` is signed with the new
secret. After the overlap only the new secret signs ``X-Signature``. A change during an overlap
keeps the secret that signs ``X-Signature`` (never switched abruptly) and restarts the overlap;
the intermediate secret is dropped. An env or API-key predecessor is read again at send time,
never copied into storage.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings

from accounts import services as accounts_services
from audit.domain import Actor
from audit.services import record_event
from meet import locks
from meet.clock import now_ms
from webhooks.domain import (
    PreviousSecret,
    SecretSource,
    SigningKeys,
    SigningSecretDocument,
    SigningSecretStatus,
    StoredSecret,
)
from webhooks.repository import SigningSecretRepository

MIN_LENGTH = 32
MAX_LENGTH = 256
_PRINTABLE = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII: no spaces, no control characters
GENERATED_PREFIX = "whsec_"

_secrets = SigningSecretRepository()


def secret_problems(secret: str) -> list[str]:
    """Why ``secret`` cannot sign webhooks (empty when it can)."""
    problems = []
    if not MIN_LENGTH <= len(secret) <= MAX_LENGTH:
        problems.append(f"Secret must be {MIN_LENGTH} to {MAX_LENGTH} characters long")
    if secret and not _PRINTABLE.match(secret):
        problems.append("Secret must be visible ASCII characters without spaces")
    return problems


def _api_key() -> str | None:
    api_keys = accounts_services.list_api_keys()
    return api_keys[0].key if api_keys else None


def _resolve(source: SecretSource, stored: str = "") -> str | None:
    if source is SecretSource.STORED:
        return stored or None
    if source is SecretSource.ENV:
        return settings.MEET_WEBHOOK_SIGNING_SECRET or None
    if source is SecretSource.API_KEY:
        return _api_key()
    return None


def _current(document: SigningSecretDocument) -> tuple[SecretSource, str | None]:
    if document.current is not None:
        return SecretSource.STORED, document.current.secret
    if settings.MEET_WEBHOOK_SIGNING_SECRET:
        return SecretSource.ENV, settings.MEET_WEBHOOK_SIGNING_SECRET
    key = _api_key()
    return (SecretSource.API_KEY, key) if key else (SecretSource.NONE, None)


def _in_overlap(document: SigningSecretDocument, now: int) -> bool:
    return document.previous is not None and now < document.previous.until


def signing_keys() -> SigningKeys:
    """The secrets a delivery is signed with now (read on every delivery)."""
    document = _secrets.get()
    _source, secret = _current(document)
    previous = document.previous
    if previous is not None and _in_overlap(document, now_ms()):
        old = _resolve(previous.source, previous.secret)
        if old is not None and old != secret:
            return SigningKeys(signature=old, next=secret)
    return SigningKeys(signature=secret)


def _status(document: SigningSecretDocument, *, secret: str | None = None) -> SigningSecretStatus:
    source, _secret = _current(document)
    rotating = _in_overlap(document, now_ms())
    previous = document.previous if rotating else None
    return SigningSecretStatus(
        source=source,
        created_at=document.current.created_at if document.current else None,
        overlap_seconds=settings.MEET_WEBHOOK_SIGNING_OVERLAP_SECONDS,
        rotating=rotating,
        previous_source=previous.source if previous else None,
        overlap_ends_at=previous.until if previous else None,
        secret=secret,
    )


def signing_secret_status() -> SigningSecretStatus:
    return _status(_secrets.get())


def _signing_now(document: SigningSecretDocument, now: int) -> PreviousSecret | None:
    """What signs ``X-Signature`` at ``now``, as the predecessor of a change (until unset)."""
    previous = document.previous
    if (
        previous is not None
        and _in_overlap(document, now)
        and _resolve(previous.source, previous.secret) is not None
    ):
        return previous
    source, _secret = _current(document)
    if source is SecretSource.NONE:
        return None
    stored = document.current.secret if document.current else ""
    return PreviousSecret(source=source, secret=stored, until=0)


def _change(current: StoredSecret | None) -> SigningSecretDocument:
    with locks.held("webhook_signing_secret", ttl_seconds=10, wait_seconds=10):
        document = _secrets.get()
        now = now_ms()
        predecessor = _signing_now(document, now)
        overlap_ms = settings.MEET_WEBHOOK_SIGNING_OVERLAP_SECONDS * 1000
        document = SigningSecretDocument(current=current)
        _source, new_secret = _current(document)
        if (
            predecessor is not None
            and overlap_ms > 0
            and _resolve(predecessor.source, predecessor.secret) != new_secret
        ):
            previous = PreviousSecret(
                source=predecessor.source, secret=predecessor.secret, until=now + overlap_ms
            )
            document = SigningSecretDocument(current=current, previous=previous)
        _secrets.save(document)
    return document


def set_signing_secret(*, secret: str, actor: Actor) -> SigningSecretStatus:
    """Store ``secret`` (already validated) as the signing secret; the predecessor overlaps."""
    document = _change(StoredSecret(secret=secret, created_at=now_ms()))
    status = _status(document)
    record_event(
        "webhook.signing_secret.set",
        actor=actor,
        target_type="webhook_signing_secret",
        details={"overlapEndsAt": status.overlap_ends_at},
    )
    return status


def rotate_signing_secret(*, actor: Actor) -> SigningSecretStatus:
    """Generate a new stored secret; the answer carries it, the only time it is shown."""
    secret = GENERATED_PREFIX + secrets.token_urlsafe(32)
    document = _change(StoredSecret(secret=secret, created_at=now_ms()))
    status = _status(document, secret=secret)
    record_event(
        "webhook.signing_secret.rotate",
        actor=actor,
        target_type="webhook_signing_secret",
        details={"overlapEndsAt": status.overlap_ends_at},
    )
    return status


def clear_signing_secret(*, actor: Actor) -> SigningSecretStatus:
    """Forget the stored secret: ``MEET_WEBHOOK_SIGNING_SECRET`` or the API key signs again
    (after the overlap, during which the cleared secret still signs ``X-Signature``)."""
    document = _change(None)
    status = _status(document)
    record_event(
        "webhook.signing_secret.clear",
        actor=actor,
        target_type="webhook_signing_secret",
        details={"source": str(status.source), "overlapEndsAt": status.overlap_ends_at},
    )
    return status
