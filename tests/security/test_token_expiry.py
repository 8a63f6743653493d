"""Escalation 2b: a correctly signed token without ``exp`` never authenticates."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import jwt
from rest_framework.test import APIClient

from tests.rooms.helpers import create_room

INVALID_TOKEN = {"error": "Authentication Error", "message": "Invalid token"}


def signed_without_exp(claims: dict[str, Any]) -> str:
    return jwt.encode(
        {**claims, "iss": "devkey", "nbf": 0}, "secret", algorithm="HS256", headers={"typ": None}
    )


def test_a_signed_access_token_without_exp_is_refused(initialized: None) -> None:
    token = signed_without_exp({"metadata": '{"roles":["admin","user"]}', "sub": "admin"})

    response = APIClient().get(
        "/internal-api/v1/auth/api-keys", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == INVALID_TOKEN


def test_a_signed_refresh_token_without_exp_is_refused(initialized: None) -> None:
    token = signed_without_exp({"metadata": '{"roles":["admin","user"]}', "sub": "admin"})

    response = APIClient().post(
        "/internal-api/v1/auth/refresh", HTTP_X_REFRESH_TOKEN=f"Bearer {token}"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "Refresh Token Error", "message": "Invalid refresh token"}


def test_a_signed_participant_token_without_exp_is_refused(key_client: APIClient) -> None:
    room = create_room(key_client)
    metadata = {
        "livekitUrl": "ws://localhost:7880",
        "roles": [
            {
                "role": "moderator",
                "permissions": {
                    "canRecord": True,
                    "canChat": True,
                    "canChangeVirtualBackground": True,
                },
            }
        ],
        "selectedRole": "moderator",
    }
    token = signed_without_exp(
        {"metadata": json.dumps(metadata), "video": {"room": room["roomId"], "roomJoin": True}}
    )

    response = APIClient().delete(
        f"/internal-api/v1/meetings/{room['roomId']}",
        HTTP_X_PARTICIPANT_TOKEN=f"Bearer {token}",
        HTTP_X_PARTICIPANT_ROLE="moderator",
    )

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == INVALID_TOKEN
