from __future__ import annotations

import re
import time
from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

ROOMS = "/api/v1/rooms"
UNAUTHORIZED = {"error": "Authentication Error", "message": "Unauthorized"}
DEFAULT_CONFIG = {
    "recording": {"enabled": True, "allowAccessTo": "admin_moderator_speaker"},
    "chat": {"enabled": True},
    "virtualBackground": {"enabled": True},
}


def invalid(*details: tuple[str, str]) -> dict[str, Any]:
    return {
        "error": "Unprocessable Entity",
        "message": "Invalid request",
        "details": [{"field": field, "message": message} for field, message in details],
    }


def create(client: APIClient, **body: Any) -> dict[str, Any]:
    response = client.post(ROOMS, body, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.content
    return response.json()


def test_create_room_with_defaults(key_client: APIClient, store: Any) -> None:
    response = key_client.post(ROOMS, {"roomName": "Daily sync"}, format="json")
    assert response.status_code == HTTPStatus.CREATED
    room = response.json()
    assert list(room) == [
        "roomId",
        "roomName",
        "creationDate",
        "autoDeletionPolicy",
        "config",
        "moderatorUrl",
        "speakerUrl",
        "status",
        "meetingEndAction",
    ]
    assert re.fullmatch(r"Dailysync-[0-9a-z]{15}", room["roomId"])
    assert room["roomName"] == "Daily sync"
    assert room["autoDeletionPolicy"] == {
        "withMeeting": "when_meeting_ends",
        "withRecordings": "close",
    }
    assert room["config"] == DEFAULT_CONFIG
    assert re.fullmatch(
        rf"http://testserver/room/{room['roomId']}\?secret=[0-9a-f]{{10}}", room["moderatorUrl"]
    )
    assert re.fullmatch(
        rf"http://testserver/room/{room['roomId']}\?secret=[0-9a-f]{{10}}", room["speakerUrl"]
    )
    assert room["moderatorUrl"] != room["speakerUrl"]
    assert (room["status"], room["meetingEndAction"]) == ("open", "none")
    assert abs(room["creationDate"] - time.time() * 1000) < 10_000
    assert response["Location"] == f"http://testserver/api/v1/rooms/{room['roomId']}"
    stored = store.get_json(f"rooms/{room['roomId']}/{room['roomId']}.json")
    assert stored["moderatorUrl"] == room["moderatorUrl"].removeprefix("http://testserver")
    assert {key: value for key, value in stored.items() if not key.endswith("Url")} == {
        key: value for key, value in room.items() if not key.endswith("Url")
    }


def test_create_room_without_body_uses_room_as_name(key_client: APIClient) -> None:
    room = key_client.post(ROOMS).json()
    assert room["roomName"] == "Room"
    assert room["roomId"].startswith("Room-")


@pytest.mark.parametrize(
    ("name", "room_name", "id_prefix"),
    [
        ("   .,-------}{¡$#<+My Room *123  ", "My Room 123", "MyRoom123-"),
        ("* a", " a", "a-"),
        ("a-_", "a-", "a--"),
        ("", "", "-"),
    ],
)
def test_room_names_are_sanitised(
    key_client: APIClient, name: str, room_name: str, id_prefix: str
) -> None:
    room = create(key_client, roomName=name)
    assert room["roomName"] == room_name
    assert room["roomId"].startswith(id_prefix)
    assert len(room["roomId"]) == len(id_prefix) + 15


def test_base_url_honours_forwarded_proto_and_meet_base_url(
    key_client: APIClient, settings: Any
) -> None:
    room = key_client.post(
        ROOMS, {}, format="json", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="meet.example"
    ).json()
    assert room["speakerUrl"].startswith("https://meet.example/room/")
    settings.MEET_BASE_URL = "https://public.example"
    room = create(key_client)
    assert room["moderatorUrl"].startswith("https://public.example/room/")


def test_create_room_with_every_option(key_client: APIClient) -> None:
    date = int(time.time() * 1000) + 2 * 3600 * 1000 + 0.5
    config = {
        "recording": {"enabled": False},
        "chat": {"enabled": False},
        "virtualBackground": {"enabled": True},
    }
    room = create(
        key_client,
        roomName="Board",
        autoDeletionDate=date,
        autoDeletionPolicy={"withMeeting": "force", "withRecordings": "force"},
        config=config,
        unknown="dropped",
    )
    assert room["autoDeletionDate"] == date
    assert room["autoDeletionPolicy"] == {"withMeeting": "force", "withRecordings": "force"}
    assert room["config"] == config
    assert "unknown" not in room


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"roomName": "x" * 51}, [("roomName", "roomName cannot exceed 50 characters")]),
        ({"roomName": None}, [("roomName", "Expected string, received null")]),
        ({"roomName": 5}, [("roomName", "Expected string, received number")]),
        (
            {"autoDeletionDate": 1000},
            [("autoDeletionDate", "autoDeletionDate must be at least 1h in the future")],
        ),
        (
            {"autoDeletionDate": -5},
            [
                ("autoDeletionDate", "autoDeletionDate must be a positive integer"),
                ("autoDeletionDate", "autoDeletionDate must be at least 1h in the future"),
            ],
        ),
        (
            {"autoDeletionDate": "tomorrow"},
            [("autoDeletionDate", "Expected number, received string")],
        ),
        (
            {"autoDeletionPolicy": {"withMeeting": "fail", "withRecordings": "fail"}},
            [
                (
                    "autoDeletionPolicy.withMeeting",
                    "FAIL policy is not allowed for withMeeting auto-deletion policy",
                ),
                (
                    "autoDeletionPolicy.withRecordings",
                    "FAIL policy is not allowed for withRecordings auto-deletion policy",
                ),
            ],
        ),
        (
            {"autoDeletionPolicy": {"withMeeting": "later"}},
            [
                (
                    "autoDeletionPolicy.withMeeting",
                    "Invalid enum value. Expected 'force' | 'when_meeting_ends' | 'fail', received 'later'",
                ),
                ("autoDeletionPolicy.withRecordings", "Required"),
            ],
        ),
        (
            {"config": {"recording": {"enabled": True}, "chat": {"enabled": True}}},
            [
                (
                    "config.recording.allowAccessTo",
                    "allowAccessTo is required when recording is enabled",
                ),
                ("config.virtualBackground", "Required"),
            ],
        ),
        (
            {
                "config": {
                    "recording": {"enabled": "yes"},
                    "chat": {},
                    "virtualBackground": {"enabled": True},
                }
            },
            [
                ("config.recording.enabled", "Expected boolean, received string"),
                ("config.chat.enabled", "Required"),
            ],
        ),
    ],
)
def test_create_room_validation(key_client: APIClient, body: Any, details: Any) -> None:
    response = key_client.post(ROOMS, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(*details)


def test_rooms_api_needs_an_api_key_or_admin(initialized: None, admin_client: APIClient) -> None:
    assert APIClient().post(ROOMS).json() == UNAUTHORIZED
    assert APIClient().get(ROOMS).status_code == HTTPStatus.UNAUTHORIZED
    response = APIClient().get(ROOMS, HTTP_X_API_KEY="wrong")
    assert response.json() == {
        "error": "Authentication Error",
        "message": "There are no API keys configured yet. Please, create one to access the API",
    }
    assert admin_client.post(ROOMS).status_code == HTTPStatus.CREATED


def test_invalid_api_key_wins_over_a_valid_admin_token(
    api_key: str, admin_tokens: dict[str, str]
) -> None:
    response = APIClient().get(
        ROOMS, HTTP_X_API_KEY="wrong", HTTP_AUTHORIZATION=f"Bearer {admin_tokens['access']}"
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"error": "Authentication Error", "message": "Invalid API key"}


def test_valid_api_key_wins_over_a_garbage_token(key_client: APIClient) -> None:
    assert key_client.get(ROOMS, HTTP_AUTHORIZATION="Bearer garbage").status_code == HTTPStatus.OK


def test_garbage_token_without_api_key_is_invalid_token(initialized: None) -> None:
    response = APIClient().get(ROOMS, HTTP_AUTHORIZATION="Bearer garbage")
    assert response.json() == {"error": "Authentication Error", "message": "Invalid token"}


# --- get --------------------------------------------------------------------------------------


def test_get_room_with_fields(key_client: APIClient) -> None:
    room = create(key_client, roomName="Fields")
    response = key_client.get(f"{ROOMS}/{room['roomId']}?fields=roomName, roomId,unknown")
    assert response.status_code == HTTPStatus.OK
    assert list(response.json().items()) == [("roomName", "Fields"), ("roomId", room["roomId"])]
    assert key_client.get(f"{ROOMS}/{room['roomId']}").json() == room


def test_get_room_sanitises_the_id(key_client: APIClient) -> None:
    room = create(key_client, roomName="abc")
    assert key_client.get(f"{ROOMS}/%20{room['roomId']}%20").json()["roomId"] == room["roomId"]


def test_get_unknown_room_is_404(key_client: APIClient) -> None:
    response = key_client.get(f"{ROOMS}/nope-123")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"error": "Room Error", "message": "Room 'nope-123' does not exist"}


def test_room_ids_that_sanitise_to_nothing_are_422(key_client: APIClient) -> None:
    response = key_client.get(f"{ROOMS}/$$$")
    assert response.json() == invalid(("roomId", "roomId cannot be empty after sanitization"))
    response = key_client.get(f"{ROOMS}/{'a' * 101}")
    assert response.json() == invalid(("roomId", "roomId cannot exceed 100 characters"))


@pytest.mark.parametrize("room_id", ["..%2F..%2Fusers%2Fadmin", "a%2Fb", "..", "%2E%2E"])
def test_room_ids_cannot_address_other_keys(key_client: APIClient, room_id: str) -> None:
    response = key_client.get(f"{ROOMS}/{room_id}")
    assert response.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY)
    assert "passwordHash" not in response.content.decode()


# --- list -------------------------------------------------------------------------------------


def test_list_rooms_pages_with_continuation_tokens(key_client: APIClient) -> None:
    ids = sorted(create(key_client, roomName=f"Room {index}")["roomId"] for index in range(5))
    first = key_client.get(f"{ROOMS}?maxItems=2").json()
    assert [room["roomId"] for room in first["rooms"]] == ids[:2]
    assert first["pagination"]["isTruncated"] is True
    assert first["pagination"]["maxItems"] == 2
    token = first["pagination"]["nextPageToken"]
    second = key_client.get(ROOMS, {"maxItems": 2, "nextPageToken": token}).json()
    assert [room["roomId"] for room in second["rooms"]] == ids[2:4]
    third = key_client.get(
        ROOMS, {"maxItems": 2, "nextPageToken": second["pagination"]["nextPageToken"]}
    ).json()
    assert [room["roomId"] for room in third["rooms"]] == ids[4:]
    assert third["pagination"] == {"isTruncated": False, "maxItems": 2}


def test_list_rooms_when_empty(key_client: APIClient) -> None:
    assert key_client.get(ROOMS).json() == {
        "rooms": [],
        "pagination": {"isTruncated": False, "maxItems": 10},
    }


def test_list_rooms_filters_by_room_id_prefix_and_fields(key_client: APIClient) -> None:
    alpha = create(key_client, roomName="Alpha team")
    create(key_client, roomName="Beta")
    body = key_client.get(f"{ROOMS}?roomName=Alpha&fields=roomId").json()
    assert body["rooms"] == [{"roomId": alpha["roomId"]}]
    assert key_client.get(f"{ROOMS}?roomName=Alpha team").json()["rooms"] == []


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("maxItems=abc", [("maxItems", "Expected number, received nan")]),
        ("maxItems=0", [("maxItems", "maxItems must be a positive number")]),
        ("maxItems=", [("maxItems", "maxItems must be a positive number")]),
        ("fields=a&fields=b", [("fields", "Expected string, received array")]),
    ],
)
def test_list_rooms_query_validation(key_client: APIClient, query: str, details: Any) -> None:
    response = key_client.get(f"{ROOMS}?{query}")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(*details)


def test_max_items_is_floored_and_capped(key_client: APIClient) -> None:
    assert key_client.get(f"{ROOMS}?maxItems=2.7").json()["pagination"]["maxItems"] == 2
    assert key_client.get(f"{ROOMS}?maxItems=500").json()["pagination"]["maxItems"] == 100


# --- config and status ------------------------------------------------------------------------


def test_room_config_get_and_replace(key_client: APIClient) -> None:
    room = create(key_client)
    url = f"{ROOMS}/{room['roomId']}/config"
    assert key_client.get(url).json() == DEFAULT_CONFIG
    new = {
        "recording": {"enabled": False},
        "chat": {"enabled": False},
        "virtualBackground": {"enabled": False},
    }
    response = key_client.put(url, {"config": new}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "message": f"Room config for room '{room['roomId']}' updated successfully"
    }
    assert key_client.get(url).json() == new


def test_room_config_update_validation(key_client: APIClient) -> None:
    room = create(key_client)
    response = key_client.put(f"{ROOMS}/{room['roomId']}/config", {}, format="json")
    assert response.json() == invalid(("config", "Required"))
    response = key_client.put(
        f"{ROOMS}/{room['roomId']}/config", {"config": {"chat": {"enabled": True}}}, format="json"
    )
    assert response.json() == invalid(
        ("config.recording", "Required"), ("config.virtualBackground", "Required")
    )


def test_room_config_of_unknown_room(key_client: APIClient) -> None:
    response = key_client.put(
        f"{ROOMS}/ghost-1/config",
        {
            "config": {
                "recording": {"enabled": False},
                "chat": {"enabled": True},
                "virtualBackground": {"enabled": True},
            }
        },
        format="json",
    )
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_room_status_close_and_open(key_client: APIClient) -> None:
    room = create(key_client)
    url = f"{ROOMS}/{room['roomId']}/status"
    response = key_client.put(url, {"status": "closed"}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["message"] == f"Room '{room['roomId']}' closed successfully"
    assert response.json()["room"]["status"] == "closed"
    response = key_client.put(url, {"status": "open"}, format="json")
    assert response.json()["message"] == f"Room '{room['roomId']}' open successfully"
    response = key_client.put(url, {"status": "paused"}, format="json")
    assert response.json() == invalid(
        ("status", "Invalid enum value. Expected 'open' | 'closed', received 'paused'")
    )


def test_closing_during_a_meeting_is_scheduled(key_client: APIClient, store: Any) -> None:
    room = create(key_client)
    key = f"rooms/{room['roomId']}/{room['roomId']}.json"
    from meet.redis_connection import redis

    store.put_json(key, {**store.get_json(key), "status": "active_meeting"})
    redis().delete(f"ov_meet:room:{room['roomId']}")
    response = key_client.put(
        f"{ROOMS}/{room['roomId']}/status", {"status": "closed"}, format="json"
    )
    assert response.status_code == HTTPStatus.ACCEPTED
    body = response.json()
    assert (
        body["message"] == f"Room '{room['roomId']}' scheduled to be closed when the meeting ends"
    )
    assert (body["room"]["status"], body["room"]["meetingEndAction"]) == ("active_meeting", "close")


def test_a_whole_float_date_is_echoed_without_a_fraction(key_client: APIClient) -> None:
    # JSON.stringify(1.7e12) is "1700000000000": the response writes the number as JavaScript.
    date = float(int(time.time() * 1000) + 2 * 3600 * 1000)
    response = key_client.post(
        "/api/v1/rooms", f'{{"autoDeletionDate": {date!r}}}', content_type="application/json"
    )
    assert response.status_code == HTTPStatus.CREATED
    assert f'"autoDeletionDate":{int(date)},' in response.content.decode()
