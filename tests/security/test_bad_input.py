"""Bad input found by probing: each gets a 4xx in the contract's shape, never a 500."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from unittest.mock import patch

import pytest
from botocore.exceptions import ClientError
from rest_framework.test import APIClient

from meet.storage import get_object_store
from tests.rooms.helpers import create_room, secret

MALFORMED = {"error": "Bad Request", "message": "Malformed body"}
ROOMS = "/api/v1/rooms"


def post_raw(client: APIClient, path: str, body: bytes) -> Any:
    return client.post(path, body, content_type="application/json")


@pytest.mark.parametrize("depth", [100, 5_000, 50_000])
def test_deeply_nested_json_is_a_malformed_body(key_client: APIClient, depth: int) -> None:
    body = b'{"roomName":"x","config":' + b"[" * depth + b"]" * depth + b"}"

    response = post_raw(key_client, ROOMS, body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == MALFORMED


def test_deep_json_is_400_even_on_an_unknown_path(initialized: None) -> None:
    response = post_raw(APIClient(), "/internal-api/v1/nothing", b"[" * 5_000 + b"]" * 5_000)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == MALFORMED


@pytest.mark.parametrize(
    "body",
    [
        b'{"autoDeletionDate": 1e400}',
        b'{"autoDeletionDate": -1e400}',
        b'{"autoDeletionDate": Infinity}',
        b'{"autoDeletionDate": NaN}',
        b'{"roomName": "x", "extra": 1e999}',
        b'{"autoDeletionDate": 1' + b"0" * 400 + b"}",
    ],
)
def test_numbers_json_cannot_carry_are_a_malformed_body(key_client: APIClient, body: bytes) -> None:
    response = post_raw(key_client, ROOMS, body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == MALFORMED


@pytest.mark.parametrize("name", ["\\ud83d", "a\\udc00b", "\\udfff\\ud800"])
def test_a_lone_surrogate_in_a_participant_name_is_a_malformed_body(
    key_client: APIClient, livekit_sim: Any, name: str
) -> None:
    room = create_room(key_client)
    body = (
        f'{{"roomId":"{room["roomId"]}","secret":"{secret(room["speakerUrl"])}",'
        f'"participantName":"{name}"}}'
    ).encode()

    response = post_raw(APIClient(), "/internal-api/v1/participants/token", body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == MALFORMED


def test_a_lone_surrogate_in_a_key_is_a_malformed_body(key_client: APIClient) -> None:
    response = post_raw(key_client, ROOMS, b'{"\\ud83d": 1}')

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == MALFORMED


def test_a_proper_surrogate_pair_is_a_character(key_client: APIClient, livekit_sim: Any) -> None:
    room = create_room(key_client)
    body = (
        f'{{"roomId":"{room["roomId"]}","secret":"{secret(room["speakerUrl"])}",'
        '"participantName":"Ann \\ud83d\\ude00"}'
    ).encode()

    response = post_raw(APIClient(), "/internal-api/v1/participants/token", body)

    assert response.status_code == HTTPStatus.OK


INVALID_PAGE_TOKEN = {
    "error": "Unprocessable Entity",
    "message": "Invalid request",
    "details": [{"field": "nextPageToken", "message": "Invalid page token"}],
}


@pytest.mark.parametrize("path", [ROOMS, "/api/v1/recordings"])
def test_a_page_token_s3_refuses_is_a_client_error(key_client: APIClient, path: str) -> None:
    refused = ClientError(
        {
            "Error": {
                "Code": "InvalidArgument",
                "Message": "The continuation token provided is incorrect",
            },
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        "ListObjectsV2",
    )
    store = get_object_store()

    with patch.object(store.client, "list_objects_v2", side_effect=refused):  # type: ignore[attr-defined]
        response = key_client.get(path, {"nextPageToken": "forged"})

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == INVALID_PAGE_TOKEN


def test_a_garbage_page_token_in_local_storage_is_a_client_error(
    key_client: APIClient, settings: Any, tmp_path: Any
) -> None:
    settings.MEET_BLOB_STORAGE_MODE = "local"
    settings.MEET_LOCAL_STORAGE_DIR = str(tmp_path)
    get_object_store.cache_clear()
    from accounts.services import create_api_key, initialize_storage

    initialize_storage()
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=create_api_key().key)

    response = client.get(ROOMS, {"nextPageToken": "%%%garbage"})

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == INVALID_PAGE_TOKEN


def test_a_500_names_the_room_id_of_the_body(key_client: APIClient, livekit_sim: Any) -> None:
    room = create_room(key_client)
    body = {"roomId": room["roomId"], "secret": secret(room["speakerUrl"])}

    # A failure the real parts cannot produce on demand.
    with patch("rooms.participants.issue_token", side_effect=RuntimeError("boom")):
        response = APIClient().post("/internal-api/v1/participants/token", body, format="json")

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.json() == {
        "error": "Internal Server Error",
        "message": (
            f"Unexpected error while generating participant token for room '{room['roomId']}'"
        ),
    }


def test_an_invalid_auth_transport_mode_lists_the_values_in_the_contract_order(
    admin_client: APIClient,
) -> None:
    response = admin_client.put(
        "/internal-api/v1/config/security",
        {
            "authentication": {
                "authMethod": {"type": "single_user"},
                "authModeToAccessRoom": "none",
                "authTransportMode": "carrier-pigeon",
            }
        },
        format="json",
    )

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == {
        "error": "Unprocessable Entity",
        "message": "Invalid request",
        "details": [
            {
                "field": "authentication.authTransportMode",
                "message": (
                    "Invalid enum value. Expected 'cookie' | 'header', received 'carrier-pigeon'"
                ),
            }
        ],
    }
