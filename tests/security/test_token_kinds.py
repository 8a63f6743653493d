"""Escalation 1: a participant or recording token must never act as a user session token, and a
user session token never as a participant token (api-contract.md §2.3 says nothing tells the
kinds apart in the reference; docs/compatibility.md explains how we do).

Each test sends what an attacker holding a room link would send.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.rooms.helpers import create_room, participant_client, participant_token, secret

API_KEYS = "/internal-api/v1/auth/api-keys"
PROFILE = "/internal-api/v1/users/profile"
AUTH_REFRESH = "/internal-api/v1/auth/refresh"
PARTICIPANT_TOKEN = "/internal-api/v1/participants/token"
INVALID_TOKEN = {"error": "Authentication Error", "message": "Invalid token"}


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize(
    "body",
    [{"participantIdentity": "admin"}, {"participantName": "admin"}],
    ids=["identity", "name"],
)
def test_a_participant_token_named_admin_does_not_authenticate_as_admin(
    key_client: APIClient, livekit_sim: Any, body: dict[str, str]
) -> None:
    room = create_room(key_client)
    token = participant_token(room, "speaker", **body)

    keys = bearer(token).get(API_KEYS)
    profile = bearer(token).get(PROFILE)

    assert keys.status_code == HTTPStatus.UNAUTHORIZED
    assert keys.json() == INVALID_TOKEN
    assert profile.status_code == HTTPStatus.UNAUTHORIZED
    assert profile.json() == INVALID_TOKEN


def test_a_participant_token_named_admin_is_not_a_refresh_token(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client)
    token = participant_token(room, "speaker", participantIdentity="admin")
    client = APIClient()
    client.credentials(HTTP_X_REFRESH_TOKEN=f"Bearer {token}")

    response = client.post(AUTH_REFRESH)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "Refresh Token Error", "message": "Invalid refresh token"}


def test_a_participant_token_named_admin_does_not_pass_the_room_access_check(
    key_client: APIClient, admin_client: APIClient, livekit_sim: Any
) -> None:
    """With ``authModeToAccessRoom = all_users`` a participant token is no login."""
    room = create_room(key_client)
    token = participant_token(room, "speaker", participantIdentity="admin")
    admin_client.put(
        "/internal-api/v1/config/security",
        {
            "authentication": {
                "authMethod": {"type": "single_user"},
                "authModeToAccessRoom": "all_users",
                "authTransportMode": "header",
            }
        },
        format="json",
    )

    response = bearer(token).post(
        PARTICIPANT_TOKEN,
        {"roomId": room["roomId"], "secret": secret(room["moderatorUrl"])},
        format="json",
    )

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == INVALID_TOKEN


def test_a_recording_token_does_not_authenticate_as_a_user(initialized: None) -> None:
    from accounts.tokens import issue_token

    # The server never signs a recording token with a subject, but a recording token is no
    # session token whatever it carries.
    token = issue_token(
        ttl_seconds=60,
        metadata={
            "role": "moderator",
            "recordingPermissions": {"canRetrieveRecordings": True, "canDeleteRecordings": True},
        },
        identity="admin",
        video={"room": "Room-0a1b2c3d4e5f6g7"},
    )

    response = bearer(token).get(API_KEYS)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == INVALID_TOKEN


def test_a_user_session_token_is_not_a_participant_token(
    admin_tokens: dict[str, str], key_client: APIClient
) -> None:
    room = create_room(key_client)
    client = participant_client(admin_tokens["access"], "moderator")

    response = client.delete(f"/internal-api/v1/meetings/{room['roomId']}")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "Participant Error", "message": "Invalid participant token"}


def test_the_reference_access_token_shape_still_authenticates(initialized: None) -> None:
    """A token minted by a running reference deployment (same claims, same secret) keeps
    working after the swap."""
    import time

    import jwt

    token = jwt.encode(
        {
            "metadata": '{"roles":["admin","user"]}',
            "iss": "devkey",
            "exp": int(time.time()) + 3600,
            "nbf": 0,
            "sub": "admin",
        },
        "secret",
        algorithm="HS256",
        headers={"typ": None},
    )

    response = bearer(token).get(PROFILE)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"username": "admin", "roles": ["admin", "user"]}
