"""Who may use the recordings API (§2.4, §2.10-2.11): the chain API key, admin, recording
token; recording tokens limited to their room and permissions; participant tokens refused."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.domain import API_USER, Principal
from accounts.tokens import issue_token
from meet.errors import InsufficientPermissionsError
from recordings import permissions as access
from tests.recordings.helpers import (
    FORBIDDEN,
    OTHER_ROOM_ID,
    ROOM_ID,
    UNAUTHORIZED,
    invalid,
    recording_token,
    store_recording,
    stored_objects,
    token_client,
)
from tests.rooms.helpers import create_room, participant_client, participant_token

RECORDINGS = "/api/v1/recordings"


def ids(response: Any) -> list[str]:
    return [item["recordingId"] for item in response.json()["recordings"]]


# --- The chain --------------------------------------------------------------------------------


def test_an_invalid_api_key_stops_the_chain_despite_a_valid_admin_token(
    admin_tokens: dict[str, str], api_key: str
) -> None:
    client = APIClient()
    client.credentials(
        HTTP_X_API_KEY="wrong", HTTP_AUTHORIZATION=f"Bearer {admin_tokens['access']}"
    )

    response = client.get(RECORDINGS)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"error": "Authentication Error", "message": "Invalid API key"}


def test_a_garbage_token_is_an_invalid_token(initialized: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer garbage")

    response = client.get(RECORDINGS)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"error": "Authentication Error", "message": "Invalid token"}


def test_participant_tokens_are_not_accepted(key_client: APIClient) -> None:
    room = create_room(key_client)
    store_recording(room["roomId"])
    client = participant_client(participant_token(room))

    for response in (
        client.get(RECORDINGS),
        client.get(f"{RECORDINGS}/{room['roomId']}--EG_abc--0123456789"),
    ):
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == UNAUTHORIZED


def test_a_recording_token_with_invalid_metadata_is_rejected(initialized: None) -> None:
    token = issue_token(ttl_seconds=60, metadata={"role": "speaker"}, video={"room": ROOM_ID})

    response = token_client(token).get(RECORDINGS)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "Recording", "message": "Invalid recording token"}


def test_recording_tokens_work_from_a_cookie_in_cookie_mode(admin_client: APIClient) -> None:
    recording = store_recording()
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
    token = recording_token()
    by_query = APIClient().get(RECORDINGS, {"recordingToken": token})
    client = APIClient()
    client.cookies["OvMeetRecordingToken"] = token

    by_cookie = client.get(RECORDINGS)

    assert by_query.status_code == HTTPStatus.UNAUTHORIZED
    assert by_cookie.status_code == HTTPStatus.OK
    assert ids(by_cookie) == [recording["recordingId"]]


# --- Recording tokens: room and permissions ---------------------------------------------------


def test_a_recording_token_lists_only_its_room_whatever_the_filter(initialized: None) -> None:
    mine = store_recording()
    store_recording(OTHER_ROOM_ID)
    client = token_client(recording_token())

    unfiltered = client.get(RECORDINGS)
    other_filter = client.get(RECORDINGS, {"roomId": OTHER_ROOM_ID})

    assert ids(unfiltered) == [mine["recordingId"]]
    assert ids(other_filter) == [mine["recordingId"]]


def test_a_recording_token_does_not_list_rooms_whose_id_extends_its_own(initialized: None) -> None:
    mine = store_recording("Daily-aaaaaaaaaaaaaaa")
    store_recording("Daily-aaaaaaaaaaaaaaa-b-ccccccccccccccc")
    client = token_client(recording_token("Daily-aaaaaaaaaaaaaaa"))

    response = client.get(RECORDINGS)

    assert ids(response) == [mine["recordingId"]]


def test_a_token_without_retrieve_permission_is_forbidden_before_validation(
    initialized: None,
) -> None:
    client = token_client(recording_token(can_retrieve=False))

    response = client.get(RECORDINGS, {"maxItems": "abc"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == FORBIDDEN


@pytest.mark.parametrize("suffix", ["", "/media", "/url"])
def test_a_recording_token_reads_recordings_of_its_room(initialized: None, suffix: str) -> None:
    recording = store_recording()
    client = token_client(recording_token())

    response = client.get(f"{RECORDINGS}/{recording['recordingId']}{suffix}")

    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("suffix", ["", "/media", "/url"])
def test_a_recording_token_cannot_read_another_rooms_recording(
    initialized: None, suffix: str
) -> None:
    other = store_recording(OTHER_ROOM_ID)
    client = token_client(recording_token())

    response = client.get(f"{RECORDINGS}/{other['recordingId']}{suffix}")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == FORBIDDEN


@pytest.mark.parametrize("suffix", ["", "/media", "/url"])
def test_a_recording_token_without_retrieve_permission_reads_nothing(
    initialized: None, suffix: str
) -> None:
    recording = store_recording()
    client = token_client(recording_token(can_retrieve=False))

    response = client.get(f"{RECORDINGS}/{recording['recordingId']}{suffix}")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == FORBIDDEN


def test_a_recording_token_without_retrieve_permission_downloads_nothing(
    initialized: None,
) -> None:
    recording = store_recording()
    client = token_client(recording_token(can_retrieve=False))

    response = client.get(f"{RECORDINGS}/download", {"recordingIds": recording["recordingId"]})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == FORBIDDEN


def test_a_recording_token_with_delete_permission_deletes_in_its_room(initialized: None) -> None:
    recording = store_recording()
    client = token_client(recording_token(can_delete=True, role="moderator"))

    response = client.delete(f"{RECORDINGS}/{recording['recordingId']}")

    assert response.status_code == HTTPStatus.OK
    assert stored_objects(recording)["metadata"] is False


@pytest.mark.parametrize(("room_id", "can_delete"), [(OTHER_ROOM_ID, True), (ROOM_ID, False)])
def test_a_recording_token_cannot_delete_elsewhere_or_without_permission(
    initialized: None, room_id: str, can_delete: bool
) -> None:
    recording = store_recording(room_id)
    client = token_client(recording_token(can_delete=can_delete))

    response = client.delete(f"{RECORDINGS}/{recording['recordingId']}")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == FORBIDDEN
    assert stored_objects(recording)["metadata"] is True


def test_bulk_delete_with_a_recording_token_fails_other_rooms_items(initialized: None) -> None:
    mine = store_recording()
    other = store_recording(OTHER_ROOM_ID)
    client = token_client(recording_token(can_delete=True, role="moderator"))

    response = client.delete(
        f"{RECORDINGS}?recordingIds={other['recordingId']},{mine['recordingId']}"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "message": "1 recording(s) could not be deleted",
        "deleted": [mine["recordingId"]],
        "failed": [
            {
                "recordingId": other["recordingId"],
                "error": f"Recording '{other['recordingId']}' does not belong to room '{ROOM_ID}'",
            }
        ],
    }
    assert stored_objects(other)["metadata"] is True


def test_bulk_delete_validates_before_checking_the_delete_permission(initialized: None) -> None:
    client = token_client(recording_token(can_delete=False))

    invalid_ids = client.delete(f"{RECORDINGS}?recordingIds=nope")
    valid_ids = client.delete(f"{RECORDINGS}?recordingIds={ROOM_ID}--EG_abc--0123456789")

    assert invalid_ids.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert invalid_ids.json() == invalid(
        ("recordingIds.0", "recordingId does not follow the expected format")
    )
    assert valid_ids.status_code == HTTPStatus.FORBIDDEN
    assert valid_ids.json() == FORBIDDEN


def test_a_recording_token_without_a_room_opens_nothing(initialized: None) -> None:
    store_recording()
    token = issue_token(
        ttl_seconds=60,
        metadata={
            "role": "moderator",
            "recordingPermissions": {"canRetrieveRecordings": True, "canDeleteRecordings": True},
        },
    )

    response = token_client(token).get(RECORDINGS)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == FORBIDDEN


def test_tokens_from_the_recording_token_endpoint_follow_the_room_config(
    initialized: None,
) -> None:
    recording = store_recording(allow_access_to="admin_moderator_speaker")
    issued = APIClient().post(
        f"/internal-api/v1/rooms/{ROOM_ID}/recording-token",
        {"secret": "364e0137c5"},  # the archived speaker secret
        format="json",
    )
    assert issued.status_code == HTTPStatus.OK, issued.content
    client = token_client(issued.json()["token"])

    listed = client.get(RECORDINGS)
    deleted = client.delete(f"{RECORDINGS}/{recording['recordingId']}")

    assert ids(listed) == [recording["recordingId"]]
    assert deleted.status_code == HTTPStatus.FORBIDDEN


# --- The checks themselves --------------------------------------------------------------------


def _token_principal(room: str | None, *, retrieve: bool, delete: bool) -> Principal:
    claims: dict[str, Any] = {
        "_metadata": {
            "role": "speaker",
            "recordingPermissions": {
                "canRetrieveRecordings": retrieve,
                "canDeleteRecordings": delete,
            },
        }
    }
    if room is not None:
        claims["video"] = {"room": room}
    return Principal(kind="recording", username="", roles=(), claims=claims)


def test_unrestricted_callers_pass_every_check() -> None:
    access.check_can_retrieve(API_USER, ROOM_ID)
    access.check_can_delete(API_USER, ROOM_ID)
    assert access.token_room(API_USER) is None


def test_recording_token_checks_compare_room_and_permission() -> None:
    reader = _token_principal(ROOM_ID, retrieve=True, delete=False)

    access.check_can_retrieve(reader, ROOM_ID)
    access.check_can_retrieve(reader)
    assert access.token_room(reader) == ROOM_ID
    with pytest.raises(InsufficientPermissionsError):
        access.check_can_retrieve(reader, OTHER_ROOM_ID)
    with pytest.raises(InsufficientPermissionsError):
        access.check_can_delete(reader, ROOM_ID)
    with pytest.raises(InsufficientPermissionsError):
        access.token_room(_token_principal(None, retrieve=True, delete=True))
