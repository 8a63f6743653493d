"""Escalation 2a: a speaker must not become moderator through the previous token that
``POST /participants/token/refresh`` (header or cookie) and ``POST /participants/token``
(cookie) carry roles over from. The reference decodes it without any verification."""

from __future__ import annotations

import json
import time
from http import HTTPStatus
from typing import Any

import jwt
import pytest
from rest_framework.test import APIClient

from tests.rooms.helpers import create_room, participant_client, participant_token, secret

TOKEN = "/internal-api/v1/participants/token"
REFRESH = "/internal-api/v1/participants/token/refresh"
INVALID_PARTICIPANT_TOKEN = {"error": "Participant Error", "message": "Invalid participant token"}
MODERATOR = {
    "role": "moderator",
    "permissions": {"canRecord": True, "canChat": True, "canChangeVirtualBackground": True},
}


def moderator_claims(room_id: str, **overrides: Any) -> dict[str, Any]:
    metadata = {
        "livekitUrl": "ws://localhost:7880",
        "roles": [MODERATOR],
        "selectedRole": "moderator",
    }
    claims = {
        "metadata": json.dumps(metadata, separators=(",", ":")),
        "video": {"roomJoin": False, "room": room_id},
        "iss": "devkey",
        "exp": int(time.time()) + 3600,
        "nbf": 0,
    }
    claims.update(overrides)
    return claims


def forged_tokens(room_id: str) -> dict[str, str]:
    claims = moderator_claims(room_id)
    return {
        "alg-none": jwt.encode(claims, None, algorithm="none"),
        "unsigned": jwt.encode(claims, "secret", algorithm="HS256").rsplit(".", 1)[0] + ".",
        "other-secret": jwt.encode(claims, "not-the-secret", algorithm="HS256"),
        "other-issuer": jwt.encode({**claims, "iss": "someone"}, "secret", algorithm="HS256"),
        "expired": jwt.encode(
            moderator_claims(room_id, exp=int(time.time()) - 10), "secret", algorithm="HS256"
        ),
        "no-exp": jwt.encode(
            {k: v for k, v in claims.items() if k != "exp"}, "secret", algorithm="HS256"
        ),
    }


def roles_of(token: str) -> list[str]:
    claims = jwt.decode(token, "secret", algorithms=["HS256"], issuer="devkey")
    return [item["role"] for item in json.loads(claims["metadata"])["roles"]]


@pytest.mark.parametrize("kind", ["alg-none", "unsigned", "other-secret", "other-issuer", "no-exp"])
def test_a_forged_previous_token_in_the_header_gives_no_moderator_token(
    key_client: APIClient, livekit_sim: Any, kind: str
) -> None:
    room = create_room(key_client)
    client = APIClient()
    client.credentials(HTTP_X_PARTICIPANT_TOKEN=f"Bearer {forged_tokens(room['roomId'])[kind]}")

    response = client.post(
        REFRESH, {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == INVALID_PARTICIPANT_TOKEN


def test_an_expired_previous_token_refreshes_with_only_the_secret_s_role(
    key_client: APIClient, livekit_sim: Any
) -> None:
    """Refreshing after expiry is what the front end does: it keeps working, but an expired
    token carries no role over (the speaker secret gives a speaker, never a moderator)."""
    room = create_room(key_client)
    client = APIClient()
    client.credentials(
        HTTP_X_PARTICIPANT_TOKEN=f"Bearer {forged_tokens(room['roomId'])['expired']}"
    )

    response = client.post(
        REFRESH, {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}, format="json"
    )

    assert response.status_code == HTTPStatus.OK
    assert roles_of(response.json()["token"]) == ["speaker"]


def test_a_forged_previous_token_in_the_cookie_gives_no_moderator_token(
    admin_client: APIClient, key_client: APIClient, livekit_sim: Any
) -> None:
    admin_client.put(
        "/internal-api/v1/config/security",
        {
            "authentication": {
                "authMethod": {"type": "single_user"},
                "authModeToAccessRoom": "none",
                "authTransportMode": "cookie",
            }
        },
        format="json",
    )
    room = create_room(key_client)
    client = APIClient()
    client.cookies["OvMeetParticipantToken"] = forged_tokens(room["roomId"])["alg-none"]

    response = client.post(
        REFRESH, {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == INVALID_PARTICIPANT_TOKEN


def test_the_forged_token_does_not_open_moderator_actions(
    key_client: APIClient, livekit_sim: Any
) -> None:
    """The attacker's next step: use whatever refresh returned as moderator."""
    room = create_room(key_client)
    client = APIClient()
    client.credentials(
        HTTP_X_PARTICIPANT_TOKEN=f"Bearer {forged_tokens(room['roomId'])['alg-none']}"
    )
    response = client.post(
        REFRESH, {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}, format="json"
    )
    token = response.json().get("token")
    if token is None:  # refused, as it must be
        return
    ended = participant_client(token, "moderator").delete(
        f"/internal-api/v1/meetings/{room['roomId']}"
    )
    assert ended.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize("kind", ["alg-none", "other-secret", "expired", "no-exp"])
def test_a_forged_cookie_carries_no_role_into_a_new_participant_token(
    key_client: APIClient, livekit_sim: Any, kind: str
) -> None:
    room = create_room(key_client)
    client = APIClient()
    client.cookies["OvMeetParticipantToken"] = forged_tokens(room["roomId"])[kind]

    response = client.post(
        TOKEN, {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}, format="json"
    )

    assert response.status_code == HTTPStatus.OK
    assert roles_of(response.json()["token"]) == ["speaker"]


def test_a_moderator_token_of_another_room_carries_no_role(
    key_client: APIClient, livekit_sim: Any
) -> None:
    """A moderator of room A who has room B's speaker link stays a speaker in B."""
    mine = create_room(key_client)
    target = create_room(key_client)
    moderator_of_mine = participant_token(mine, "moderator")
    refresh = APIClient()
    refresh.credentials(HTTP_X_PARTICIPANT_TOKEN=f"Bearer {moderator_of_mine}")
    by_cookie = APIClient()
    by_cookie.cookies["OvMeetParticipantToken"] = moderator_of_mine
    body = {"roomId": target["roomId"], "secret": secret(target["speakerUrl"])}

    refreshed = refresh.post(REFRESH, body, format="json")
    issued = by_cookie.post(TOKEN, body, format="json")

    assert refreshed.status_code == HTTPStatus.OK
    assert roles_of(refreshed.json()["token"]) == ["speaker"]
    assert issued.status_code == HTTPStatus.OK
    assert roles_of(issued.json()["token"]) == ["speaker"]


def test_a_genuine_previous_token_still_carries_its_roles(
    key_client: APIClient, livekit_sim: Any
) -> None:
    room = create_room(key_client)
    moderator = participant_token(room, "moderator")
    client = APIClient()
    client.credentials(HTTP_X_PARTICIPANT_TOKEN=f"Bearer {moderator}")

    response = client.post(
        REFRESH, {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}, format="json"
    )

    assert response.status_code == HTTPStatus.OK
    assert roles_of(response.json()["token"]) == ["moderator", "speaker"]
