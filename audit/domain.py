"""The audit log's records: who did what, to what, when and from where.

Not in the reference. ``audit`` sits below every other app (just above ``meet``) so that
accounts, rooms, recordings, meetings, webhooks and the console can all record an event; it
therefore knows nothing of their types: the actor and the target are plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ActorKind(StrEnum):
    USER = "user"  # a console / internal-API user (``name`` is the username)
    API_KEY = "api_key"  # an API key (``name`` is the key's name; "" for the reference's key)
    PARTICIPANT = "participant"  # a meeting participant (``role`` is moderator / speaker)
    ANONYMOUS = "anonymous"  # e.g. a failed login: ``name`` is the username that was tried
    SYSTEM = "system"  # a beat task or a management command (``name`` says which)
    LIVEKIT = "livekit"  # a LiveKit webhook


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    kind: ActorKind
    name: str = ""
    role: str = ""
    ip: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """One state-changing action. ``action`` is dotted: ``room.create``, ``recording.delete``,
    ``auth.login_failed``... ``target_type``/``target_id`` name what it acted on."""

    action: str
    actor: Actor
    target_type: str = ""
    target_id: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    outcome: str = "success"  # "success" | "failure"
    # Set when the event is recorded (``audit.services.record_event``); empty/0 before.
    id: str = ""
    timestamp: int = 0  # epoch milliseconds


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditQuery:
    """What ``GET /api/v1/audit-log`` and ``manage.py audit_log`` filter on (all optional).

    ``action`` is a prefix (``room.`` matches every room action); ``since``/``until`` are
    inclusive epoch milliseconds; the other fields match exactly.
    """

    action: str = ""
    actor_kind: str = ""
    actor: str = ""
    target_type: str = ""
    target_id: str = ""
    since: int | None = None
    until: int | None = None

    @property
    def needs_body(self) -> bool:
        """Whether a filter reads the event itself (the key carries time and action only)."""
        return bool(self.actor_kind or self.actor or self.target_type or self.target_id)

    def matches(self, event: AuditEvent) -> bool:
        return (
            event.action.startswith(self.action)
            and (not self.actor_kind or event.actor.kind == self.actor_kind)
            and (not self.actor or event.actor.name == self.actor)
            and (not self.target_type or event.target_type == self.target_type)
            and (not self.target_id or event.target_id == self.target_id)
            and (self.since is None or event.timestamp >= self.since)
            and (self.until is None or event.timestamp <= self.until)
        )
