from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import jwt
import pytest
from rest_framework.test import APIClient

from meet.redis_connection import redis
from tests.rooms.helpers import create_room, participant_client, participant_token, secret

TOKEN = "/internal-api/v1/participants/token"
REFRESH = "/internal-api/v1/participants/token/refresh"
MODERATOR_PERMISSIONS = {"canRecord": True, "canChat": True, "canChangeVirtualBackground": True}
SPEAKER_PERMISSIONS = {"canRecord": False, "canChat": True, "canChangeVirtualBackground": True}


def claims(token: str) -> dict[str, Any]:
    decoded = jwt.decode(token, "secret", algorithms=["HS256"], issuer="devkey")
    decoded["metadata"] = json.loads(decoded["metadata"])
    return decoded


def test_moderator_token_with_a_name_starts_the_meeting(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client, roomName="Standup")
    token = participant_token(room, "moderator", participantName="Alice")
    assert jwt.get_unverified_header(token) == {"alg": "HS256"}
    payload = claims(token)
    assert list(payload) == ["metadata", "name", "video", "iss", "exp", "nbf", "sub"]
    assert payload["name"] == payload["sub"] == "Alice"
    assert payload["video"] == {
        "roomJoin": True,
        "room": room["roomId"],
        "canPublish": True,
        "canSubscribe": True,
        "canPublishData": True,
        "canUpdateOwnMetadata": True,
    }
    assert payload["metadata"] == {
        "livekitUrl": livekit_sim.ws_url,
        "roles": [{"role": "moderator", "permissions": MODERATOR_PERMISSIONS}],
        "selectedRole": "moderator",
    }
    live = livekit_sim.get_room(room["roomId"])
    assert live is not None
    metadata = json.loads(live.metadata)
    assert metadata["createdBy"] == "openviduMeet"
    assert metadata["roomOptions"]["roomName"] == "Standup"


def test_token_without_a_name_has_no_room_join_and_no_meeting(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client)
    payload = claims(participant_token(room, "speaker"))
    assert "name" not in payload and "sub" not in payload
    assert payload["video"]["roomJoin"] is False
    assert payload["metadata"]["roles"] == [{"role": "speaker", "permissions": SPEAKER_PERMISSIONS}]
    assert livekit_sim.get_room(room["roomId"]) is None


def test_identity_becomes_the_subject(key_client: APIClient, livekit_sim: Any) -> None:
    room = create_room(key_client)
    payload = claims(participant_token(room, participantName="Bob", participantIdentity="bob-42"))
    assert (payload["name"], payload["sub"]) == ("Bob", "bob-42")


def test_names_are_made_unique_case_insensitively(key_client: APIClient, livekit_sim: Any) -> None:
    room = create_room(key_client)
    names = [
        claims(participant_token(room, participantName=name))["name"]
        for name in ("Ann", "ann", "ANN")
    ]
    assert names == ["Ann", "ann_1", "ANN_2"]
    assert redis().ttl(f"ov_meet:room_participants:{room['roomId']}:ann") <= 12 * 3600


def test_released_numbers_are_reused(key_client: APIClient, livekit_sim: Any) -> None:
    from rooms import participant_names

    room = create_room(key_client)
    for _ in range(3):
        participant_token(room, participantName="Dan")
    participant_names.release(room["roomId"], "Dan_1")
    assert claims(participant_token(room, participantName="Dan"))["name"] == "Dan_1"
    assert claims(participant_token(room, participantName="Dan"))["name"] == "Dan_3"


def test_previous_roles_are_carried_over_from_the_cookie(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client)
    speaker = participant_token(room, "speaker")
    client = APIClient()
    client.cookies["OvMeetParticipantToken"] = speaker
    response = client.post(
        TOKEN,
        {
            "roomId": room["roomId"],
            "secret": secret(room["moderatorUrl"]),
            "participantName": "Alice",
        },
        format="json",
    )
    payload = claims(response.json()["token"])
    assert payload["metadata"]["roles"] == [
        {"role": "speaker", "permissions": SPEAKER_PERMISSIONS},
        {"role": "moderator", "permissions": MODERATOR_PERMISSIONS},
    ]
    assert payload["metadata"]["selectedRole"] == "moderator"


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (
            {"roomId": "ghost-1", "secret": "x"},
            404,
            {"error": "Room Error", "message": "Room 'ghost-1' does not exist"},
        ),
        (
            {"secret": ""},
            422,
            {
                "error": "Unprocessable Entity",
                "message": "Invalid request",
                "details": [
                    {"field": "roomId", "message": "Required"},
                    {"field": "secret", "message": "Secret is required"},
                ],
            },
        ),
    ],
)
def test_token_errors(initialized: None, body: Any, status: int, expected: Any) -> None:
    response = APIClient().post(TOKEN, body, format="json")
    assert response.status_code == status
    assert response.json() == expected


def test_wrong_secret_is_400(key_client: APIClient) -> None:
    room = create_room(key_client)
    response = APIClient().post(TOKEN, {"roomId": room["roomId"], "secret": "nope"}, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "Room Error",
        "message": f"Secret 'nope' is not recognized for room '{room['roomId']}'",
    }


def test_closed_room_refuses_named_tokens(key_client: APIClient, livekit_sim: Any) -> None:
    room = create_room(key_client)
    key_client.put(f"/api/v1/rooms/{room['roomId']}/status", {"status": "closed"}, format="json")
    response = APIClient().post(
        TOKEN,
        {"roomId": room["roomId"], "secret": secret(room["speakerUrl"]), "participantName": "Eve"},
        format="json",
    )
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {
        "error": "Room Error",
        "message": f"Room '{room['roomId']}' is closed and cannot be joined",
    }
    participant_token(room, "speaker")  # without a name it still works


def test_auth_mode_moderators_only(
    key_client: APIClient, admin_client: APIClient, admin_tokens: dict[str, str], livekit_sim: Any
) -> None:
    admin_client.put(
        "/internal-api/v1/config/security",
        {
            "authentication": {
                "authMethod": {"type": "single_user"},
                "authModeToAccessRoom": "moderators_only",
                "authTransportMode": "header",
            }
        },
        format="json",
    )
    room = create_room(key_client)
    body = {"roomId": room["roomId"], "secret": secret(room["moderatorUrl"])}
    response = APIClient().post(TOKEN, body, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"error": "Authentication Error", "message": "Unauthorized"}
    logged_in = APIClient()
    logged_in.credentials(HTTP_AUTHORIZATION=f"Bearer {admin_tokens['access']}")
    assert logged_in.post(TOKEN, body, format="json").status_code == HTTPStatus.OK
    speaker = {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}
    assert APIClient().post(TOKEN, speaker, format="json").status_code == HTTPStatus.OK


def test_livekit_down_gives_503_and_reserves_no_name(key_client: APIClient, settings: Any) -> None:
    from meet import livekit
    from tests.services import free_port

    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{free_port()}"
    livekit.reset_client()
    room = create_room(key_client)
    response = APIClient().post(
        TOKEN,
        {
            "roomId": room["roomId"],
            "secret": secret(room["moderatorUrl"]),
            "participantName": "Zed",
        },
        format="json",
    )
    livekit.reset_client()
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"error": "LiveKit Error", "message": "LiveKit is not available"}
    assert not list(redis().scan_iter(match=f"ov_meet:room_participants:{room['roomId']}:*"))


def test_refresh_keeps_roles_and_requires_identity_with_name(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client)
    token = participant_token(room, "speaker", participantName="Sam", participantIdentity="sam-1")
    body = {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}
    client = APIClient()
    assert client.post(REFRESH, body, format="json").json() == {
        "error": "Participant Error",
        "message": "No participant token provided",
    }
    client.credentials(HTTP_X_PARTICIPANT_TOKEN=f"Bearer {token}")
    refreshed = client.post(REFRESH, body, format="json")
    assert refreshed.status_code == HTTPStatus.OK
    assert claims(refreshed.json()["token"])["metadata"]["selectedRole"] == "speaker"
    response = client.post(REFRESH, {**body, "participantName": "Sam"}, format="json")
    assert response.json() == {
        "error": "Participant Error",
        "message": "No participant identity provided",
    }
    response = client.post(
        REFRESH, {**body, "participantName": "Sam", "participantIdentity": "sam-1"}, format="json"
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {
        "error": "Participant Error",
        "message": f"Participant 'sam-1' not found in room '{room['roomId']}'",
    }
    livekit_sim.add_participant(room["roomId"], "sam-1", name="Sam")
    response = client.post(
        REFRESH, {**body, "participantName": "Sam", "participantIdentity": "sam-1"}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    assert claims(response.json()["token"])["name"] == "Sam"


def test_refresh_with_an_invalid_previous_token(key_client: APIClient) -> None:
    room = create_room(key_client)
    client = APIClient()
    client.credentials(HTTP_X_PARTICIPANT_TOKEN="Bearer not-a-jwt")
    response = client.post(
        REFRESH, {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}, format="json"
    )
    assert response.json() == {"error": "Participant Error", "message": "Invalid participant token"}


# --- roles ------------------------------------------------------------------------------------


def test_room_roles(key_client: APIClient) -> None:
    room = create_room(key_client)
    roles = APIClient().get(f"/internal-api/v1/rooms/{room['roomId']}/roles").json()
    assert [item["role"] for item in roles] == ["moderator", "speaker"]
    assert roles[1]["permissions"]["livekit"]["roomJoin"] is True
    assert roles[1]["permissions"]["openvidu"] == SPEAKER_PERMISSIONS
    one = (
        APIClient()
        .get(f"/internal-api/v1/rooms/{room['roomId']}/roles/{secret(room['moderatorUrl'])}")
        .json()
    )
    assert one == roles[0]
    bad = APIClient().get(f"/internal-api/v1/rooms/{room['roomId']}/roles/wrong")
    assert bad.status_code == HTTPStatus.BAD_REQUEST
    assert (
        APIClient().get("/internal-api/v1/rooms/ghost-1/roles").status_code == HTTPStatus.NOT_FOUND
    )


# --- room reads with a participant token ------------------------------------------------------


def test_participant_can_read_only_its_room_and_speakers_do_not_see_the_moderator_url(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client)
    other = create_room(key_client)
    speaker = participant_client(participant_token(room, "speaker"), "speaker")
    body = speaker.get(f"/api/v1/rooms/{room['roomId']}").json()
    assert "moderatorUrl" not in body and body["speakerUrl"] == room["speakerUrl"]
    assert speaker.get(f"/api/v1/rooms/{room['roomId']}/config").status_code == HTTPStatus.OK
    response = speaker.get(f"/api/v1/rooms/{other['roomId']}")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {
        "error": "Authorization Error",
        "message": "Insufficient permissions to access this resource",
    }
    moderator = participant_client(participant_token(room, "moderator"), "moderator")
    assert "moderatorUrl" in moderator.get(f"/api/v1/rooms/{room['roomId']}").json()
    wrong_role = participant_client(participant_token(room, "speaker"), "moderator")
    assert wrong_role.get(f"/api/v1/rooms/{room['roomId']}").status_code == HTTPStatus.FORBIDDEN
    no_role = participant_client(participant_token(room, "speaker"), "")
    assert no_role.get(f"/api/v1/rooms/{room['roomId']}").json() == {
        "error": "Participant Error",
        "message": "No valid participant role provided",
    }
    # A participant token does not open the admin routes.
    assert speaker.delete(f"/api/v1/rooms/{room['roomId']}").status_code == HTTPStatus.UNAUTHORIZED


def test_refresh_accepts_a_previous_token_with_no_roles(key_client: APIClient) -> None:
    from accounts.tokens import issue_token

    room = create_room(key_client)
    previous = issue_token(
        ttl_seconds=60,
        metadata={"livekitUrl": "ws://localhost:7880", "roles": [], "selectedRole": "speaker"},
    )
    client = APIClient()
    client.credentials(HTTP_X_PARTICIPANT_TOKEN=f"Bearer {previous}")
    response = client.post(
        REFRESH, {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    assert claims(response.json()["token"])["metadata"]["roles"] == [
        {"role": "speaker", "permissions": SPEAKER_PERMISSIONS}
    ]
