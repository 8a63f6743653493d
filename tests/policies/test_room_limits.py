"""Room limits through the LiveKit simulator: ``maxParticipants`` is LiveKit's
``max_participants`` (a further join is refused), and a meeting that reaches
``maxDurationMinutes`` is ended by the beat task exactly as a moderator's "end meeting"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from meet.celery import app as celery_app
from meetings import limits
from meetings.tasks import enforce_duration_limits_task
from tests.livekit_sim.twirp import TwirpError
from tests.policies.test_room_policy_api import config_with
from tests.rooms.helpers import create_room, participant_client, participant_token
from tests.services import eventually
from tests.webhook_receiver import WebhookReceiver


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


@pytest.fixture
def audit_events(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The events the duration limit records (they still go to the real audit log)."""
    seen: list[dict[str, Any]] = []
    original = limits.record_event

    def spy(action: str, **kwargs: Any) -> None:
        seen.append({"action": action, **kwargs})
        original(action, **kwargs)

    monkeypatch.setattr(limits, "record_event", spy)
    return seen


def events(receiver: WebhookReceiver) -> list[str]:
    return [request.json()["event"] for request in receiver.received]


def room_status(client: APIClient, room_id: str) -> str:
    return str(client.get(f"/api/v1/rooms/{room_id}").json()["status"])


def test_max_participants_is_livekits_and_refuses_the_next_join(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client, config=config_with(limits={"maxParticipants": 2}))
    room_id = room["roomId"]
    participant_token(room, "moderator", participantName="Mod", participantIdentity="mod")
    assert livekit_sim.get_room(room_id).max_participants == 2
    livekit_sim.add_participant(room_id, "mod", name="Mod")
    livekit_sim.add_participant(room_id, "p1", name="P1")
    with pytest.raises(TwirpError) as refused:
        livekit_sim.add_participant(room_id, "p2", name="P2")
    assert (refused.value.code, refused.value.msg) == (
        "resource_exhausted",
        "room has exceeded its max participants",
    )
    assert [p.identity for p in livekit_sim.participants(room_id)] == ["mod", "p1"]
    # Once someone leaves there is room again.
    livekit_sim.remove_participant(room_id, "p1")
    livekit_sim.add_participant(room_id, "p2", name="P2")
    assert {p.identity for p in livekit_sim.participants(room_id)} == {"mod", "p2"}


def test_a_recorder_does_not_count(key_client: APIClient, livekit_webhooks: Any) -> None:
    livekit_sim = livekit_webhooks
    room = create_room(key_client, config=config_with(limits={"maxParticipants": 1}))
    room_id = room["roomId"]
    moderator = participant_client(
        participant_token(room, "moderator", participantName="Mod", participantIdentity="mod")
    )
    livekit_sim.add_participant(room_id, "mod", name="Mod")
    response = moderator.post("/internal-api/v1/recordings", {"roomId": room_id}, format="json")
    assert response.status_code == 201, response.content
    eventually(lambda: len(livekit_sim.participants(room_id)) == 2)  # the recorder joined
    with pytest.raises(TwirpError):
        livekit_sim.add_participant(room_id, "p1", name="P1")


def test_rooms_without_limits_create_unlimited_livekit_rooms(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client)
    participant_token(room, "moderator", participantName="Mod")
    live = livekit_sim.get_room(room["roomId"])
    assert live.max_participants == 0
    assert "meetingEndsAt" not in json.loads(live.metadata)
    for index in range(5):
        livekit_sim.add_participant(room["roomId"], f"p{index}", name=f"P{index}")


def test_the_livekit_metadata_says_when_the_meeting_ends(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client, config=config_with(limits={"maxDurationMinutes": 45}))
    participant_token(room, "moderator", participantName="Mod")
    live = livekit_sim.get_room(room["roomId"])
    metadata = json.loads(live.metadata)
    assert abs(metadata["meetingEndsAt"] - (live.creation_time_ms + 45 * 60_000)) < 5_000
    assert metadata["roomOptions"]["config"]["limits"] == {"maxDurationMinutes": 45}


def test_a_meeting_at_its_duration_limit_ends_as_a_moderator_would_end_it(
    key_client: APIClient,
    livekit_webhooks: Any,
    customer: WebhookReceiver,
    audit_events: list[dict[str, Any]],
) -> None:
    limited = create_room(key_client, config=config_with(limits={"maxDurationMinutes": 2}))
    young = create_room(key_client, config=config_with(limits={"maxDurationMinutes": 2}))
    unlimited = create_room(key_client)
    for room in (limited, young, unlimited):
        participant_token(room, "moderator", participantName="Mod", participantIdentity="mod")
        livekit_webhooks.add_participant(room["roomId"], "mod", name="Mod")
        eventually(lambda room=room: room_status(key_client, room["roomId"]) == "active_meeting")
    livekit_webhooks.backdate_room(limited["roomId"], 2 * 60 + 1)
    livekit_webhooks.backdate_room(young["roomId"], 60)
    livekit_webhooks.backdate_room(unlimited["roomId"], 24 * 3600)

    line = enforce_duration_limits_task()
    assert line == "1 meeting(s) ended at their duration limit (2 of 3 live meeting(s) have one)"

    limited_id = limited["roomId"]
    eventually(lambda: room_status(key_client, limited_id) == "open")
    assert livekit_webhooks.get_room(limited_id) is None
    finished = livekit_webhooks.wait_for_event(
        "room_finished", lambda payload: payload["room"]["name"] == limited_id
    )
    assert finished["roomEndReason"] == "ROOM_END_API_DELETE"  # as a moderator's DeleteRoom
    eventually(lambda: "meetingEnded" in events(customer))
    ended = customer.received[events(customer).index("meetingEnded")].json()["data"]
    assert (ended["roomId"], ended["status"]) == (limited_id, "open")
    assert ended["config"]["limits"] == {"maxDurationMinutes": 2}
    for room in (young, unlimited):
        assert livekit_webhooks.get_room(room["roomId"]) is not None
        assert room_status(key_client, room["roomId"]) == "active_meeting"

    [event] = audit_events
    assert event["action"] == "meeting.end"
    assert (event["actor"].kind, event["actor"].name) == ("system", "duration-limit")
    assert (event["target_type"], event["target_id"]) == ("room", limited_id)
    assert event["details"]["reason"] == "maxDurationMinutes"
    assert event["details"]["maxDurationMinutes"] == 2


def test_the_meeting_end_action_applies(
    key_client: APIClient, livekit_webhooks: Any, customer: WebhookReceiver
) -> None:
    room = create_room(key_client, config=config_with(limits={"maxDurationMinutes": 1}))
    room_id = room["roomId"]
    participant_token(room, "moderator", participantName="Mod")
    eventually(lambda: room_status(key_client, room_id) == "active_meeting")
    response = key_client.put(
        f"/api/v1/rooms/{room_id}/status", {"status": "closed"}, format="json"
    )
    assert response.status_code == 202  # closes when the meeting ends
    livekit_webhooks.backdate_room(room_id, 61)
    enforce_duration_limits_task()
    eventually(lambda: room_status(key_client, room_id) == "closed")
    eventually(lambda: "meetingEnded" in events(customer))


def test_nothing_to_do_without_live_meetings(livekit_sim: Any, initialized: None) -> None:
    assert enforce_duration_limits_task() == (
        "0 meeting(s) ended at their duration limit (0 of 0 live meeting(s) have one)"
    )


def test_livekit_down_is_a_skipped_tick(settings: Any, initialized: None) -> None:
    from meet import livekit
    from tests.services import free_port

    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{free_port()}"
    livekit.reset_client()
    try:
        line = enforce_duration_limits_task()
    finally:
        livekit.reset_client()
    assert line is not None and line.startswith("not checked: ")


def test_the_command_lists_then_ends(
    key_client: APIClient, livekit_webhooks: Any, audit_events: list[dict[str, Any]]
) -> None:
    from io import StringIO

    from django.core.management import call_command

    room = create_room(key_client, config=config_with(limits={"maxDurationMinutes": 5}))
    room_id = room["roomId"]
    participant_token(room, "moderator", participantName="Mod")
    livekit_webhooks.add_participant(room_id, "mod", name="Mod")
    livekit_webhooks.backdate_room(room_id, 5 * 60)

    out = StringIO()
    call_command("enforce_duration_limits", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        f"would end the meeting in room {room_id}",
        "1 meeting(s) past their duration limit (1 of 1 live meeting(s) have one) "
        "(dry run, nothing changed)",
    ]
    assert livekit_webhooks.get_room(room_id) is not None
    assert audit_events == []

    out = StringIO()
    call_command("enforce_duration_limits", stdout=out)
    assert out.getvalue().splitlines()[0] == f"ended the meeting in room {room_id}"
    assert livekit_webhooks.get_room(room_id) is None
    eventually(lambda: room_status(key_client, room_id) == "open")
    assert [event["target_id"] for event in audit_events] == [room_id]
