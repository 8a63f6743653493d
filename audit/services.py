"""Recording, listing and pruning audit events.

``record_event`` is the one entry point every app uses. It never raises: an action that
succeeded is not turned into an error because its audit record could not be written. Each event
is logged (logger ``meet.audit``) and, with ``MEET_AUDIT_LOG_ENABLED`` (default), written as one
object to the store (``audit.repository``): one PUT, on the routes that record only.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from audit.domain import Actor, AuditEvent, AuditQuery
from audit.repository import AuditRepository
from meet.clock import now_ms
from meet.pagination import Page

logger = logging.getLogger("meet.audit")

DAY_MS = 24 * 3600 * 1000
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_SCANNED = 2000  # keys one listing request looks at when filtering, at most
REDACTED_DEPTH = 6

# Detail keys that name a secret (compared lower-case, without ``_``/``-``): their values are
# dropped, at any depth. ``key`` alone is an API key's value in this project.
_SECRET_NAME = re.compile(
    r"secret|passw|passphrase|token|apikey|privatekey|signingkey|credential|authorization|"
    r"cookie|^key$|keymaterial|^jwt$"
)


def _is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name.lower().replace("_", "").replace("-", "")))


def scrub(details: Any, depth: int = 0) -> Any:
    """``details`` without the entries whose key looks like a secret (nested dicts and lists
    included); anything not JSON-like becomes its ``str``."""
    if depth > REDACTED_DEPTH:
        return None
    if isinstance(details, dict):
        return {
            str(name): scrub(value, depth + 1)
            for name, value in details.items()
            if not _is_secret_name(str(name))
        }
    if isinstance(details, list | tuple):
        return [scrub(value, depth + 1) for value in details]
    if details is None or isinstance(details, bool | int | float | str):
        return details
    return str(details)


def record_event(
    action: str,
    *,
    actor: Actor,
    target_type: str = "",
    target_id: str = "",
    details: dict[str, Any] | None = None,
    outcome: str = "success",
) -> AuditEvent | None:
    """Log the event and, when the audit log is enabled, store it. Never raises; returns the
    event stored (None when it was not stored)."""
    try:
        event = AuditEvent(
            id=uuid.uuid4().hex,
            timestamp=now_ms(),
            action=action,
            actor=actor,
            target_type=target_type,
            target_id=str(target_id),
            details=scrub(dict(details or {})),
            outcome=outcome,
        )
        logger.info(
            "audit %s %s by %s:%s from %s on %s:%s",
            event.action,
            event.outcome,
            event.actor.kind,
            event.actor.name,
            event.actor.ip,
            event.target_type,
            event.target_id,
        )
        if not settings.MEET_AUDIT_LOG_ENABLED:
            return None
        AuditRepository().save(event)
        return event
    except Exception as error:  # the action happened: never fail it for its record
        logger.warning("Could not store the audit event %s: %s", action, error)
        return None


def list_events(
    query: AuditQuery,
    *,
    max_items: int = DEFAULT_PAGE_SIZE,
    page_token: str | None = None,
    max_scanned: int = MAX_SCANNED,
) -> Page[AuditEvent]:
    """Matching events, newest first (storage errors propagate: a listing is a request)."""
    max_items = max(1, min(max_items, MAX_PAGE_SIZE))
    return AuditRepository().search(
        query, max_items=max_items, page_token=page_token, max_scanned=max_scanned
    )


@dataclass(frozen=True, slots=True)
class PruneSummary:
    cutoff: int | None  # epoch ms; events before it are old (None: retention is off)
    deleted: int

    def line(self, *, dry_run: bool) -> str:
        if self.cutoff is None:
            return "Audit retention is off (MEET_AUDIT_RETENTION_DAYS=0): nothing deleted"
        verb = "would delete" if dry_run else "deleted"
        return f"Audit log: {verb} {self.deleted} event(s) older than {self.cutoff} (epoch ms)"


def prune(*, days: int | None = None, dry_run: bool = False) -> PruneSummary:
    """Delete the events older than ``days`` (default ``MEET_AUDIT_RETENTION_DAYS``; 0 keeps
    every event)."""
    days = settings.MEET_AUDIT_RETENTION_DAYS if days is None else days
    if days <= 0:
        return PruneSummary(cutoff=None, deleted=0)
    cutoff = now_ms() - days * DAY_MS
    repository = AuditRepository()
    count = 0
    batch: list[str] = []
    for key in repository.old_keys(cutoff):
        count += 1
        if dry_run:
            continue
        batch.append(key)
        if len(batch) >= 500:
            repository.delete(batch)
            batch = []
    if batch:
        repository.delete(batch)
    return PruneSummary(cutoff=cutoff, deleted=count)
