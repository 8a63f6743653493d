"""Twirp over plain HTTP: JSON and protobuf bodies, errors, authentication and grants."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import requests
from livekit import api
from livekit.api import ServerError
from livekit.protocol import room as room_pb

from tests.livekit_sim import LiveKitSimulator
from tests.livekit_sim_tests.conftest import API_KEY, API_SECRET

JSON_CT = "application/json;charset=UTF-8"  # what the Node SDK sends


def token(key: str = API_KEY, secret: str = API_SECRET, ttl: float = 600, **grants: Any) -> str:
    access = api.AccessToken(key, secret).with_grants(api.VideoGrants(**grants))
    return access.with_ttl(datetime.timedelta(seconds=ttl)).to_jwt()


def twirp(
    sim: LiveKitSimulator,
    service: str,
    method: str,
    body: Any = None,
    *,
    auth: str | None = None,
    content_type: str = JSON_CT,
    data: bytes | None = None,
) -> requests.Response:
    headers = {"Content-Type": content_type}
    if auth is not None:
        headers["Authorization"] = auth
    return requests.post(
        f"{sim.url}/twirp/livekit.{service}/{method}",
        json=body if data is None else None,
        data=data,
        headers=headers,
        timeout=5,
    )


def admin(room: str) -> str:
    return "Bearer " + token(room_admin=True, room=room)


def test_json_request_and_response(sim: LiveKitSimulator) -> None:
    response = twirp(
        sim,
        "RoomService",
        "CreateRoom",
        {"name": "r1", "emptyTimeout": 10, "metadata": "m"},
        auth="Bearer " + token(room_create=True),
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    room = response.json()
    # twirp defaults: proto field names, unpopulated fields emitted, int64 as strings
    assert room["name"] == "r1"
    assert room["empty_timeout"] == 10
    assert room["num_participants"] == 0
    assert isinstance(room["creation_time"], str)
    assert room["sid"].startswith("RM_")

    snake = twirp(
        sim, "RoomService", "ListRooms", {"names": ["r1"]}, auth="Bearer " + token(room_list=True)
    )
    assert [r["metadata"] for r in snake.json()["rooms"]] == ["m"]


def test_json_egress_enums_by_name(sim: LiveKitSimulator) -> None:
    sim.add_participant("r1", "alice")
    response = twirp(
        sim,
        "Egress",
        "StartRoomCompositeEgress",
        {
            "roomName": "r1",
            "layout": "grid",
            "fileOutputs": [{"filepath": "a/b", "fileType": "MP4"}],
        },
        auth="Bearer " + token(room_record=True),
    )
    assert response.status_code == 200, response.text
    info = response.json()
    assert info["status"] == "EGRESS_STARTING"
    assert info["file_results"][0]["filename"] == "a/b.mp4"
    assert info["stream_results"] == []


def test_protobuf_request_and_response(sim: LiveKitSimulator) -> None:
    sim.add_participant("r1", "alice")
    response = twirp(
        sim,
        "RoomService",
        "ListParticipants",
        data=room_pb.ListParticipantsRequest(room="r1").SerializeToString(),
        content_type="application/protobuf",
        auth=admin("r1"),
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/protobuf"
    listed = room_pb.ListParticipantsResponse.FromString(response.content)
    assert [p.identity for p in listed.participants] == ["alice"]


def test_error_format(sim: LiveKitSimulator) -> None:
    response = twirp(
        sim, "RoomService", "GetParticipant", {"room": "r1", "identity": "x"}, auth=admin("r1")
    )
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "msg": "participant does not exist"}


@pytest.mark.parametrize(
    ("path", "method", "status", "code"),
    [
        ("/twirp/livekit.RoomService/Nope", "POST", 404, "bad_route"),
        ("/twirp/livekit.Nope/CreateRoom", "POST", 404, "bad_route"),
        ("/twirp/livekit.RoomService/CreateRoom", "GET", 404, "bad_route"),
        ("/twirp/livekit.RoomService/MutePublishedTrack", "POST", 501, "unimplemented"),
        ("/elsewhere", "POST", 404, "bad_route"),
    ],
)
def test_routes(sim: LiveKitSimulator, path: str, method: str, status: int, code: str) -> None:
    response = requests.request(
        method,
        sim.url + path,
        json={},
        headers={"Authorization": "Bearer " + token(room_create=True)},
        timeout=5,
    )
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_malformed_and_unsupported_bodies(sim: LiveKitSimulator) -> None:
    auth = "Bearer " + token(room_create=True)
    malformed = twirp(sim, "RoomService", "CreateRoom", data=b"{not json", auth=auth)
    assert (malformed.status_code, malformed.json()["code"]) == (400, "malformed")
    wrong_type = twirp(
        sim, "RoomService", "CreateRoom", data=b"x", auth=auth, content_type="text/plain"
    )
    assert (wrong_type.status_code, wrong_type.json()["code"]) == (404, "bad_route")


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "Basic abc",
        "Bearer not-a-jwt",
        "Bearer " + token(secret="wrong-secret", room_create=True),
        "Bearer " + token(key="other-key", room_create=True),
        "Bearer " + token(ttl=-3600, room_create=True),
    ],
    ids=["missing", "not-bearer", "garbage", "bad-signature", "unknown-key", "expired"],
)
def test_unauthenticated(sim: LiveKitSimulator, auth: str | None) -> None:
    response = twirp(sim, "RoomService", "CreateRoom", {"name": "r1"}, auth=auth)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert sim.get_room("r1") is None


@pytest.mark.parametrize(
    ("service", "method", "body", "grants"),
    [
        ("RoomService", "CreateRoom", {"name": "r1"}, {"room_list": True}),
        ("RoomService", "DeleteRoom", {"room": "r1"}, {"room_admin": True, "room": "r1"}),
        ("RoomService", "ListRooms", {}, {"room_admin": True}),
        ("RoomService", "ListParticipants", {"room": "r1"}, {"room_admin": True, "room": "r2"}),
        ("RoomService", "SendData", {"room": "r1"}, {"room_create": True}),
        ("Egress", "ListEgress", {}, {"room_admin": True, "room_create": True}),
    ],
)
def test_missing_grant_is_permission_denied(
    sim: LiveKitSimulator, service: str, method: str, body: dict, grants: dict
) -> None:
    response = twirp(sim, service, method, body, auth="Bearer " + token(**grants))
    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "msg": "permissions denied"}


def test_grants_that_suffice(sim: LiveKitSimulator) -> None:
    create = "Bearer " + token(room_create=True)
    assert twirp(sim, "RoomService", "CreateRoom", {"name": "r1"}, auth=create).ok
    assert twirp(sim, "RoomService", "ListRooms", {}, auth=create).ok  # roomCreate implies list
    assert twirp(sim, "RoomService", "ListRooms", {}, auth="Bearer " + token(room_list=True)).ok
    assert twirp(sim, "RoomService", "UpdateRoomMetadata", {"room": "r1"}, auth=admin("r1")).ok
    assert twirp(sim, "Egress", "ListEgress", {}, auth="Bearer " + token(room_record=True)).ok


def test_real_client_with_wrong_secret(sim: LiveKitSimulator) -> None:
    import asyncio

    async def run() -> None:
        async with api.LiveKitAPI(sim.url, API_KEY, "wrong") as lkapi:
            await lkapi.room.list_rooms(room_pb.ListRoomsRequest())

    with pytest.raises(ServerError) as excinfo:
        asyncio.run(run())
    assert (excinfo.value.code, excinfo.value.status) == ("unauthenticated", 401)


def test_grant_error_code_is_configurable(sim: LiveKitSimulator) -> None:
    sim.configure(grant_error_code="unauthenticated")
    response = twirp(sim, "RoomService", "CreateRoom", {"name": "r"}, auth=admin("r"))
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
