"""Egress through the real livekit-api client; recordings land in the moto bucket."""

from __future__ import annotations

import re
import threading
import time

import pytest
from livekit.api import ServerError
from livekit.protocol import egress as egress_pb
from livekit.protocol import room as room_pb

from tests.livekit_sim import LiveKitSimulator, LocalStorage, media
from tests.livekit_sim_tests.conftest import BUCKET

E = egress_pb.EgressStatus
FILEPATH = "openvidu-meet/recordings/Daily-abc/Daily-abc--4c1d9e0a7b"


def start_request(
    room: str = "Daily-abc", filepath: str = FILEPATH
) -> egress_pb.RoomCompositeEgressRequest:
    """What the Meet backend sends (legacy ``file`` plus ``file_outputs``)."""
    output = egress_pb.EncodedFileOutput(filepath=filepath, disable_manifest=True)
    return egress_pb.RoomCompositeEgressRequest(
        room_name=room, layout="grid", file=output, file_outputs=[output]
    )


@pytest.fixture
def room(sim: LiveKitSimulator, lk) -> str:
    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="Daily-abc")))
    sim.add_participant("Daily-abc", "alice")
    return "Daily-abc"


def egress_statuses(sim: LiveKitSimulator, egress_id: str) -> list[tuple[str, str]]:
    return [
        # protojson omits zero values, so EGRESS_STARTING (0) is absent, as from LiveKit
        (r.event, r.payload["egressInfo"].get("status", "EGRESS_STARTING"))
        for r in sim.recorded_events()
        if r.event.startswith("egress_") and r.payload["egressInfo"]["egressId"] == egress_id
    ]


def test_full_recording_lifecycle(sim: LiveKitSimulator, lk, room: str, s3) -> None:
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))

    assert re.fullmatch(r"EG_[A-Za-z0-9]{12}", info.egress_id)
    assert info.room_name == room
    assert info.room_id == sim.get_room(room).sid
    assert info.status == E.EGRESS_STARTING
    assert info.started_at > 0
    assert info.updated_at > 0
    assert [f.filename for f in info.file_results] == [FILEPATH + ".mp4"]
    assert list(info.stream_results) == []

    sim.wait_for_event("egress_updated", lambda p: p["egressInfo"]["status"] == "EGRESS_ACTIVE")
    recorder = next(p for p in sim.participants(room) if p.identity == info.egress_id)
    assert recorder.permission.recorder
    assert not recorder.is_publisher
    listed = lk(lambda a: a.room.list_rooms(room_pb.ListRoomsRequest(names=[room]))).rooms[0]
    assert (listed.num_participants, listed.num_publishers) == (2, 1)
    assert listed.active_recording

    stopped = lk(
        lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=info.egress_id))
    )
    assert stopped.status == E.EGRESS_ENDING
    assert stopped.details == "End reason: StopEgress API"

    ended = sim.wait_for_event("egress_ended")["egressInfo"]
    assert ended["status"] == "EGRESS_COMPLETE"
    assert int(ended["endedAt"]) > int(ended["startedAt"])
    assert ended["details"] == "End reason: StopEgress API"
    result = ended["fileResults"][0]
    assert result["filename"] == FILEPATH + ".mp4"
    assert int(result["duration"]) > 0
    obj = s3.get_object(Bucket=BUCKET, Key=FILEPATH + ".mp4")
    body = obj["Body"].read()
    assert int(result["size"]) == len(body) == obj["ContentLength"]
    assert [box[0] for box in media.top_level_boxes(body)][:2] == ["ftyp", "moov"]
    assert "mdat" in [box[0] for box in media.top_level_boxes(body)]
    assert egress_statuses(sim, info.egress_id) == [
        ("egress_started", "EGRESS_STARTING"),
        ("egress_updated", "EGRESS_ACTIVE"),
        ("egress_updated", "EGRESS_ENDING"),
        ("egress_ended", "EGRESS_COMPLETE"),
    ]
    # every egress event carries the file result and no stream result
    for record in sim.recorded_events():
        if record.event.startswith("egress_"):
            assert record.payload["egressInfo"]["fileResults"][0]["filename"].endswith(".mp4")
            assert "streamResults" not in record.payload["egressInfo"]
    # the recorder joined and left
    recorder_events = [
        r.event
        for r in sim.recorded_events()
        if r.event.startswith("participant_")
        and r.payload["participant"]["identity"] == info.egress_id
    ]
    assert recorder_events == ["participant_joined", "participant_left"]
    joined = sim.events("participant_joined")[-1]["participant"]
    assert joined["permission"]["recorder"] is True
    assert joined["kind"] == "EGRESS"


def test_start_requires_existing_room(lk) -> None:
    with pytest.raises(ServerError) as excinfo:
        lk(lambda a: a.egress.start_room_composite_egress(start_request("missing")))
    assert excinfo.value.code == "not_found"


def test_list_egress_filters(sim: LiveKitSimulator, lk, room: str) -> None:
    sim.add_participant("other", "bob")
    first = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    second = lk(lambda a: a.egress.start_room_composite_egress(start_request("other", "x/other")))
    sim.wait_for_event("egress_updated", lambda p: p["egressInfo"]["egressId"] == first.egress_id)
    lk(lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=first.egress_id)))
    sim.wait_for_event("egress_ended")

    def ids(**kwargs) -> list[str]:
        response = lk(lambda a: a.egress.list_egress(egress_pb.ListEgressRequest(**kwargs)))
        return [item.egress_id for item in response.items]

    assert ids() == [first.egress_id, second.egress_id]
    assert ids(room_name=room) == [first.egress_id]
    assert ids(active=True) == [second.egress_id]
    assert ids(room_name=room, active=True) == []
    assert ids(egress_id=second.egress_id) == [second.egress_id]
    assert ids(room_name=room, egress_id=first.egress_id, active=True) == []
    with pytest.raises(ServerError) as excinfo:
        ids(egress_id="EG_doesnotexist")
    assert (excinfo.value.code, excinfo.value.message) == ("not_found", "egress does not exist")


def test_stop_twice_is_a_failed_precondition(sim: LiveKitSimulator, lk, room: str) -> None:
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    sim.wait_for_event("egress_updated")
    lk(lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=info.egress_id)))
    with pytest.raises(ServerError) as excinfo:
        lk(lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=info.egress_id)))
    assert excinfo.value.code == "failed_precondition"
    assert "EGRESS_ENDING" in excinfo.value.message


def test_stop_while_starting_aborts(sim: LiveKitSimulator, lk, room: str) -> None:
    sim.hang_next_egress()
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    stopped = lk(
        lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=info.egress_id))
    )
    assert stopped.status == E.EGRESS_ABORTED
    assert stopped.error == "Stop called before pipeline could start"
    assert egress_statuses(sim, info.egress_id) == [
        ("egress_started", "EGRESS_STARTING"),
        ("egress_ended", "EGRESS_ABORTED"),
    ]


def test_hanging_egress_never_goes_active(sim: LiveKitSimulator, lk, room: str) -> None:
    sim.hang_next_egress()
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    time.sleep(0.3)
    assert sim.get_egress(info.egress_id).status == E.EGRESS_STARTING
    assert egress_statuses(sim, info.egress_id) == [("egress_started", "EGRESS_STARTING")]
    assert [p.identity for p in sim.participants(room)] == ["alice"]


def test_fail_next_egress_start(sim: LiveKitSimulator, lk, room: str) -> None:
    sim.fail_next_egress_start("resource_exhausted", "no egress available")
    with pytest.raises(ServerError) as excinfo:
        lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    assert (excinfo.value.code, excinfo.value.status) == ("resource_exhausted", 429)
    assert excinfo.value.message == "no egress available"
    # only the next one
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    assert info.status == E.EGRESS_STARTING


def test_delay_next_egress_start_answers_late_without_blocking_the_rest(
    sim: LiveKitSimulator, lk, room: str
) -> None:
    sim.delay_next_egress_start(0.6)
    started = time.monotonic()
    result: list[egress_pb.EgressInfo] = []
    call = threading.Thread(
        target=lambda: result.append(
            lk(lambda a: a.egress.start_room_composite_egress(start_request()))
        )
    )
    call.start()
    time.sleep(0.1)
    # meanwhile the rest of the server answers at once, and no egress exists yet
    assert lk(lambda a: a.egress.list_egress(egress_pb.ListEgressRequest())).items == []
    assert time.monotonic() - started < 0.5
    call.join(timeout=5)
    assert time.monotonic() - started >= 0.6
    [info] = result
    assert info.status == E.EGRESS_STARTING  # then created as usual
    assert sim.get_egress(info.egress_id) is not None
    # only the next one
    started = time.monotonic()
    lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("after", ["starting", "active"])
def test_egress_failing_later(sim: LiveKitSimulator, lk, room: str, after: str) -> None:
    sim.fail_next_egress("CPU exhausted", 503, after=after)
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    ended = sim.wait_for_event("egress_ended")["egressInfo"]
    assert ended["status"] == "EGRESS_FAILED"
    assert ended["error"] == "CPU exhausted"
    assert ended["errorCode"] == 503
    expected = [("egress_started", "EGRESS_STARTING")]
    if after == "active":
        expected.append(("egress_updated", "EGRESS_ACTIVE"))
    expected.append(("egress_ended", "EGRESS_FAILED"))
    assert egress_statuses(sim, info.egress_id) == expected
    assert [p.identity for p in sim.participants(room)] == ["alice"]


def test_stale_egress(sim: LiveKitSimulator, lk, room: str) -> None:
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    sim.wait_for_event("egress_updated")
    before = sim.get_egress(info.egress_id).updated_at
    sim.make_egress_stale(info.egress_id, backdate_seconds=600)
    listed = lk(lambda a: a.egress.list_egress(egress_pb.ListEgressRequest(active=True))).items
    assert [i.status for i in listed] == [E.EGRESS_ACTIVE]
    assert listed[0].updated_at == before - 600 * 10**9
    # the room closing does not end a stale egress
    lk(lambda a: a.room.delete_room(room_pb.DeleteRoomRequest(room=room)))
    time.sleep(0.2)
    assert sim.get_egress(info.egress_id).status == E.EGRESS_ACTIVE
    stopped = lk(
        lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=info.egress_id))
    )
    assert stopped.status == E.EGRESS_FAILED
    assert sim.wait_for_event("egress_ended")["egressInfo"]["status"] == "EGRESS_FAILED"


def test_stale_egress_can_refuse_to_stop(sim: LiveKitSimulator, lk, room: str) -> None:
    sim.stale_next_egress(on_stop="error")
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    sim.wait_for_event("egress_updated")
    with pytest.raises(ServerError) as excinfo:
        lk(lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=info.egress_id)))
    assert excinfo.value.code == "unavailable"
    assert sim.get_egress(info.egress_id).status == E.EGRESS_ACTIVE


def test_deleting_the_room_ends_the_egress(sim: LiveKitSimulator, lk, room: str, s3) -> None:
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    sim.wait_for_event("egress_updated")
    lk(lambda a: a.room.delete_room(room_pb.DeleteRoomRequest(room=room)))
    ended = sim.wait_for_event("egress_ended")["egressInfo"]
    assert ended["status"] == "EGRESS_COMPLETE"
    assert ended["details"] == "End reason: Source closed"
    names = sim.event_names()
    assert names.index("room_finished") < names.index("egress_ended")
    assert s3.head_object(Bucket=BUCKET, Key=FILEPATH + ".mp4")["ContentLength"] > 0
    assert info.egress_id in [e["participant"]["identity"] for e in sim.events("participant_left")]


def test_large_recording(sim: LiveKitSimulator, lk, room: str, s3) -> None:
    sim.configure(mp4_size=3_000_000)
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    sim.wait_for_event("egress_updated")
    lk(lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=info.egress_id)))
    ended = sim.wait_for_event("egress_ended")["egressInfo"]
    assert ended["fileResults"][0]["size"] == "3000000"
    head = s3.head_object(Bucket=BUCKET, Key=FILEPATH + ".mp4")
    assert head["ContentLength"] == 3_000_000


def test_upload_failure_fails_the_egress(
    sim: LiveKitSimulator, lk, room: str, moto_endpoint
) -> None:
    from tests.livekit_sim import S3Storage

    sim.storage = S3Storage(moto_endpoint, "no-such-bucket", access_key="x", secret_key="y")
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    sim.wait_for_event("egress_updated")
    lk(lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=info.egress_id)))
    ended = sim.wait_for_event("egress_ended")["egressInfo"]
    assert ended["status"] == "EGRESS_FAILED"
    assert ended["error"].startswith("upload failed")


def test_local_storage(sim: LiveKitSimulator, lk, room: str, tmp_path) -> None:
    sim.storage = LocalStorage(tmp_path, "appdata")
    info = lk(lambda a: a.egress.start_room_composite_egress(start_request()))
    sim.wait_for_event("egress_updated")
    lk(lambda a: a.egress.stop_egress(egress_pb.StopEgressRequest(egress_id=info.egress_id)))
    sim.wait_for_event("egress_ended")
    assert (tmp_path / "appdata" / (FILEPATH + ".mp4")).read_bytes() == media.mp4_bytes()


def test_padded_mp4_keeps_its_structure() -> None:
    data = media.mp4_bytes(100_000)
    boxes = media.top_level_boxes(data)
    assert len(data) == 100_000
    assert sum(size for _, _, size in boxes) == len(data)
    assert [b[0] for b in boxes] == [b[0] for b in media.top_level_boxes(media.mp4_bytes())]


def test_storage_from_env(tmp_path) -> None:
    local = media.storage_from_env(
        {
            "MEET_BLOB_STORAGE_MODE": "local",
            "MEET_LOCAL_STORAGE_DIR": str(tmp_path),
            "MEET_S3_BUCKET": "b",
        }
    )
    assert isinstance(local, LocalStorage)
    assert local.put("k/x.mp4", b"data") == str(tmp_path / "b" / "k" / "x.mp4")
    s3 = media.storage_from_env(
        {"MEET_S3_SERVICE_ENDPOINT": "http://127.0.0.1:9", "MEET_S3_BUCKET": "b"}
    )
    assert isinstance(s3, media.S3Storage)
    assert (s3.endpoint, s3.bucket, s3.access_key, s3.path_style) == (
        "http://127.0.0.1:9",
        "b",
        "minioadmin",
        True,
    )
