"""RoomService through the real livekit-api client."""

from __future__ import annotations

import json
import re

import pytest
from livekit.api import ServerError
from livekit.protocol import models as models_pb
from livekit.protocol import room as room_pb

from tests.livekit_sim import LiveKitSimulator


def test_create_room_is_idempotent_and_starts_once(sim: LiveKitSimulator, lk) -> None:
    metadata = json.dumps({"createdBy": "openviduMeet"})
    created = lk(
        lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1", metadata=metadata))
    )
    again = lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1")))

    assert re.fullmatch(r"RM_[A-Za-z0-9]{12}", created.sid)
    assert again.sid == created.sid
    assert created.metadata == again.metadata == metadata
    assert created.empty_timeout == 300
    assert created.departure_timeout == 20
    assert created.creation_time > 0
    assert created.creation_time_ms // 1000 == created.creation_time
    assert sim.event_names() == ["room_started"]
    started = sim.events("room_started")[0]["room"]
    assert started["name"] == "r1"
    assert started["metadata"] == metadata
    assert started["sid"] == created.sid


def test_create_room_updates_timeouts_and_metadata(lk) -> None:
    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1", metadata="a")))
    room = lk(
        lambda a: a.room.create_room(
            room_pb.CreateRoomRequest(name="r1", metadata="b", empty_timeout=7)
        )
    )
    assert room.metadata == "b"
    assert room.empty_timeout == 7


def test_list_rooms_by_name_and_all(lk) -> None:
    for name in ("a", "b", "c"):
        lk(lambda a, name=name: a.room.create_room(room_pb.CreateRoomRequest(name=name)))

    some = lk(lambda a: a.room.list_rooms(room_pb.ListRoomsRequest(names=["b", "zz"])))
    every = lk(lambda a: a.room.list_rooms(room_pb.ListRoomsRequest()))

    assert [r.name for r in some.rooms] == ["b"]
    assert [r.name for r in every.rooms] == ["a", "b", "c"]
    assert lk(lambda a: a.room.list_rooms(room_pb.ListRoomsRequest(names=["zz"]))).rooms == []


def test_delete_room_removes_participants_then_finishes(sim: LiveKitSimulator, lk) -> None:
    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1")))
    sim.add_participant("r1", "alice")
    sim.add_participant("r1", "bob")

    lk(lambda a: a.room.delete_room(room_pb.DeleteRoomRequest(room="r1")))

    assert sim.event_names() == [
        "room_started",
        "participant_joined",
        "participant_joined",
        "participant_left",
        "participant_left",
        "room_finished",
    ]
    left = sim.events("participant_left")
    assert {e["participant"]["identity"] for e in left} == {"alice", "bob"}
    assert all(e["participant"]["disconnectReason"] == "ROOM_DELETED" for e in left)
    finished = sim.events("room_finished")[0]
    assert finished["room"]["name"] == "r1"
    assert finished["roomEndReason"] == "ROOM_END_API_DELETE"
    assert lk(lambda a: a.room.list_rooms(room_pb.ListRoomsRequest(names=["r1"]))).rooms == []


def test_delete_unknown_room_is_not_found(lk) -> None:
    with pytest.raises(ServerError) as excinfo:
        lk(lambda a: a.room.delete_room(room_pb.DeleteRoomRequest(room="nope")))
    assert excinfo.value.code == "not_found"
    assert excinfo.value.status == 404


def test_participants_counts_and_reads(sim: LiveKitSimulator, lk) -> None:
    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1")))
    sim.add_participant("r1", "alice", name="Alice", metadata='{"role":"moderator"}')
    sim.add_participant("r1", "viewer", can_publish=False)

    room = lk(lambda a: a.room.list_rooms(room_pb.ListRoomsRequest(names=["r1"]))).rooms[0]
    listed = lk(lambda a: a.room.list_participants(room_pb.ListParticipantsRequest(room="r1")))
    alice = lk(
        lambda a: a.room.get_participant(
            room_pb.RoomParticipantIdentity(room="r1", identity="alice")
        )
    )

    assert room.num_participants == 2
    assert room.num_publishers == 1
    assert [p.identity for p in listed.participants] == ["alice", "viewer"]
    assert alice.name == "Alice"
    assert alice.metadata == '{"role":"moderator"}'
    assert alice.state == models_pb.ParticipantInfo.ACTIVE
    assert re.fullmatch(r"PA_[A-Za-z0-9]{12}", alice.sid)
    joined = sim.events("participant_joined")[0]
    assert joined["participant"]["identity"] == "alice"
    assert joined["room"]["name"] == "r1"
    assert joined["room"]["numParticipants"] == 1


def test_list_participants_of_unknown_room_is_empty(lk) -> None:
    listed = lk(lambda a: a.room.list_participants(room_pb.ListParticipantsRequest(room="nope")))
    assert list(listed.participants) == []


def test_get_missing_participant_is_not_found(sim: LiveKitSimulator, lk) -> None:
    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1")))
    with pytest.raises(ServerError) as excinfo:
        lk(
            lambda a: a.room.get_participant(
                room_pb.RoomParticipantIdentity(room="r1", identity="x")
            )
        )
    assert excinfo.value.code == "not_found"
    assert excinfo.value.status == 404


def test_update_participant(sim: LiveKitSimulator, lk) -> None:
    sim.add_participant("r1", "alice", name="Alice")
    updated = lk(
        lambda a: a.room.update_participant(
            room_pb.UpdateParticipantRequest(
                room="r1",
                identity="alice",
                metadata='{"role":"speaker"}',
                name="Alice B",
                permission=models_pb.ParticipantPermission(can_subscribe=True),
            )
        )
    )
    assert updated.metadata == '{"role":"speaker"}'
    assert updated.name == "Alice B"
    assert not updated.permission.can_publish
    assert sim.participants("r1")[0].metadata == '{"role":"speaker"}'
    assert sim.get_room("r1").num_publishers == 0  # publishing rights revoked


def test_remove_participant(sim: LiveKitSimulator, lk) -> None:
    sim.add_participant("r1", "alice")
    sim.add_participant("r1", "bob")
    lk(
        lambda a: a.room.remove_participant(
            room_pb.RoomParticipantIdentity(room="r1", identity="alice")
        )
    )
    left = sim.events("participant_left")
    assert [e["participant"]["identity"] for e in left] == ["alice"]
    assert left[0]["participant"]["disconnectReason"] == "PARTICIPANT_REMOVED"
    assert [p.identity for p in sim.participants("r1")] == ["bob"]
    with pytest.raises(ServerError) as excinfo:
        lk(
            lambda a: a.room.remove_participant(
                room_pb.RoomParticipantIdentity(room="r1", identity="alice")
            )
        )
    assert excinfo.value.code == "not_found"


def test_joining_auto_creates_room_and_duplicate_identity_replaces(sim: LiveKitSimulator) -> None:
    sim.add_participant("r1", "alice")
    sim.add_participant("r1", "alice", name="second tab")
    assert sim.event_names() == [
        "room_started",
        "participant_joined",
        "participant_left",
        "participant_joined",
    ]
    assert sim.events("participant_left")[0]["participant"]["disconnectReason"] == (
        "DUPLICATE_IDENTITY"
    )
    assert [p.name for p in sim.participants("r1")] == ["second tab"]


def test_send_data_is_recorded(sim: LiveKitSimulator, lk) -> None:
    sim.add_participant("r1", "alice")
    payload = json.dumps({"roomId": "r1", "status": "STARTING"}).encode()
    lk(
        lambda a: a.room.send_data(
            room_pb.SendDataRequest(
                room="r1",
                data=payload,
                kind=models_pb.DataPacket.RELIABLE,
                destination_identities=["alice"],
                topic="recordingStarting",
            )
        )
    )
    [message] = sim.data_messages("r1")
    assert message.json() == {"roomId": "r1", "status": "STARTING"}
    assert message.topic == "recordingStarting"
    assert message.kind == "RELIABLE"
    assert message.destination_identities == ["alice"]
    assert len(message.nonce) == 16  # the client sets a random one
    with pytest.raises(ServerError) as excinfo:
        lk(lambda a: a.room.send_data(room_pb.SendDataRequest(room="nope", data=b"{}")))
    assert excinfo.value.code == "not_found"


def test_update_room_metadata(lk) -> None:
    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1", metadata="old")))
    room = lk(
        lambda a: a.room.update_room_metadata(
            room_pb.UpdateRoomMetadataRequest(room="r1", metadata="new")
        )
    )
    assert room.metadata == "new"
    listed = lk(lambda a: a.room.list_rooms(room_pb.ListRoomsRequest(names=["r1"])))
    assert listed.rooms[0].metadata == "new"


def test_empty_room_finishes_after_empty_timeout(sim: LiveKitSimulator, lk) -> None:
    sim.configure(empty_timeout=0.2)
    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1")))
    finished = sim.wait_for_event("room_finished", timeout=3)
    assert finished["room"]["name"] == "r1"
    assert sim.get_room("r1") is None


def test_room_finishes_after_departure_timeout(sim: LiveKitSimulator) -> None:
    sim.configure(empty_timeout=0.1, departure_timeout=0.3)
    sim.add_participant("r1", "alice")
    sim.add_participant("r1", "bob")
    sim.remove_participant("r1", "alice")
    sim.remove_participant("r1", "bob")
    assert sim.get_room("r1") is not None  # still within the departure timeout
    sim.wait_for_event("room_finished", timeout=3)
    assert sim.event_names()[-1] == "room_finished"


def test_remove_last_participant_can_close_now(sim: LiveKitSimulator) -> None:
    sim.add_participant("r1", "alice")
    sim.remove_participant("r1", "alice", close_if_empty=True)
    assert sim.event_names()[-2:] == ["participant_left", "room_finished"]
    assert sim.get_room("r1") is None


def test_max_participants_refuses_joins_beyond_it(sim: LiveKitSimulator, lk) -> None:
    room = lk(
        lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="full", max_participants=2))
    )
    assert room.max_participants == 2
    sim.add_participant("full", "a")
    sim.add_participant("full", "b")
    joined = len(sim.events("participant_joined"))
    with pytest.raises(Exception, match="room has exceeded its max participants") as refused:
        sim.add_participant("full", "c")
    assert getattr(refused.value, "code", "") == "resource_exhausted"
    assert len(sim.events("participant_joined")) == joined  # no webhook for a refused join
    # A duplicate identity replaces its participant: not a new one.
    sim.add_participant("full", "b")
    assert sorted(p.identity for p in sim.participants("full")) == ["a", "b"]
    # Rooms without the setting take anyone.
    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="open")))
    for identity in "abcdef":
        sim.add_participant("open", identity)
    assert len(sim.participants("open")) == 6


def test_backdate_room_moves_its_creation(sim: LiveKitSimulator, lk) -> None:
    created = lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="old")))
    sim.backdate_room("old", 100)
    [listed] = lk(lambda a: a.room.list_rooms(room_pb.ListRoomsRequest(names=["old"]))).rooms
    assert listed.creation_time == created.creation_time - 100
    assert listed.creation_time_ms == created.creation_time_ms - 100_000
    # Its empty timeout counts from the new creation time: past it, the room closes.
    sim.backdate_room("old", 300)
    sim.wait_for_event("room_finished")
    assert sim.get_room("old") is None
