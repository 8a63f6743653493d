from __future__ import annotations

import time
from io import StringIO
from typing import Any

from django.core.management import call_command
from rest_framework.test import APIClient

from meet.redis_connection import redis
from meetings import tasks
from tests.rooms.helpers import create_room
from tests.rooms.test_api_room_deletion import with_meeting, with_recording


def expire(store: Any, room_id: str) -> None:
    key = f"rooms/{room_id}/{room_id}.json"
    store.put_json(key, {**store.get_json(key), "autoDeletionDate": int(time.time() * 1000) - 1000})
    redis().delete(f"ov_meet:room:{room_id}")


def future_date() -> int:
    return int(time.time() * 1000) + 7200 * 1000


def test_gc_deletes_expired_rooms_and_respects_their_policies(
    key_client: APIClient, store: Any
) -> None:
    plain = create_room(key_client, autoDeletionDate=future_date())
    recorded = create_room(key_client, autoDeletionDate=future_date())
    live = create_room(key_client, autoDeletionDate=future_date())
    kept = create_room(key_client, autoDeletionDate=future_date())
    undated = create_room(key_client)
    for room in (plain, recorded, live):
        expire(store, room["roomId"])
    with_recording(store, recorded["roomId"])
    with_meeting(store, live["roomId"])

    dry = StringIO()
    call_command("delete_expired_rooms", "--dry-run", stdout=dry)
    assert dry.getvalue().strip() == "3 of 5 room(s) expired (dry run, nothing changed)"
    assert key_client.get(f"/api/v1/rooms/{plain['roomId']}").status_code == 200

    out = StringIO()
    call_command("delete_expired_rooms", stdout=out)
    assert out.getvalue().strip() == (
        "3 of 5 room(s) expired (room_closed: 1, room_deleted: 1, "
        "room_with_active_meeting_scheduled_to_be_deleted: 1)"
    )
    assert key_client.get(f"/api/v1/rooms/{plain['roomId']}").status_code == 404
    assert key_client.get(f"/api/v1/rooms/{recorded['roomId']}").json()["status"] == "closed"
    live_now = key_client.get(f"/api/v1/rooms/{live['roomId']}").json()
    assert (live_now["status"], live_now["meetingEndAction"]) == ("active_meeting", "delete")
    for room in (kept, undated):
        assert key_client.get(f"/api/v1/rooms/{room['roomId']}").status_code == 200


def test_the_task_runs_once_per_tick(key_client: APIClient, store: Any) -> None:
    room = create_room(key_client, autoDeletionDate=future_date())
    expire(store, room["roomId"])
    assert tasks.delete_expired_rooms_task.run() == "1 of 1 room(s) expired (room_deleted: 1)"
    # A second beat firing the same tick finds the lock held and skips.
    assert tasks.delete_expired_rooms_task.run() is None
    assert redis().pttl("ov_meet_lock:scheduled_task_roomGarbageCollector") > 58 * 60 * 1000
