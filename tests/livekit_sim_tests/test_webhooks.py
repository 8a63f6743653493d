"""Webhooks: verified by livekit.api.WebhookReceiver, in order, retried, never blocking."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import jwt
import pytest
import requests
from livekit import api
from livekit.protocol import egress as egress_pb
from livekit.protocol import room as room_pb

from tests.livekit_sim import LiveKitSimulator
from tests.livekit_sim_tests.conftest import API_KEY, API_SECRET, WebhookReceiver


def wait_delivered(sim: LiveKitSimulator) -> None:
    assert sim.wait_webhooks_delivered(timeout=10)


def test_webhooks_verify_and_arrive_in_order(
    sim: LiveKitSimulator, lk, webhook_receiver: WebhookReceiver
) -> None:
    metadata = json.dumps({"createdBy": "openviduMeet", "roomOptions": {"roomName": "Réunion ✓"}})
    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1", metadata=metadata)))
    sim.add_participant("r1", "alice", name="Zoë")
    output = egress_pb.EncodedFileOutput(filepath="sub/recordings/r1/r1--0123456789")
    info = lk(
        lambda a: a.egress.start_room_composite_egress(
            egress_pb.RoomCompositeEgressRequest(room_name="r1", file_outputs=[output])
        )
    )
    sim.wait_for_event("egress_updated")
    lk(lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=info.egress_id)))
    sim.wait_for_event("egress_ended")
    lk(lambda a: a.room.delete_room(room_pb.DeleteRoomRequest(room="r1")))
    wait_delivered(sim)

    assert webhook_receiver.rejected == []
    received = webhook_receiver.accepted
    assert [e.event for e in received] == sim.event_names()
    assert [e.event for e in received] == [
        "room_started",
        "participant_joined",
        "egress_started",
        "participant_joined",
        "egress_updated",
        "egress_updated",
        "participant_left",
        "egress_ended",
        "participant_left",
        "room_finished",
    ]
    assert len({e.id for e in received}) == len(received)
    assert all(e.id.startswith("EV_") and e.created_at > 0 for e in received)
    assert received[0].room.metadata == metadata
    assert received[1].participant.name == "Zoë"
    assert received[1].room.num_participants == 1
    assert received[3].participant.permission.recorder
    assert received[7].egress_info.status == egress_pb.EGRESS_COMPLETE
    assert (
        received[7].egress_info.file_results[0].filename == "sub/recordings/r1/r1--0123456789.mp4"
    )
    assert all(d.content_type == "application/webhook+json" for d in webhook_receiver.deliveries)


def test_webhook_body_is_protojson(
    sim: LiveKitSimulator, webhook_receiver: WebhookReceiver
) -> None:
    sim.add_participant("r1", "alice")
    wait_delivered(sim)
    delivery = webhook_receiver.deliveries[1]
    body = json.loads(delivery.body)
    assert body["event"] == "participant_joined"
    assert isinstance(body["createdAt"], str)  # int64 as a string
    assert body["participant"]["state"] == "ACTIVE"  # enums by name
    assert "numParticipants" in body["room"]  # camelCase
    assert "is_publisher" not in body["participant"]
    claims = jwt.decode(delivery.auth, API_SECRET, algorithms=["HS256"], issuer=API_KEY)
    assert claims["sha256"] == base64.b64encode(hashlib.sha256(delivery.body).digest()).decode()
    assert claims["exp"] > time.time()


def test_tampered_body_is_rejected(
    sim: LiveKitSimulator, webhook_receiver: WebhookReceiver
) -> None:
    sim.add_participant("r1", "alice", metadata='{"role":"speaker"}')
    wait_delivered(sim)
    genuine = webhook_receiver.deliveries[1]
    tampered = genuine.body.replace(b"speaker", b"moderator")
    assert tampered != genuine.body

    verifier = api.WebhookReceiver(api.TokenVerifier(API_KEY, API_SECRET))
    with pytest.raises(Exception, match="hash mismatch"):
        verifier.receive(tampered.decode(), genuine.auth)
    response = requests.post(
        webhook_receiver.url,
        data=tampered,
        headers={"Content-Type": "application/webhook+json", "Authorization": genuine.auth},
        timeout=5,
    )
    assert response.status_code == 401
    assert webhook_receiver.rejected[-1].error == "hash mismatch"
    with pytest.raises(jwt.InvalidSignatureError):
        api.WebhookReceiver(api.TokenVerifier(API_KEY, "another-secret")).receive(
            genuine.body.decode(), genuine.auth
        )


def test_failed_deliveries_are_retried(sim: LiveKitSimulator, webhook_receiver) -> None:
    webhook_receiver.fail_next = 2
    sim.add_participant("r1", "alice")
    wait_delivered(sim)
    started = sim.recorded_events("room_started")[0]
    assert (started.delivered, started.attempts, started.status) == (True, 3, 200)
    assert [e.event for e in webhook_receiver.accepted] == ["room_started", "participant_joined"]


def test_undeliverable_webhook_is_dropped_and_the_next_ones_go_on(
    sim: LiveKitSimulator, webhook_receiver: WebhookReceiver
) -> None:
    sim.configure(webhook_retries=1)
    webhook_receiver.fail_next = 2
    sim.add_participant("r1", "alice")
    wait_delivered(sim)
    started, joined = sim.recorded_events()
    assert (started.delivered, started.attempts, started.status) == (False, 2, 500)
    assert joined.delivered is True
    assert [e.event for e in webhook_receiver.accepted] == ["participant_joined"]


def test_without_url_events_are_only_recorded(
    sim: LiveKitSimulator, webhook_receiver: WebhookReceiver
) -> None:
    sim.set_webhook_url(None)
    sim.add_participant("r1", "alice")
    wait_delivered(sim)
    assert sim.event_names() == ["room_started", "participant_joined"]
    assert all(r.delivered is None and r.attempts == 0 for r in sim.recorded_events())
    assert webhook_receiver.deliveries == []


def test_slow_receiver_never_blocks_twirp(
    sim: LiveKitSimulator, lk, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.delay = 0.5
    began = time.monotonic()
    for name in ("a", "b", "c"):
        lk(lambda a, name=name: a.room.create_room(room_pb.CreateRoomRequest(name=name)))
    assert time.monotonic() - began < 1.0
    wait_delivered(sim)
    assert [e.room.name for e in webhook_receiver.accepted] == ["a", "b", "c"]
