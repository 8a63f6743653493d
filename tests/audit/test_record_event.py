"""record_event: one object per event at a newest-first key, no secrets, never raises."""

from __future__ import annotations

import re
from typing import Any

import pytest

from audit import services
from audit.domain import Actor, ActorKind, AuditQuery
from audit.repository import AuditRepository, parse_key
from meet.redis_connection import redis
from meet.storage import StorageUnavailableError, get_object_store
from tests.audit.helpers import put_event, stored_events

ACTOR = Actor(kind=ActorKind.API_KEY, name="ci", ip="192.0.2.7")


def test_an_event_is_one_json_object_at_an_inverted_time_key(store: Any) -> None:
    event = services.record_event(
        "room.delete",
        actor=ACTOR,
        target_type="room",
        target_id="Room-1",
        details={"withMeeting": "force"},
    )
    assert event is not None
    page = store.list_keys("audit/")
    [key] = page.keys
    assert re.fullmatch(r"openvidu-meet/audit/\d{13}-room\.delete-[0-9a-f]{32}\.json", key)
    assert parse_key(key) == (event.timestamp, "room.delete")
    assert store.get_json(key) == {
        "id": event.id,
        "timestamp": event.timestamp,
        "action": "room.delete",
        "actor": {"kind": "api_key", "name": "ci", "role": "", "ip": "192.0.2.7"},
        "targetType": "room",
        "targetId": "Room-1",
        "details": {"withMeeting": "force"},
        "outcome": "success",
    }


def test_keys_list_newest_first(store: Any) -> None:
    for timestamp in (1_700_000_000_000, 1_800_000_000_000, 1_750_000_000_000):
        put_event(timestamp)
    assert [event["timestamp"] for event in stored_events()] == [
        1_800_000_000_000,
        1_750_000_000_000,
        1_700_000_000_000,
    ]


def test_secret_looking_details_are_dropped_at_any_depth() -> None:
    services.record_event(
        "config.webhooks_update",
        actor=ACTOR,
        details={
            "url": "https://hooks.example.com",
            "secret": "s1",
            "password": "p",
            "newPassword": "p2",
            "accessToken": "t",
            "refresh_token": "t2",
            "apiKey": "ovmeet-0123",
            "key": "ovmeet-4567",
            "signingKey": "k",
            "private_key": "pem",
            "Authorization": "Bearer x",
            "nested": {"clientSecret": "c", "keep": 1, "list": [{"token": "z", "ok": True}]},
            "keyName": "ci",
            "roomIds": ["a", "b"],
        },
    )
    [stored] = stored_events()
    assert stored["details"] == {
        "url": "https://hooks.example.com",
        "nested": {"keep": 1, "list": [{"ok": True}]},
        "keyName": "ci",
        "roomIds": ["a", "b"],
    }


def test_disabled_audit_log_only_logs(
    settings: Any, store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.MEET_AUDIT_LOG_ENABLED = False
    with caplog.at_level("INFO", logger="meet.audit"):
        assert services.record_event("room.create", actor=ACTOR, target_id="R") is None
    assert store.list_keys("audit/").keys == []
    assert any("room.create" in record.getMessage() for record in caplog.records)


def test_a_failing_store_logs_a_warning_and_never_raises(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(self: Any, event: Any) -> None:
        raise StorageUnavailableError("bucket down")

    monkeypatch.setattr(AuditRepository, "save", fail)
    with caplog.at_level("WARNING", logger="meet.audit"):
        assert services.record_event("room.create", actor=ACTOR) is None
    assert any("Could not store the audit event" in r.getMessage() for r in caplog.records)


def test_an_unreachable_store_never_raises(settings: Any) -> None:
    settings.MEET_S3_SERVICE_ENDPOINT = "http://127.0.0.1:9"  # nothing listens there
    get_object_store.cache_clear()
    assert services.record_event("room.create", actor=ACTOR) is None


def test_events_survive_a_redis_flush(store: Any) -> None:
    services.record_event("room.create", actor=ACTOR, target_type="room", target_id="R1")
    redis().flushdb()
    page = services.list_events(AuditQuery())
    assert [event.target_id for event in page.items] == ["R1"]
