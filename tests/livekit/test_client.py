"""``meet.livekit`` against the LiveKit simulator, through the real ``livekit-api`` client."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3
import pytest

from meet import livekit
from meet.livekit import LiveKitRequestError, LiveKitUnavailableError
from tests.livekit_sim import LiveKitSimulator
from tests.services import free_port

METADATA = json.dumps({"createdBy": "openviduMeet", "roomOptions": {}})


def media_path(room: str) -> str:
    return f"openvidu-meet/recordings/{room}/{room}--abc1234567"


def wait_status(egress_id: str, status: int, timeout: float = 5.0) -> livekit.EgressInfo:
    deadline = time.monotonic() + timeout
    while True:
        items = livekit.list_egress(egress_id=egress_id)
        if items and items[0].status == status:
            return items[0]
        assert time.monotonic() < deadline, f"egress {egress_id} never reached {status}: {items}"
        time.sleep(0.02)


# --- rooms --------------------------------------------------------------------------------------


def test_create_get_and_delete_a_room(livekit_sim: LiveKitSimulator) -> None:
    created = livekit.create_room("Room-abc", metadata=METADATA)
    assert created.name == "Room-abc"
    assert created.metadata == METADATA
    assert created.sid

    room = livekit.get_room("Room-abc")
    assert room is not None
    assert (room.name, room.metadata, room.sid) == ("Room-abc", METADATA, created.sid)
    assert room.num_publishers == 0
    assert livekit_sim.events("room_started")[0]["room"]["name"] == "Room-abc"

    livekit.delete_room("Room-abc")
    assert livekit.get_room("Room-abc") is None
    assert livekit_sim.get_room("Room-abc") is None
    assert livekit_sim.event_names()[-1] == "room_finished"


def test_missing_rooms(livekit_sim: LiveKitSimulator) -> None:
    assert livekit.get_room("nope") is None
    livekit.delete_room("nope")  # not found is fine
    assert livekit_sim.events() == []


def test_create_room_is_idempotent_and_keeps_the_empty_timeout(
    livekit_sim: LiveKitSimulator,
) -> None:
    first = livekit.create_room("Room-t", metadata=METADATA, empty_timeout=42)
    assert first.empty_timeout == 42
    again = livekit.create_room("Room-t", metadata=METADATA)
    assert again.sid == first.sid
    assert livekit_sim.event_names().count("room_started") == 1


def test_get_room_sees_publishers(livekit_sim: LiveKitSimulator) -> None:
    livekit.create_room("Room-p", metadata=METADATA)
    livekit_sim.add_participant("Room-p", "alice", name="Alice")
    livekit_sim.add_participant("Room-p", "bob", can_publish=False)
    room = livekit.get_room("Room-p")
    assert room is not None
    assert (room.num_participants, room.num_publishers) == (2, 1)


# --- participants -------------------------------------------------------------------------------


def test_participants(livekit_sim: LiveKitSimulator) -> None:
    livekit.create_room("Room-q", metadata=METADATA)
    livekit_sim.add_participant("Room-q", "alice", name="Alice", metadata='{"a":1}')
    livekit_sim.add_participant("Room-q", "bob", name="Bob")

    listed = livekit.list_participants("Room-q")
    assert sorted((p.identity, p.name) for p in listed) == [("alice", "Alice"), ("bob", "Bob")]

    alice = livekit.get_participant("Room-q", "alice")
    assert alice is not None
    assert (alice.identity, alice.name, alice.metadata) == ("alice", "Alice", '{"a":1}')
    assert livekit.get_participant("Room-q", "carol") is None
    assert livekit.get_participant("nope", "alice") is None

    livekit.update_participant_metadata("Room-q", "alice", '{"role":"moderator"}')
    updated = livekit.get_participant("Room-q", "alice")
    assert updated is not None
    assert updated.metadata == '{"role":"moderator"}'

    livekit.remove_participant("Room-q", "bob")
    assert [p.identity for p in livekit.list_participants("Room-q")] == ["alice"]
    assert livekit_sim.events("participant_left")[-1]["participant"]["identity"] == "bob"


def test_participants_of_a_missing_room(livekit_sim: LiveKitSimulator) -> None:
    assert livekit.list_participants("nope") == []


def test_removing_or_updating_a_missing_participant_is_a_request_error(
    livekit_sim: LiveKitSimulator,
) -> None:
    livekit.create_room("Room-r", metadata=METADATA)
    with pytest.raises(LiveKitRequestError) as removed:
        livekit.remove_participant("Room-r", "ghost")
    assert removed.value.not_found
    assert removed.value.status == 404
    with pytest.raises(LiveKitRequestError) as updated:
        livekit.update_participant_metadata("Room-r", "ghost", "{}")
    assert updated.value.not_found


# --- data messages ------------------------------------------------------------------------------


def test_send_data_broadcast_and_to_identities(livekit_sim: LiveKitSimulator) -> None:
    livekit.create_room("Room-d", metadata=METADATA)
    livekit_sim.add_participant("Room-d", "alice")
    payload = {"id": "", "roomId": "Room-d", "status": "STARTING", "note": "ñ"}
    livekit.send_data("Room-d", payload, topic="recordingStarting")
    livekit.send_data("Room-d", {"x": 1}, topic="roomStatus", destination_identities=["alice"])

    first, second = livekit_sim.data_messages("Room-d")
    assert first.topic == "recordingStarting"
    assert first.json() == payload
    assert first.text == '{"id":"","roomId":"Room-d","status":"STARTING","note":"ñ"}'
    assert first.destination_identities == []
    assert first.destination_sids == []
    assert len(first.nonce) == 16
    assert (second.topic, second.json(), second.destination_identities) == (
        "roomStatus",
        {"x": 1},
        ["alice"],
    )
    assert first.nonce != second.nonce


def test_send_data_to_a_missing_room_is_a_request_error(livekit_sim: LiveKitSimulator) -> None:
    with pytest.raises(LiveKitRequestError) as error:
        livekit.send_data("nope", {}, topic="t")
    assert error.value.not_found


# --- egress -------------------------------------------------------------------------------------


def test_recording_lifecycle_uploads_the_mp4(
    livekit_sim: LiveKitSimulator, moto_endpoint: str
) -> None:
    room = "Room-e"
    livekit.create_room(room, metadata=METADATA)
    livekit_sim.add_participant(room, "alice")

    started = livekit.start_room_composite_egress(room, media_path(room))
    assert started.status == livekit.egress_proto.EgressStatus.EGRESS_STARTING
    assert started.room_name == room
    assert started.egress_id.startswith("EG_")
    assert started.file_results[0].filename == media_path(room) + ".mp4"
    request = livekit_sim.get_egress(started.egress_id).room_composite
    assert request.layout == "grid"
    assert request.file.filepath == media_path(room)
    assert request.file.disable_manifest
    assert [o.filepath for o in request.file_outputs] == [media_path(room)]

    active = wait_status(started.egress_id, livekit.EGRESS_ACTIVE)
    assert [e.egress_id for e in livekit.list_egress(room_name=room, active=True)] == [
        started.egress_id
    ]
    assert livekit.list_egress(room_name="other-room") == []
    assert active.file_results[0].filename == media_path(room) + ".mp4"

    stopping = livekit.stop_egress(started.egress_id)
    assert stopping.status == livekit.egress_proto.EgressStatus.EGRESS_ENDING
    livekit_sim.wait_for_event("egress_ended")
    ended = wait_status(started.egress_id, livekit.egress_proto.EgressStatus.EGRESS_COMPLETE)
    assert ended.ended_at > 0
    assert ended.file_results[0].size > 0
    assert ended.file_results[0].duration > 0
    assert livekit.list_egress(room_name=room, active=True) == []
    assert [e.egress_id for e in livekit.list_egress(room_name=room)] == [started.egress_id]

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    head = s3.head_object(Bucket="meet-test", Key=f"{media_path(room)}.mp4")
    assert head["ContentLength"] == ended.file_results[0].size


def test_list_egress_filters(livekit_sim: LiveKitSimulator) -> None:
    for room in ("Room-f1", "Room-f2"):
        livekit.create_room(room, metadata=METADATA)
    livekit_sim.hang_next_egress()
    first = livekit.start_room_composite_egress("Room-f1", media_path("Room-f1"))
    second = livekit.start_room_composite_egress("Room-f2", media_path("Room-f2"))
    wait_status(second.egress_id, livekit.EGRESS_ACTIVE)

    everything = {e.egress_id: e.room_name for e in livekit.list_egress()}
    assert everything == {first.egress_id: "Room-f1", second.egress_id: "Room-f2"}
    assert [e.egress_id for e in livekit.list_egress(room_name="Room-f2", active=True)] == [
        second.egress_id
    ]
    (only,) = livekit.list_egress(egress_id=first.egress_id)
    assert only.status == livekit.egress_proto.EgressStatus.EGRESS_STARTING
    assert livekit.list_egress(egress_id="EG_doesnotexist") == []

    # stopping an egress that is still starting aborts it
    aborted = livekit.stop_egress(first.egress_id)
    assert aborted.status == livekit.egress_proto.EgressStatus.EGRESS_ABORTED
    with pytest.raises(LiveKitRequestError) as error:
        livekit.stop_egress(first.egress_id)
    assert error.value.code == "failed_precondition"


def test_egress_start_errors_are_request_errors(livekit_sim: LiveKitSimulator) -> None:
    with pytest.raises(LiveKitRequestError) as missing:
        livekit.start_room_composite_egress("nope", media_path("nope"))
    assert missing.value.not_found

    livekit.create_room("Room-g", metadata=METADATA)
    livekit_sim.fail_next_egress_start("internal", "no egress available")
    with pytest.raises(LiveKitRequestError) as failed:
        livekit.start_room_composite_egress("Room-g", media_path("Room-g"))
    assert (failed.value.code, failed.value.message, failed.value.status) == (
        "internal",
        "no egress available",
        500,
    )
    with pytest.raises(LiveKitRequestError) as stop_missing:
        livekit.stop_egress("EG_doesnotexist")
    assert stop_missing.value.not_found


def test_wrong_credentials_are_request_errors(livekit_sim: LiveKitSimulator, settings: Any) -> None:
    settings.LIVEKIT_API_SECRET = "another-secret"
    livekit.reset_client()
    with pytest.raises(LiveKitRequestError) as error:
        livekit.get_room("Room-x")
    assert error.value.code == "unauthenticated"


# --- availability -------------------------------------------------------------------------------


def test_unreachable_livekit_is_unavailable_quickly(settings: Any) -> None:
    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{free_port()}"
    livekit.reset_client()
    try:
        for call in (
            lambda: livekit.get_room("r"),
            lambda: livekit.create_room("r"),
            lambda: livekit.list_participants("r"),
            lambda: livekit.list_egress(room_name="r", active=True),
        ):
            started = time.monotonic()
            with pytest.raises(LiveKitUnavailableError) as error:
                call()
            assert time.monotonic() - started < 5
            assert error.value.status_code == 503
            assert error.value.body() == {
                "error": "LiveKit Error",
                "message": "LiveKit is not available",
            }
    finally:
        livekit.reset_client()


def test_the_client_follows_a_settings_change_after_reset(
    livekit_sim: LiveKitSimulator, settings: Any
) -> None:
    livekit.create_room("Room-h", metadata=METADATA)
    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{free_port()}"
    livekit.reset_client()
    with pytest.raises(LiveKitUnavailableError):
        livekit.get_room("Room-h")
    settings.LIVEKIT_URL_PRIVATE = livekit_sim.ws_url
    livekit.reset_client()
    assert livekit.get_room("Room-h") is not None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_client_works_in_a_forked_child(livekit_sim: LiveKitSimulator) -> None:
    livekit.create_room("Room-k", metadata=METADATA)  # the parent's loop and session exist now
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            room = livekit.get_room("Room-k")
            livekit.create_room("Room-child", metadata=METADATA)
            code = 0 if room is not None and room.name == "Room-k" else 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 15
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung")
        time.sleep(0.02)
    assert os.waitstatus_to_exitcode(status) == 0
    assert livekit_sim.get_room("Room-child") is not None
    assert livekit.get_room("Room-child") is not None  # and the parent still works
