"""``POST /internal-api/v1/rooms/{roomId}/recording-token`` errors (api-contract.md §5.3a)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.recordings.helpers import FORBIDDEN, ROOM_ID, store_recording

SPEAKER_SECRET = "364e0137c5"  # the archived speaker secret of tests.recordings.helpers


def url(room_id: str = ROOM_ID) -> str:
    return f"/internal-api/v1/rooms/{room_id}/recording-token"


def test_a_room_without_archived_metadata_is_404(initialized: None) -> None:
    response = APIClient().post(url("Nothing-here"), {"secret": "x"}, format="json")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {
        "error": "Room Error",
        "message": "Room metadata for 'Nothing-here' not found. Room 'Nothing-here' does not "
        "exist or has no recordings associated",
    }


@pytest.mark.parametrize("allow_access_to", ["admin", None])
def test_admin_only_access_is_403_before_the_secret(
    initialized: None, store: Any, allow_access_to: str | None
) -> None:
    store_recording(allow_access_to="admin")
    if allow_access_to is None:  # archived metadata without allowAccessTo
        key = f"recordings/.room_metadata/{ROOM_ID}/room_metadata.json"
        store.put_json(key, {"moderatorUrl": "/room/x?secret=a", "speakerUrl": "/room/x?secret=b"})
    response = APIClient().post(url(), {"secret": "wrong"}, format="json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == FORBIDDEN


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"secret": "wrong"}, "wrong"),
        ({}, "undefined"),
        ({"secret": None}, "null"),
        ({"secret": True}, "true"),
        ({"secret": 12}, "12"),
        ({"secret": {"a": 1}}, "[object Object]"),
    ],
)
def test_an_unknown_secret_names_room_undefined(
    initialized: None, body: dict[str, Any], shown: str
) -> None:
    # The archived metadata carries no roomId, so the reference's message says 'undefined'.
    store_recording()
    response = APIClient().post(url(), body, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "Room Error",
        "message": f"Secret '{shown}' is not recognized for room 'undefined'",
    }


def test_the_secret_is_checked_before_authentication(admin_client: APIClient) -> None:
    store_recording()
    admin_client.put(
        "/internal-api/v1/config/security",
        {
            "authentication": {
                "authMethod": {"type": "single_user"},
                "authTransportMode": "header",
                "authModeToAccessRoom": "all_users",
            }
        },
        format="json",
    )
    wrong = APIClient().post(url(), {"secret": "wrong"}, format="json")
    right = APIClient().post(url(), {"secret": SPEAKER_SECRET}, format="json")
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert right.status_code == HTTPStatus.UNAUTHORIZED
    assert right.json() == {"error": "Authentication Error", "message": "Unauthorized"}
    assert admin_client.post(url(), {"secret": SPEAKER_SECRET}, format="json").status_code == 200
