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
