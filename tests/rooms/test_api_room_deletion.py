"""The deletion policy matrix of api-contract.md §4.5 and bulk deletion (§4.3)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from meet.redis_connection import redis
from tests.rooms.helpers import create_room


def with_meeting(store: Any, room_id: str) -> None:
    key = f"rooms/{room_id}/{room_id}.json"
    store.put_json(key, {**store.get_json(key), "status": "active_meeting"})
    redis().delete(f"ov_meet:room:{room_id}")


def with_recording(store: Any, room_id: str) -> None:
    store.put_json(
        f"recordings/.metadata/{room_id}/EG_abcdefgh1234/0123456789.json",
        {
            "recordingId": f"{room_id}--EG_abcdefgh1234--0123456789",
            "roomId": room_id,
            "status": "complete",
        },
    )


def delete(client: APIClient, room_id: str, query: str = "") -> Any:
    return client.delete(f"/api/v1/rooms/{room_id}{query}")


def test_room_without_meeting_or_recordings_is_deleted(key_client: APIClient, store: Any) -> None:
    room = create_room(key_client)
    response = delete(key_client, room["roomId"])
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "successCode": "room_deleted",
        "message": f"Room '{room['roomId']}' deleted successfully",
    }
    assert store.get_json(f"rooms/{room['roomId']}/{room['roomId']}.json") is None
    assert key_client.get(f"/api/v1/rooms/{room['roomId']}").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("meeting", "recordings", "query", "code", "message"),
    [
        (
            True,
            False,
            "",
            "room_has_active_meeting",
            "Room '{id}' cannot be deleted because it has an active meeting.",
        ),
        (
            True,
            True,
            "",
            "room_with_recordings_has_active_meeting",
            "Room '{id}' with recordings cannot be deleted because it has an active meeting.",
        ),
        (
            False,
            True,
            "",
            "room_has_recordings",
            "Room '{id}' cannot be deleted because it has recordings.",
        ),
        (
            True,
            True,
            "?withMeeting=when_meeting_ends",
            "room_with_active_meeting_has_recordings_cannot_schedule_deletion",
            "Room '{id}' with active meeting cannot be scheduled to be deleted because it has recordings.",
        ),
        (
            True,
            True,
            "?withMeeting=force",
            "room_with_active_meeting_has_recordings",
            "Room '{id}' with active meeting cannot be deleted because it has recordings.",
        ),
    ],
)
def test_deletion_conflicts(
    key_client: APIClient,
    store: Any,
    meeting: bool,
    recordings: bool,
    query: str,
    code: str,
    message: str,
) -> None:
    room = create_room(key_client)
    room_id = room["roomId"]
    if meeting:
        with_meeting(store, room_id)
    if recordings:
        with_recording(store, room_id)
    response = delete(key_client, room_id, query)
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {"error": code, "message": message.format(id=room_id)}
    assert store.get_json(f"rooms/{room_id}/{room_id}.json") is not None


@pytest.mark.parametrize(
    ("meeting", "query", "status", "code", "room_status", "action"),
    [
        (False, "?withRecordings=close", 200, "room_closed", "closed", "none"),
        (
            True,
            "?withMeeting=when_meeting_ends&withRecordings=close",
            202,
            "room_with_active_meeting_scheduled_to_be_closed",
            "active_meeting",
            "close",
        ),
        (
            True,
            "?withMeeting=when_meeting_ends&withRecordings=force",
            202,
            "room_with_active_meeting_and_recordings_scheduled_to_be_deleted",
            "active_meeting",
            "delete",
        ),
    ],
)
def test_deletion_outcomes_with_recordings(
    key_client: APIClient,
    store: Any,
    meeting: bool,
    query: str,
    status: int,
    code: str,
    room_status: str,
    action: str,
) -> None:
    room = create_room(key_client)
    room_id = room["roomId"]
    with_recording(store, room_id)
    if meeting:
        with_meeting(store, room_id)
    response = delete(key_client, room_id, query)
    assert response.status_code == status
    body = response.json()
    assert body["successCode"] == code
    assert (body["room"]["status"], body["room"]["meetingEndAction"]) == (room_status, action)
    assert body["room"]["moderatorUrl"].startswith("http://testserver/room/")


def test_meeting_without_recordings_scheduled_for_deletion(
    key_client: APIClient, store: Any
) -> None:
    room = create_room(key_client)
    with_meeting(store, room["roomId"])
    response = delete(key_client, room["roomId"], "?withMeeting=when_meeting_ends")
    assert response.status_code == HTTPStatus.ACCEPTED
    assert response.json()["message"] == (
        f"Room '{room['roomId']}' with active meeting scheduled to be deleted when the meeting ends"
    )


def test_delete_validation(key_client: APIClient) -> None:
    room = create_room(key_client)
    response = delete(key_client, room["roomId"], "?withMeeting=never")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["details"] == [
        {
            "field": "withMeeting",
            "message": "Invalid enum value. Expected 'force' | 'when_meeting_ends' | 'fail', received 'never'",
        }
    ]
    response = delete(key_client, "$$$")
    assert response.json()["details"] == [
        {"field": "", "message": "roomId cannot be empty after sanitization"}
    ]
    response = delete(key_client, "ghost-1")
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_bulk_delete(key_client: APIClient, store: Any) -> None:
    free = create_room(key_client)
    busy = create_room(key_client)
    with_meeting(store, busy["roomId"])
    ids = f" {free['roomId']},{busy['roomId']},ghost-1,,$$$,{free['roomId']}"
    response = key_client.delete(f"/api/v1/rooms?roomIds={ids}")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["message"] == "2 room(s) failed to process while deleting"
    assert body["successful"] == [
        {
            "roomId": free["roomId"],
            "successCode": "room_deleted",
            "message": f"Room '{free['roomId']}' deleted successfully",
        }
    ]
    assert body["failed"] == [
        {
            "roomId": busy["roomId"],
            "error": "room_has_active_meeting",
            "message": f"Room '{busy['roomId']}' cannot be deleted because it has an active meeting.",
        },
        {"roomId": "ghost-1", "error": "Room Error", "message": "Room 'ghost-1' does not exist"},
    ]


def test_bulk_delete_all_successful_and_repeated_params(key_client: APIClient) -> None:
    first, second = create_room(key_client), create_room(key_client)
    response = key_client.delete(
        f"/api/v1/rooms?roomIds={first['roomId']}&roomIds={second['roomId']}"
    )
    assert response.status_code == HTTPStatus.OK
    assert response.json()["message"] == "All rooms successfully processed for deletion"
    assert "failed" not in response.json()
    assert [item["roomId"] for item in response.json()["successful"]] == [
        first["roomId"],
        second["roomId"],
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Required"),
        ("?roomIds=$$$,,", "At least one valid roomId is required after sanitization"),
        ("?roomIds[a]=b", "Expected array, received object"),
    ],
)
def test_bulk_delete_validation(key_client: APIClient, query: str, message: str) -> None:
    response = key_client.delete(f"/api/v1/rooms{query}")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["details"] == [{"field": "roomIds", "message": message}]


def test_bulk_delete_accepts_indexed_array_parameters(key_client: APIClient) -> None:
    first, second = create_room(key_client), create_room(key_client)
    response = key_client.delete(
        f"/api/v1/rooms?roomIds[0]={first['roomId']}&roomIds[1]={second['roomId']}"
    )
    assert response.status_code == HTTPStatus.OK
    assert [item["roomId"] for item in response.json()["successful"]] == [
        first["roomId"],
        second["roomId"],
    ]
