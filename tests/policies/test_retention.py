"""Recording retention: the hourly task and ``manage.py apply_retention [--dry-run]``."""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from recordings.services import retention
from recordings.tasks import apply_retention_task
from tests.policies.test_room_policy_api import config_with
from tests.recordings.helpers import store_recording, stored_objects
from tests.rooms.helpers import create_room

DAY_MS = 24 * 3600 * 1000


def ended_days_ago(days: float) -> dict[str, Any]:
    end = time.time() * 1000 - days * DAY_MS
    return {"startDate": end - 60_000, "endDate": end}


@pytest.fixture
def audit_events(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    original = retention.record_event

    def spy(action: str, **kwargs: Any) -> None:
        seen.append({"action": action, **kwargs})
        original(action, **kwargs)

    monkeypatch.setattr(retention, "record_event", spy)
    return seen


def run_command(*args: str) -> list[str]:
    out = StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue().splitlines()


def exists(recording: dict[str, Any]) -> bool:
    return stored_objects(recording)["metadata"]


def test_off_by_default_nothing_is_deleted(key_client: APIClient, store: Any) -> None:
    old = store_recording(**ended_days_ago(5000))
    assert run_command("--dry-run") == [
        "Retention is off (MEET_RECORDING_RETENTION_DAYS=0 and no room sets one)"
    ]
    assert apply_retention_task() == (
        "Retention is off (MEET_RECORDING_RETENTION_DAYS=0 and no room sets one)"
    )
    assert exists(old)


def test_global_retention_deletes_only_complete_recordings_past_it(
    key_client: APIClient, settings: Any, audit_events: list[dict[str, Any]]
) -> None:
    settings.MEET_RECORDING_RETENTION_DAYS = 30
    old = store_recording(**ended_days_ago(31))
    recent = store_recording(**ended_days_ago(29))
    failed = store_recording(status="failed", **ended_days_ago(40))
    active = store_recording(status="active", startDate=time.time() * 1000 - 90 * DAY_MS)

    lines = run_command("--dry-run")
    assert lines[-1] == (
        "2 of 4 recording(s) past retention: 1 would be deleted, 1 kept (dry run, nothing changed)"
    )
    [would_delete] = [line for line in lines if line.startswith("would delete")]
    assert would_delete.startswith(f"would delete {old['recordingId']}: complete, ended ")
    assert "retention 30 day(s) (global)" in would_delete
    assert would_delete.endswith("no share link handed out")
    [kept] = [line for line in lines if line.startswith("keep")]
    assert kept.startswith(f"keep {failed['recordingId']}: failed")
    assert kept.endswith("status failed: only complete recordings are deleted")
    assert all(exists(r) for r in (old, recent, failed, active))
    assert audit_events == []

    assert apply_retention_task() == "2 of 4 recording(s) past retention: 1 deleted, 1 kept"
    assert stored_objects(old) == {"metadata": False, "secrets": False, "media": False}
    assert all(exists(r) for r in (recent, failed, active))
    response = key_client.get(f"/api/v1/recordings/{old['recordingId']}")
    assert response.status_code == 404

    [event] = audit_events
    assert event["action"] == "recording.delete"
    assert (event["actor"].kind, event["actor"].name) == ("system", "retention")
    assert (event["target_type"], event["target_id"]) == ("recording", old["recordingId"])
    assert event["details"]["reason"] == "retention"
    assert event["details"]["retentionDays"] == 30
    assert event["details"]["retentionSource"] == "global"
    assert "shareLink" not in event["details"]


def test_the_rooms_retention_overrides_the_global_one(key_client: APIClient, settings: Any) -> None:
    settings.MEET_RECORDING_RETENTION_DAYS = 30
    short = create_room(key_client, roomName="Short", config=config_with(7))
    forever = create_room(key_client, roomName="Forever", config=config_with(0))
    plain = create_room(key_client, roomName="Plain")
    short_old = store_recording(short["roomId"], **ended_days_ago(8))
    short_new = store_recording(short["roomId"], **ended_days_ago(6))
    forever_old = store_recording(forever["roomId"], **ended_days_ago(400))
    plain_old = store_recording(plain["roomId"], **ended_days_ago(31))
    gone_room_old = store_recording("Deleted-room0000000000", **ended_days_ago(31))

    lines = run_command()
    assert lines[-1] == "3 of 5 recording(s) past retention: 3 deleted, 0 kept"
    assert any(
        line.startswith(f"delete {short_old['recordingId']}") and "7 day(s) (room)" in line
        for line in lines
    )
    assert not exists(short_old) and not exists(plain_old) and not exists(gone_room_old)
    assert exists(short_new) and exists(forever_old)


def test_a_room_retention_works_without_a_global_one(key_client: APIClient) -> None:
    room = create_room(key_client, config=config_with(1))
    old = store_recording(room["roomId"], **ended_days_ago(2))
    other = store_recording(**ended_days_ago(2000))
    assert run_command()[-1] == "1 of 2 recording(s) past retention: 1 deleted, 0 kept"
    assert not exists(old)
    assert exists(other)


def test_recordings_with_a_share_link_are_kept_and_said_so(
    key_client: APIClient, settings: Any, audit_events: list[dict[str, Any]]
) -> None:
    settings.MEET_RECORDING_RETENTION_DAYS = 10
    shared = store_recording(**ended_days_ago(11))
    unshared = store_recording(**ended_days_ago(11))
    response = key_client.get(f"/api/v1/recordings/{shared['recordingId']}/url")
    assert response.status_code == 200

    lines = run_command("--dry-run")
    [kept] = [line for line in lines if line.startswith("keep")]
    assert kept.startswith(f"keep {shared['recordingId']}: complete")
    assert "share link handed out 20" in kept
    assert kept.endswith("kept (MEET_RECORDING_RETENTION_SHARED=keep)")
    assert lines[-1].startswith("2 of 2 recording(s) past retention: 1 would be deleted, 1 kept")

    assert apply_retention_task() == "2 of 2 recording(s) past retention: 1 deleted, 1 kept"
    assert exists(shared) and not exists(unshared)
    assert [event["target_id"] for event in audit_events] == [unshared["recordingId"]]
    # The link still works: anyone with its public secret reads the recording.
    secret = response.json()["url"].split("secret=")[1]
    link = APIClient().get(f"/api/v1/recordings/{shared['recordingId']}?secret={secret}")
    assert link.status_code == 200


def test_shared_recordings_deleted_when_told_and_the_audit_event_says_so(
    key_client: APIClient, settings: Any, audit_events: list[dict[str, Any]]
) -> None:
    settings.MEET_RECORDING_RETENTION_DAYS = 10
    settings.MEET_RECORDING_RETENTION_SHARED = "delete"
    shared = store_recording(**ended_days_ago(11))
    url = key_client.get(f"/api/v1/recordings/{shared['recordingId']}/url?privateAccess=true")
    assert url.status_code == 200
    [line] = [line for line in run_command("--dry-run") if line.startswith("would delete")]
    assert "stops working (MEET_RECORDING_RETENTION_SHARED=delete)" in line

    run_command()
    assert not exists(shared)
    [event] = audit_events
    share = event["details"]["shareLink"]
    assert share["policy"] == "delete"
    assert share["sharedAt"] > time.time() * 1000 - 60_000
    assert share["note"] == "the recording's share link stopped working"
    # The share note went with the recording.
    from meet.redis_connection import redis

    assert not list(redis().scan_iter(match="ov_meet:recording_shared:*"))


def test_the_task_runs_once_per_tick(key_client: APIClient, settings: Any) -> None:
    settings.MEET_RECORDING_RETENTION_DAYS = 1
    store_recording(**ended_days_ago(2))
    assert apply_retention_task() == "1 of 1 recording(s) past retention: 1 deleted, 0 kept"
    assert apply_retention_task() is None  # another run holds this tick's lock


def test_the_maintenance_preview_is_capped(
    key_client: APIClient, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console import selectors

    settings.MEET_RECORDING_RETENTION_DAYS = 1
    for _ in range(3):
        store_recording(**ended_days_ago(2))
    monkeypatch.setattr(selectors, "RETENTION_PREVIEW_ITEMS", 2)
    preview = selectors._retention_preview()
    assert len(preview.items) == 3
    assert all(item.startswith("would delete ") for item in preview.items[:2])
    assert preview.items[2] == "… and 1 more (manage.py apply_retention)"
    assert preview.line.startswith("3 of 3 recording(s) past retention: 3 would be deleted")
