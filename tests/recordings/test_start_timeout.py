"""The recording start timeout covers the egress start call itself (behavior.md §3.3).

A LiveKit whose egress service does not answer StartRoomCompositeEgress in time gives the
contract's start-timeout error (503 ``Recording Error``, "timed out while starting") when the
start timeout passes, never a LiveKit error after the LiveKit client's own timeout.
"""

from __future__ import annotations

import json
import time
import unittest.mock
from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from meet import livekit
from meet.redis_connection import redis
from recordings.services.lifecycle import NO_EGRESS_MESSAGE
from tests.rooms.helpers import create_room, participant_client, participant_token
from tests.services import eventually, free_port


@pytest.fixture
def meeting(key_client: APIClient, livekit_webhooks: Any) -> dict[str, Any]:
    room = create_room(key_client, roomName="Slow")
    token = participant_token(room, "moderator", participantName="Mod", participantIdentity="mod")
    livekit_webhooks.add_participant(room["roomId"], "mod", name="Mod")
    return {"room_id": room["roomId"], "moderator": participant_client(token)}


def timed_out(room_id: str) -> dict[str, str]:
    return {
        "error": "Recording Error",
        "message": f"Recording in room '{room_id}' timed out while starting",
    }


def failed_messages(sim: Any, room_id: str) -> list[dict[str, Any]]:
    return [
        json.loads(message.text)
        for message in sim.data_messages(room_id)
        if message.topic == "recordingFailed"
    ]


def test_an_egress_start_call_hanging_past_the_start_timeout_is_the_start_timeout_error(
    meeting: dict[str, Any], livekit_webhooks: Any, settings: Any
) -> None:
    settings.RECORDING_START_TIMEOUT_SECONDS = 1
    settings.LIVEKIT_EGRESS_START_TIMEOUT_SECONDS = 3
    livekit.reset_client()  # the client reads its timeout when it is built
    room_id = meeting["room_id"]
    livekit_webhooks.delay_next_egress_start(5)
    started = time.monotonic()
    response = meeting["moderator"].post(
        "/internal-api/v1/recordings", {"roomId": room_id}, format="json"
    )
    elapsed = time.monotonic() - started
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == timed_out(room_id)
    assert 1 <= elapsed < 2.5
    # the reference's handler for a start whose egress call never returned
    assert not redis().exists(f"ov_meet_lock:recording_active_{room_id}")
    eventually(lambda: failed_messages(livekit_webhooks, room_id))
    assert failed_messages(livekit_webhooks, room_id) == [
        {
            "id": "",
            "roomName": room_id,
            "roomId": room_id,
            "status": "FAILED",
            "error": NO_EGRESS_MESSAGE,
        }
    ]


def test_an_egress_start_call_hanging_past_the_livekit_timeout_is_the_start_timeout_error(
    meeting: dict[str, Any], livekit_webhooks: Any, settings: Any
) -> None:
    """The LiveKit client gives up first: still a start that timed out, not a LiveKit outage."""
    settings.RECORDING_START_TIMEOUT_SECONDS = 5
    settings.LIVEKIT_EGRESS_START_TIMEOUT_SECONDS = 1
    livekit.reset_client()
    room_id = meeting["room_id"]
    livekit_webhooks.delay_next_egress_start(4)
    started = time.monotonic()
    response = meeting["moderator"].post(
        "/internal-api/v1/recordings", {"roomId": room_id}, format="json"
    )
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == timed_out(room_id)
    assert time.monotonic() - started < 3
    assert not redis().exists(f"ov_meet_lock:recording_active_{room_id}")


def test_livekit_refusing_the_egress_start_call_is_still_a_livekit_error(
    meeting: dict[str, Any], settings: Any
) -> None:
    """Down, not slow: the start fails at once with LiveKit's 503."""

    room_id = meeting["room_id"]
    calls: list[str] = []
    original = livekit.start_room_composite_egress

    def refused(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{free_port()}"
        livekit.reset_client()
        return original(*args, **kwargs)

    with unittest.mock.patch.object(livekit, "start_room_composite_egress", refused):
        response = meeting["moderator"].post(
            "/internal-api/v1/recordings", {"roomId": room_id}, format="json"
        )
    assert calls == [room_id]
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"error": "LiveKit Error", "message": "LiveKit is not available"}
