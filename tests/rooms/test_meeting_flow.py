"""Meetings end to end: simulator webhooks → our receiver → room state and customer webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from meet.celery import app as celery_app
from tests.rooms.helpers import create_room, participant_client, participant_token
from tests.services import eventually
from tests.webhook_receiver import WebhookReceiver, verify_signature


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


def events(receiver: WebhookReceiver) -> list[str]:
    return [request.json()["event"] for request in receiver.received]


def stored_room(key_client: APIClient, room_id: str) -> dict[str, Any] | None:
    response = key_client.get(f"/api/v1/rooms/{room_id}")
    return response.json() if response.status_code == 200 else None


def test_meeting_lifecycle_with_kick_role_change_and_end(
    key_client: APIClient, livekit_webhooks: Any, customer: WebhookReceiver, api_key: str
) -> None:
    room = create_room(key_client, roomName="Flow")
    room_id = room["roomId"]
    moderator = participant_client(
        participant_token(room, "moderator", participantName="Mod", participantIdentity="mod")
    )
    eventually(lambda: stored_room(key_client, room_id)["status"] == "active_meeting")
    eventually(lambda: "meetingStarted" in events(customer))
    started = customer.received[events(customer).index("meetingStarted")]
    assert verify_signature(started, api_key)
    assert started.json()["data"]["roomId"] == room_id
    assert started.json()["data"]["status"] == "active_meeting"

    livekit_webhooks.add_participant(room_id, "mod", name="Mod", metadata="")
    livekit_webhooks.add_participant(room_id, "p1", name="P1")
    speaker_token = participant_token(
        room, "speaker", participantName="P2", participantIdentity="p2"
    )
    import json

    metadata = json.loads(
        __import__("jwt").decode(speaker_token, options={"verify_signature": False})["metadata"]
    )
    livekit_webhooks.add_participant(room_id, "p2", name="P2", metadata=json.dumps(metadata))

    # A speaker cannot moderate.
    speaker = participant_client(speaker_token, "speaker")
    assert (
        speaker.delete(f"/internal-api/v1/meetings/{room_id}/participants/p1").status_code
        == HTTPStatus.FORBIDDEN
    )

    response = moderator.delete(f"/internal-api/v1/meetings/{room_id}/participants/p1")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "message": f"Participant 'p1' kicked successfully from room '{room_id}'"
    }
    assert "p1" not in [p.identity for p in livekit_webhooks.participants(room_id)]
    response = moderator.delete(f"/internal-api/v1/meetings/{room_id}/participants/ghost")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {
        "error": "Participant Error",
        "message": f"Participant 'ghost' not found in room '{room_id}'",
    }

    response = moderator.put(
        f"/internal-api/v1/meetings/{room_id}/participants/p2/role",
        {"role": "moderator"},
        format="json",
    )
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": "Participant 'p2' role updated to 'moderator'"}
    [target] = [p for p in livekit_webhooks.participants(room_id) if p.identity == "p2"]
    updated = json.loads(target.metadata)
    assert updated["selectedRole"] == "moderator"
    assert [item["role"] for item in updated["roles"]] == ["speaker", "moderator"]
    messages = [
        m
        for m in livekit_webhooks.data_messages(room_id)
        if m.topic == "meet_participant_role_updated"
    ]
    to_target = next(m for m in messages if m.destination_identities == ["p2"])
    assert json.loads(to_target.data)["secret"] == room["moderatorUrl"].split("secret=")[1]
    others = [m for m in messages if m is not to_target]
    assert others and all("secret" not in json.loads(m.data) for m in others)
    assert others[0].destination_identities == ["mod"]

    response = moderator.delete(f"/internal-api/v1/meetings/{room_id}")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": f"Meeting in room '{room_id}' ended successfully"}
    eventually(lambda: stored_room(key_client, room_id)["status"] == "open")
    eventually(lambda: "meetingEnded" in events(customer))
    ended = customer.received[events(customer).index("meetingEnded")].json()
    assert ended["data"]["status"] == "open"


def test_scheduled_deletion_happens_when_the_meeting_ends(
    key_client: APIClient, livekit_webhooks: Any, customer: WebhookReceiver
) -> None:
    room = create_room(key_client)
    room_id = room["roomId"]
    participant_token(room, "moderator", participantName="Mod")
    eventually(lambda: stored_room(key_client, room_id)["status"] == "active_meeting")
    response = key_client.delete(f"/api/v1/rooms/{room_id}?withMeeting=when_meeting_ends")
    assert response.status_code == HTTPStatus.ACCEPTED
    assert response.json()["successCode"] == "room_with_active_meeting_scheduled_to_be_deleted"
    assert response.json()["room"]["meetingEndAction"] == "delete"
    livekit_webhooks.close_room(room_id)
    eventually(lambda: stored_room(key_client, room_id) is None)
    eventually(lambda: "meetingEnded" in events(customer))
    ended = customer.received[events(customer).index("meetingEnded")].json()["data"]
    assert (ended["status"], ended["meetingEndAction"]) == ("active_meeting", "delete")


def test_forced_deletion_ends_the_meeting(key_client: APIClient, livekit_webhooks: Any) -> None:
    room = create_room(key_client)
    room_id = room["roomId"]
    participant_token(room, "moderator", participantName="Mod")
    eventually(lambda: stored_room(key_client, room_id)["status"] == "active_meeting")
    response = key_client.delete(f"/api/v1/rooms/{room_id}?withMeeting=force")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "successCode": "room_with_active_meeting_deleted",
        "message": f"Room '{room_id}' with active meeting deleted successfully",
    }
    eventually(lambda: stored_room(key_client, room_id) is None)
    assert livekit_webhooks.get_room(room_id) is None


def test_scheduled_close_and_closed_rooms(key_client: APIClient, livekit_webhooks: Any) -> None:
    room = create_room(key_client)
    room_id = room["roomId"]
    participant_token(room, "moderator", participantName="Mod")
    eventually(lambda: stored_room(key_client, room_id)["status"] == "active_meeting")
    response = key_client.put(
        f"/api/v1/rooms/{room_id}/status", {"status": "closed"}, format="json"
    )
    assert response.status_code == HTTPStatus.ACCEPTED
    livekit_webhooks.close_room(room_id)
    eventually(lambda: stored_room(key_client, room_id)["status"] == "closed")
    assert stored_room(key_client, room_id)["meetingEndAction"] == "none"


def test_meeting_routes_refuse_api_keys_and_other_rooms(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client)
    other = create_room(key_client)
    response = key_client.delete(f"/internal-api/v1/meetings/{room['roomId']}")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    moderator = participant_client(participant_token(other, "moderator"))
    response = moderator.delete(f"/internal-api/v1/meetings/{room['roomId']}")
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_names_are_released_when_participants_leave_and_meetings_end(
    key_client: APIClient, livekit_webhooks: Any
) -> None:
    from meet.redis_connection import redis

    room = create_room(key_client)
    room_id = room["roomId"]
    participant_token(room, "speaker", participantName="Kim")
    livekit_webhooks.add_participant(room_id, "kim", name="Kim")
    livekit_webhooks.remove_participant(room_id, "kim")
    eventually(lambda: redis().get(f"ov_meet:room_participants:{room_id}:kim") is None)
    participant_token(room, "speaker", participantName="Lee")
    livekit_webhooks.close_room(room_id)
    eventually(lambda: not list(redis().scan_iter(match=f"ov_meet:room_participants:{room_id}:*")))
