"""Shared steps of the rooms tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from rest_framework.test import APIClient


def create_room(client: APIClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/rooms", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def secret(url: str) -> str:
    return parse_qs(urlsplit(url).query)["secret"][0]


def participant_token(room: dict[str, Any], role: str = "moderator", **body: Any) -> str:
    url = room["moderatorUrl"] if role == "moderator" else room["speakerUrl"]
    response = APIClient().post(
        "/internal-api/v1/participants/token",
        {"roomId": room["roomId"], "secret": secret(url), **body},
        format="json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def participant_client(token: str, role: str = "moderator") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_PARTICIPANT_TOKEN=f"Bearer {token}", HTTP_X_PARTICIPANT_ROLE=role)
    return client
