"""A validly signed LiveKit webhook captured on the wire and replayed once the reference's 5 s
de-duplication lock has gone must change nothing: here a recording's ``egress_updated``
(active) replayed after it completed would turn it back to ``active``.

The replay is the exact request LiveKit sent (body and Authorization): an eavesdropper cannot
sign anything new."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import requests
from rest_framework.test import APIClient

from meet.redis_connection import redis
from tests.rooms.helpers import create_room, participant_client, participant_token
from tests.services import eventually


def advance_redis_clock(seconds: float) -> None:
    """Every key with a TTL ages by ``seconds`` (keys that would have expired are gone)."""
    for key in redis().scan_iter():
        ttl_ms = redis().pttl(key)
        if ttl_ms < 0:
            continue
        left = ttl_ms - int(seconds * 1000)
        if left <= 0:
            redis().delete(key)
        else:
            redis().pexpire(key, left)


def metadata(store: Any, recording_id: str) -> Any:
    room_id, egress_id, uid = recording_id.split("--")
    return store.get_json(f"recordings/.metadata/{room_id}/{egress_id}/{uid}.json")


def test_a_replayed_egress_webhook_does_not_reopen_a_complete_recording(
    key_client: APIClient, livekit_webhooks: Any, meet_server: str, store: Any
) -> None:
    room = create_room(key_client, roomName="Replay")
    room_id = room["roomId"]
    token = participant_token(room, "moderator", participantName="Mod", participantIdentity="mod")
    livekit_webhooks.add_participant(room_id, "mod", name="Mod")
    moderator = participant_client(token)
    started = moderator.post("/internal-api/v1/recordings", {"roomId": room_id}, format="json")
    assert started.status_code == HTTPStatus.CREATED, started.content
    recording_id = started.json()["recordingId"]
    active = livekit_webhooks.webhooks.wait_for(
        lambda record: (
            record.event == "egress_updated"
            and record.payload["egressInfo"]["status"] == "EGRESS_ACTIVE"
        ),
        timeout=10,
    )
    assert active is not None
    moderator.post(f"/internal-api/v1/recordings/{recording_id}/stop")
    eventually(lambda: metadata(store, recording_id)["status"] == "complete")
    livekit_webhooks.wait_webhooks_delivered()
    # What an eavesdropper captured: the body and its (still valid, 5 min) Authorization.
    captured_body, captured_authorization = active.body, active.authorization
    assert captured_authorization
    advance_redis_clock(5.5)

    replay = requests.post(
        f"{meet_server}/livekit/webhook",
        data=captured_body,
        headers={
            "Content-Type": "application/webhook+json",
            "Authorization": captured_authorization,
        },
        timeout=10,
    )

    assert replay.status_code == HTTPStatus.OK
    assert metadata(store, recording_id)["status"] == "complete"
