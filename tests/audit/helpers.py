"""Reading the audit log as stored: the objects under ``audit/`` in the (moto) bucket."""

from __future__ import annotations

from typing import Any

from audit.domain import Actor, ActorKind, AuditEvent
from audit.repository import AuditRepository
from meet.storage import get_object_store


def stored_events() -> list[dict[str, Any]]:
    """Every stored event's JSON, newest first (the listing's order)."""
    store = get_object_store()
    keys: list[str] = []
    token = None
    while True:
        page = store.list_keys("audit/", limit=1000, continuation_token=token)
        keys.extend(page.keys)
        if not page.is_truncated:
            break
        token = page.next_page_token
    return [store.get_json(key) for key in keys]


def actions() -> list[str]:
    return [event["action"] for event in stored_events()]


def only(action: str) -> dict[str, Any]:
    found = [event for event in stored_events() if event["action"] == action]
    assert len(found) == 1, (action, actions())
    return found[0]


def put_event(
    timestamp: int,
    action: str = "room.create",
    *,
    actor: str = "admin",
    kind: ActorKind = ActorKind.USER,
    target_type: str = "room",
    target_id: str = "",
    number: int = 0,
) -> AuditEvent:
    """An event at a chosen time, stored as record_event stores one."""
    event = AuditEvent(
        id=f"{timestamp:x}{number:04x}",
        timestamp=timestamp,
        action=action,
        actor=Actor(kind=kind, name=actor, ip="10.0.0.1"),
        target_type=target_type,
        target_id=target_id,
    )
    AuditRepository().save(event)
    return event


def clear_events() -> None:
    """Forget what the fixtures' own requests recorded (e.g. the admin's login)."""
    store = get_object_store()
    keys = store.list_keys("audit/", limit=1000).keys
    if keys:
        store.delete_many(keys)
