"""Reconciliation (``manage.py reconcile``, the ``meetings.reconcile`` task): what lost LiveKit
webhooks left behind is repaired as those webhooks would have, with the same customer webhooks.

The simulator delivers its webhooks to our app until a test turns delivery off
(``set_webhook_url(None)``): from then on LiveKit's reports are lost, as when the server is
down. Customer webhooks are delivered eagerly to a receiving test server.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from io import StringIO
from typing import Any

import pytest
import requests
from django.core.management import call_command
from livekit.protocol import egress as egress_proto
from livekit.protocol import models
from rest_framework.test import APIClient

from meet import livekit, locks
from meet.celery import app as celery_app
from meet.redis_connection import redis
from meet.storage import get_object_store
from meetings import reconciliation, tasks
from recordings.repository import egress_filepath
from recordings.services.reconciliation import LOST_EGRESS_ERROR
from tests.livekit_sim import LiveKitSimulator
from tests.livekit_sim.media import mp4_bytes
from tests.recordings.helpers import media_key, secrets_key, store_recording, streamed
from tests.rooms.helpers import create_room, participant_client, participant_token
from tests.services import eventually, free_port
from tests.webhook_receiver import WebhookReceiver, verify_signature
from tests.webhooks.test_livekit_receiver import event_body, sign

E = egress_proto.EgressStatus
LOCK = "ov_meet_lock:recording_active_{}"


@pytest.fixture
def customer(admin_client: APIClient, api_key: str) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    url = receiver.start()
    admin_client.put(
        "/internal-api/v1/config/webhooks", {"enabled": True, "url": url}, format="json"
    )
    import webhooks.tasks  # noqa: F401 - registers the task so emit() runs it eagerly

    celery_app.conf.task_always_eager = True
    yield receiver
    celery_app.conf.task_always_eager = False
    receiver.stop()


def sent(receiver: WebhookReceiver) -> list[tuple[str, dict[str, Any]]]:
    return [(r.json()["event"], r.json()["data"]) for r in receiver.received]


@pytest.fixture
def meeting(
    key_client: APIClient, livekit_webhooks: LiveKitSimulator, customer: WebhookReceiver
) -> dict[str, Any]:
    """A room whose meeting runs (a moderator in LiveKit, ``active_meeting`` stored)."""
    room = create_room(key_client, roomName="Rec")
    room_id = room["roomId"]
    token = participant_token(room, "moderator", participantName="Mod", participantIdentity="mod")
    livekit_webhooks.add_participant(room_id, "mod", name="Mod")
    eventually(lambda: stored_room(key_client, room_id)["status"] == "active_meeting")
    return {"room": room, "room_id": room_id, "moderator": participant_client(token)}


def stored_room(client: APIClient, room_id: str) -> Any:
    response = client.get(f"/api/v1/rooms/{room_id}")
    return response.json() if response.status_code == HTTPStatus.OK else None


def recording(client: APIClient, recording_id: str) -> Any:
    return client.get(f"/api/v1/recordings/{recording_id}").json()


def lose_webhooks(sim: LiveKitSimulator) -> None:
    """Everything delivered so far has been handled; what LiveKit reports next is lost."""
    assert sim.wait_webhooks_delivered(10)
    sim.set_webhook_url(None)


def egress_status(sim: LiveKitSimulator, egress_id: str) -> int:
    return int(sim.get_egress(egress_id).status)


def reconcile(*args: str) -> list[str]:
    out = StringIO()
    call_command("reconcile", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def summary_line(recordings: int, meetings: int, busy: int = 0, errors: int = 0) -> str:
    return (
        f"{recordings} recording(s) repaired, {meetings} meeting(s) ended, {busy} room(s) busy, "
        f"{errors} error(s) in"
    )


def start_recording(meeting: dict[str, Any], sim: LiveKitSimulator) -> dict[str, Any]:
    response = meeting["moderator"].post(
        "/internal-api/v1/recordings", {"roomId": meeting["room_id"]}, format="json"
    )
    assert response.status_code == HTTPStatus.CREATED, response.content
    assert sim.wait_webhooks_delivered(10)
    return dict(response.json())


def egress_of(recording_id: str) -> str:
    return recording_id.split("--")[1]


# --- Recordings -------------------------------------------------------------------------------


def test_a_recording_whose_egress_completed_unheard_becomes_complete_with_its_webhook(
    meeting: dict[str, Any],
    livekit_webhooks: LiveKitSimulator,
    customer: WebhookReceiver,
    key_client: APIClient,
    api_key: str,
) -> None:
    room_id = meeting["room_id"]
    started = start_recording(meeting, livekit_webhooks)
    recording_id = started["recordingId"]
    egress_id = egress_of(recording_id)
    lose_webhooks(livekit_webhooks)
    stop = meeting["moderator"].post(f"/internal-api/v1/recordings/{recording_id}/stop")
    assert stop.status_code == HTTPStatus.ACCEPTED
    eventually(lambda: egress_status(livekit_webhooks, egress_id) == E.EGRESS_COMPLETE)
    # what the lost webhooks leave: active for ever, media refused, the room locked
    assert recording(key_client, recording_id)["status"] == "active"
    assert key_client.get(f"/api/v1/recordings/{recording_id}/media").status_code == 409
    assert redis().exists(LOCK.format(room_id))
    webhooks_before = len(customer.received)

    dry = reconcile("--dry-run", "--grace", "0")
    assert dry[0] == f"recording {recording_id}: active -> complete (LiveKit: EGRESS_COMPLETE)"
    assert dry[1].startswith(summary_line(1, 0)) and dry[1].endswith("(dry run, nothing changed)")
    assert recording(key_client, recording_id)["status"] == "active"
    assert len(customer.received) == webhooks_before

    lines = reconcile("--grace", "0")
    assert lines[0] == dry[0]
    assert lines[1].startswith(summary_line(1, 0))
    repaired = recording(key_client, recording_id)
    info = livekit_webhooks.get_egress(egress_id)
    assert repaired["status"] == "complete"
    assert repaired["size"] == info.file_results[0].size > 0
    assert repaired["duration"] == pytest.approx(info.file_results[0].duration * 1e-9)
    assert repaired["endDate"] == pytest.approx(info.ended_at * 1e-6)
    assert repaired["details"] == "End reason: StopEgress API"
    media = key_client.get(f"/api/v1/recordings/{recording_id}/media")
    assert media.status_code == HTTPStatus.OK
    uid = recording_id.rsplit("--", 1)[1]
    assert streamed(media) == get_object_store().get_bytes(media_key(room_id, uid))
    assert not redis().exists(LOCK.format(room_id))
    assert sent(customer)[webhooks_before:] == [("recordingEnded", repaired)]
    assert verify_signature(customer.received[-1], api_key)
    assert "recordingStopped" in {m.topic for m in livekit_webhooks.data_messages(room_id)}

    again = reconcile("--grace", "0")
    assert again[0].startswith(summary_line(0, 0))
    assert len(customer.received) == webhooks_before + 1


def test_a_start_cut_short_moves_starting_to_the_active_egress_and_keeps_the_lock(
    meeting: dict[str, Any],
    livekit_webhooks: LiveKitSimulator,
    customer: WebhookReceiver,
    key_client: APIClient,
) -> None:
    """The server died between ``egress_started`` and ``egress_updated`` (ACTIVE)."""
    room_id = meeting["room_id"]
    locks.acquire(f"recording_active_{room_id}", ttl_seconds=3600)  # taken by the start
    livekit_webhooks.configure(egress_active_delay=1.0)
    egress = livekit.start_room_composite_egress(room_id, egress_filepath(room_id, "a1b2c3d4e5"))
    recording_id = f"{room_id}--{egress.egress_id}--a1b2c3d4e5"
    eventually(lambda: recording(key_client, recording_id).get("status") == "starting")
    lose_webhooks(livekit_webhooks)
    eventually(lambda: egress_status(livekit_webhooks, egress.egress_id) == E.EGRESS_ACTIVE)
    webhooks_before = len(customer.received)

    lines = reconcile("--grace", "0")
    assert lines[0] == f"recording {recording_id}: starting -> active (LiveKit: EGRESS_ACTIVE)"
    repaired = recording(key_client, recording_id)
    assert repaired["status"] == "active"
    assert sent(customer)[webhooks_before:] == [("recordingUpdated", repaired)]
    assert redis().exists(LOCK.format(room_id))  # still recording: the room stays locked
    assert "recordingStarted" in {m.topic for m in livekit_webhooks.data_messages(room_id)}


def test_a_failed_egress_makes_the_recording_failed_and_frees_the_room(
    meeting: dict[str, Any], livekit_webhooks: LiveKitSimulator, key_client: APIClient
) -> None:
    room_id = meeting["room_id"]
    livekit_webhooks.configure(egress_fail_delay=0.5)
    livekit_webhooks.fail_next_egress("encoder crashed", 13, after="active")
    started = start_recording(meeting, livekit_webhooks)
    lose_webhooks(livekit_webhooks)
    egress_id = egress_of(started["recordingId"])
    eventually(lambda: egress_status(livekit_webhooks, egress_id) == E.EGRESS_FAILED)
    reconcile("--grace", "0")
    repaired = recording(key_client, started["recordingId"])
    assert (repaired["status"], repaired["error"], repaired["errorCode"]) == (
        "failed",
        "encoder crashed",
        13,
    )
    assert not redis().exists(LOCK.format(room_id))


def test_an_egress_unknown_to_livekit_with_its_media_stored_becomes_complete(
    livekit_sim: LiveKitSimulator, customer: WebhookReceiver, key_client: APIClient
) -> None:
    """LiveKit lost the egress (restarted); the MP4 tells its size and duration."""
    media = mp4_bytes(300_000)
    stored = store_recording(status="active", media=media, startDate=1760000001234)
    locks.acquire(f"recording_active_{stored['roomId']}", ttl_seconds=3600)
    lines = reconcile("--grace", "0")
    assert lines[0] == (
        f"recording {stored['recordingId']}: active -> complete "
        "(egress unknown to LiveKit, media in storage)"
    )
    repaired = recording(key_client, stored["recordingId"])
    assert repaired == {
        **stored,
        "status": "complete",
        "size": len(media),
        "duration": 2,
        "endDate": 1760000003234,
    }
    assert sent(customer) == [("recordingEnded", repaired)]
    assert key_client.get(f"/api/v1/recordings/{stored['recordingId']}/media").status_code == 200
    assert not redis().exists(LOCK.format(stored["roomId"]))


def test_an_egress_unknown_to_livekit_without_media_becomes_failed(
    livekit_sim: LiveKitSimulator, customer: WebhookReceiver, key_client: APIClient
) -> None:
    stored = store_recording(status="ending", media=None)
    lines = reconcile("--grace", "0")
    assert lines[0] == (
        f"recording {stored['recordingId']}: ending -> failed "
        "(egress unknown to LiveKit, no media in storage)"
    )
    repaired = recording(key_client, stored["recordingId"])
    assert repaired == {**stored, "status": "failed", "error": LOST_EGRESS_ERROR}
    assert sent(customer) == [("recordingEnded", repaired)]


def test_an_egress_whose_started_webhook_was_lost_is_stored_as_egress_started_would(
    meeting: dict[str, Any],
    livekit_webhooks: LiveKitSimulator,
    customer: WebhookReceiver,
    key_client: APIClient,
) -> None:
    room_id = meeting["room_id"]
    lose_webhooks(livekit_webhooks)
    egress = livekit.start_room_composite_egress(room_id, egress_filepath(room_id, "f00dcafe42"))
    eventually(lambda: egress_status(livekit_webhooks, egress.egress_id) == E.EGRESS_ACTIVE)
    livekit.stop_egress(egress.egress_id)
    eventually(lambda: egress_status(livekit_webhooks, egress.egress_id) == E.EGRESS_COMPLETE)
    recording_id = f"{room_id}--{egress.egress_id}--f00dcafe42"
    webhooks_before = len(customer.received)

    lines = reconcile("--grace", "0")
    assert (
        lines[0] == f"recording {recording_id}: not stored -> complete (LiveKit: EGRESS_COMPLETE)"
    )
    repaired = recording(key_client, recording_id)
    assert repaired["status"] == "complete" and repaired["roomName"] == "Rec"
    assert sent(customer)[webhooks_before:] == [
        ("recordingStarted", repaired),
        ("recordingEnded", repaired),
    ]
    store = get_object_store()
    assert set(store.get_json(secrets_key(repaired))) == {
        "publicAccessSecret",
        "privateAccessSecret",
    }
    assert store.get_json(f"recordings/.room_metadata/{room_id}/room_metadata.json")
    url = key_client.get(f"/api/v1/recordings/{recording_id}/url").json()["url"]
    shared = APIClient().get(f"/api/v1/recordings/{recording_id}?secret={url.split('=')[1]}")
    assert shared.status_code == HTTPStatus.OK


def test_a_deleted_recording_is_not_brought_back(
    meeting: dict[str, Any], livekit_webhooks: LiveKitSimulator, key_client: APIClient
) -> None:
    started = start_recording(meeting, livekit_webhooks)
    recording_id = started["recordingId"]
    meeting["moderator"].post(f"/internal-api/v1/recordings/{recording_id}/stop")
    eventually(lambda: recording(key_client, recording_id)["status"] == "complete")
    assert key_client.delete(f"/api/v1/recordings/{recording_id}").status_code == HTTPStatus.OK
    lines = reconcile("--grace", "0")
    assert lines[0].startswith(summary_line(0, 0))
    assert key_client.get(f"/api/v1/recordings/{recording_id}").status_code == 404


def test_missing_share_secrets_of_a_recording_in_progress_are_written(
    meeting: dict[str, Any], livekit_webhooks: LiveKitSimulator, key_client: APIClient
) -> None:
    """``egress_started`` handled up to the metadata only (the server died right after)."""
    started = start_recording(meeting, livekit_webhooks)
    recording_id = started["recordingId"]
    get_object_store().delete(secrets_key(started))
    redis().delete(f"ov_meet:recording_secrets:{recording_id}")
    assert key_client.get(f"/api/v1/recordings/{recording_id}/url").status_code == 404
    lines = reconcile("--grace", "0")
    assert lines[0] == f"recording {recording_id}: active -> active (share secrets were missing)"
    assert key_client.get(f"/api/v1/recordings/{recording_id}/url").status_code == HTTPStatus.OK


def test_what_livekit_changed_within_the_grace_period_is_left_to_its_webhook(
    meeting: dict[str, Any], livekit_webhooks: LiveKitSimulator, key_client: APIClient
) -> None:
    started = start_recording(meeting, livekit_webhooks)
    recording_id = started["recordingId"]
    lose_webhooks(livekit_webhooks)
    meeting["moderator"].post(f"/internal-api/v1/recordings/{recording_id}/stop")
    eventually(
        lambda: egress_status(livekit_webhooks, egress_of(recording_id)) == E.EGRESS_COMPLETE
    )
    assert reconcile("--grace", "60")[0].startswith(summary_line(0, 0))
    assert recording(key_client, recording_id)["status"] == "active"
    time.sleep(1.1)
    assert reconcile("--grace", "1")[0].startswith(f"recording {recording_id}: active -> complete")


# --- Meetings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "after"),
    [(None, "open"), ("close", "closed"), ("delete", "deleted")],
)
def test_a_meeting_whose_livekit_room_is_gone_ends_as_room_finished_would_end_it(
    meeting: dict[str, Any],
    livekit_webhooks: LiveKitSimulator,
    customer: WebhookReceiver,
    key_client: APIClient,
    schedule: str | None,
    after: str,
) -> None:
    room_id = meeting["room_id"]
    if schedule == "close":
        response = key_client.put(
            f"/api/v1/rooms/{room_id}/status", {"status": "closed"}, format="json"
        )
        assert response.status_code == HTTPStatus.ACCEPTED
    elif schedule == "delete":
        response = key_client.delete(f"/api/v1/rooms/{room_id}?withMeeting=when_meeting_ends")
        assert response.status_code == HTTPStatus.ACCEPTED
    assert redis().exists(f"ov_meet:room_participants:{room_id}:mod")
    lose_webhooks(livekit_webhooks)
    livekit_webhooks.close_room(room_id)
    assert stored_room(key_client, room_id)["status"] == "active_meeting"
    webhooks_before = len(customer.received)

    dry = reconcile("--dry-run", "--grace", "0")
    assert dry[0] == f"meeting {room_id}: active_meeting -> {after} (LiveKit room gone)"
    assert stored_room(key_client, room_id)["status"] == "active_meeting"

    lines = reconcile("--grace", "0")
    assert lines[0] == dry[0]
    assert lines[1].startswith(summary_line(0, 1))
    ended = stored_room(key_client, room_id)
    if after == "deleted":
        assert ended is None
    else:
        assert (ended["status"], ended["meetingEndAction"]) == (after, "none")
    [(event, data)] = sent(customer)[webhooks_before:]
    assert event == "meetingEnded"
    assert data["roomId"] == room_id
    assert data["status"] == ("active_meeting" if after == "deleted" else after)
    assert not redis().exists(f"ov_meet:room_participants:{room_id}:mod")
    assert reconcile("--grace", "0")[0].startswith(summary_line(0, 0))


def test_a_meeting_whose_livekit_room_exists_is_left_alone(
    meeting: dict[str, Any], customer: WebhookReceiver, key_client: APIClient
) -> None:
    # The room is stored active_meeting before its meetingStarted is sent: wait for that
    # webhook, or it could arrive after the count below and look like reconciliation's.
    eventually(lambda: [event for event, _ in sent(customer)] == ["meetingStarted"])
    webhooks_before = len(customer.received)
    assert reconcile("--grace", "0")[0].startswith(summary_line(0, 0))
    assert stored_room(key_client, meeting["room_id"])["status"] == "active_meeting"
    assert len(customer.received) == webhooks_before


def test_a_room_finished_arriving_during_the_grace_period_wins(
    meeting: dict[str, Any],
    livekit_webhooks: LiveKitSimulator,
    customer: WebhookReceiver,
    key_client: APIClient,
    meet_server: str,
) -> None:
    """A gone room is looked at again once the grace period has passed; its webhook, had it
    only been late, has ended the meeting by then, and nothing is done twice."""
    room_id = meeting["room_id"]
    lose_webhooks(livekit_webhooks)
    livekit_webhooks.close_room(room_id)
    [finished] = livekit_webhooks.events("room_finished")
    webhooks_before = len(customer.received)
    results: list[reconciliation.ReconciliationSummary] = []
    run = threading.Thread(target=lambda: results.append(reconciliation.reconcile(grace_seconds=2)))
    started = time.monotonic()
    run.start()
    time.sleep(0.5)
    body = event_body(
        "room_finished",
        event_id=finished["id"],
        room=models.Room(name=room_id, sid=finished["room"]["sid"]),
    )
    delivered = requests.post(
        f"{meet_server}/livekit/webhook",
        data=body,
        headers={"Content-Type": "application/webhook+json", "Authorization": sign(body)},
        timeout=10,
    )
    assert delivered.status_code == 200
    run.join(timeout=30)
    assert time.monotonic() - started >= 2
    assert results[0].meetings == []
    assert [event for event, _ in sent(customer)[webhooks_before:]] == ["meetingEnded"]
    assert stored_room(key_client, room_id)["status"] == "open"


# --- Several runs, failing dependencies, the schedule ------------------------------------------


def test_runs_on_several_instances_at_once_repair_each_thing_once(
    meeting: dict[str, Any],
    livekit_webhooks: LiveKitSimulator,
    customer: WebhookReceiver,
    key_client: APIClient,
) -> None:
    room_id = meeting["room_id"]
    started = start_recording(meeting, livekit_webhooks)
    lose_webhooks(livekit_webhooks)
    livekit_webhooks.close_room(room_id)  # the egress ends with the meeting, all unheard
    eventually(
        lambda: (
            egress_status(livekit_webhooks, egress_of(started["recordingId"])) == E.EGRESS_COMPLETE
        )
    )
    webhooks_before = len(customer.received)
    results: list[reconciliation.ReconciliationSummary] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        results.append(reconciliation.reconcile(grace_seconds=0))

    runs = [threading.Thread(target=run) for _ in range(4)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=60)
    assert len(results) == 4
    assert sum(len(result.recordings) for result in results) == 1
    assert sum(len(result.meetings) for result in results) == 1
    assert sum(result.errors for result in results) == 0
    events = sorted(event for event, _ in sent(customer)[webhooks_before:])
    assert events == ["meetingEnded", "recordingEnded"]
    assert recording(key_client, started["recordingId"])["status"] == "complete"
    assert stored_room(key_client, room_id)["status"] == "open"
    assert not redis().exists(LOCK.format(room_id))


def test_livekit_being_down_ends_the_run_cleanly(
    livekit_sim: LiveKitSimulator, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    store_recording(status="active", media=None)
    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{free_port()}"
    livekit.reset_client()
    with caplog.at_level(logging.ERROR, logger="meetings.reconciliation"):
        lines = reconcile("--grace", "0")
    assert len(lines) == 1 and lines[0].startswith(summary_line(0, 0, errors=1))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "Reconciliation not run: LiveKit is not available"
    ]


def test_a_room_another_run_holds_is_skipped_and_the_others_are_repaired(
    livekit_sim: LiveKitSimulator, customer: WebhookReceiver, key_client: APIClient
) -> None:
    good = store_recording(status="active", media=None)
    broken = store_recording("Other-room-1", status="active", media=None)
    # another run holds the second room: it is skipped, the first is repaired
    locks.acquire("reconcile_Other-room-1", ttl_seconds=60)
    lines = reconcile("--grace", "0")
    assert lines[0].startswith(f"recording {good['recordingId']}: active -> failed")
    assert lines[1].startswith(summary_line(1, 0, busy=1))
    assert recording(key_client, broken["recordingId"])["status"] == "active"


def test_the_scheduled_task_runs_once_per_tick(
    livekit_sim: LiveKitSimulator, settings: Any
) -> None:
    stored = store_recording(status="active", media=None, startDate=1)
    first = tasks.reconcile_task.run()
    assert first is not None and first.startswith(summary_line(1, 0))
    assert tasks.reconcile_task.run() is None  # the tick's lock is held
    assert redis().exists("ov_meet_lock:scheduled_task_reconciliation")
    raw = get_object_store().get_json(
        f"recordings/.metadata/{stored['roomId']}/{egress_of(stored['recordingId'])}/"
        f"{stored['recordingId'].rsplit('--', 1)[1]}.json"
    )
    assert json.loads(json.dumps(raw))["status"] == "failed"


def test_a_negative_grace_is_refused(livekit_sim: LiveKitSimulator) -> None:
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("reconcile", "--grace", "-1", stderr=err)
    assert exit_info.value.code == 2
    assert err.getvalue().strip() == "--grace must be 0 or more"
