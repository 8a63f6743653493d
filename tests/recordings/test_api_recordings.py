"""Public recordings API: list, get, delete (one and bulk), share URL (§4.9, 4.10, 4.12, 4.13,
4.15). Media and ZIP are in test_media.py, authentication and permissions in test_access.py."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from unittest.mock import patch

import pytest
from botocore.exceptions import ClientError
from rest_framework.test import APIClient

from meet.storage import get_object_store
from tests.recordings.helpers import (
    OTHER_ROOM_ID,
    PRIVATE_SECRET,
    PUBLIC_SECRET,
    ROOM_ID,
    UNAUTHORIZED,
    archived_room_key,
    invalid,
    not_found,
    not_stopped,
    store_recording,
    stored_objects,
)

RECORDINGS = "/api/v1/recordings"
FORMAT = "recordingId does not follow the expected format"


def ids(response: Any) -> list[str]:
    return [item["recordingId"] for item in response.json()["recordings"]]


# --- GET /recordings --------------------------------------------------------------------------


def test_listing_an_empty_store_returns_no_recordings(key_client: APIClient) -> None:
    response = key_client.get(RECORDINGS)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "recordings": [],
        "pagination": {"isTruncated": False, "maxItems": 10},
    }


def test_listing_returns_the_stored_documents_in_key_order(key_client: APIClient) -> None:
    second = store_recording(egress_id="EG_bbb", uid="0000000002")
    first = store_recording(egress_id="EG_aaa", uid="0000000001")
    other = store_recording(OTHER_ROOM_ID, egress_id="EG_ccc", status="active")

    response = key_client.get(RECORDINGS)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["recordings"] == [first, second, other]
    assert list(response.json()["recordings"][0]) == [
        "recordingId", "roomId", "roomName", "status", "filename",
        "startDate", "endDate", "duration", "size", "details",
    ]  # fmt: skip


def test_listing_with_an_admin_access_token(admin_client: APIClient) -> None:
    recording = store_recording()

    response = admin_client.get(RECORDINGS)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["recordings"] == [recording]


def test_the_room_filter_is_a_prefix_of_the_room_id(key_client: APIClient) -> None:
    mine = store_recording("Daily-aaaaaaaaaaaaaaa")
    longer = store_recording("Daily-aaaaaaaaaaaaaaa-b-ccccccccccccccc")
    store_recording("Weekly-ddddddddddddddd")

    response = key_client.get(RECORDINGS, {"roomId": " Daily-aaaaaaaaaaaaaaa "})

    assert response.status_code == HTTPStatus.OK
    # storage-key order: "-" sorts before the "/" that ends the shorter room id
    assert ids(response) == [longer["recordingId"], mine["recordingId"]]


def test_fields_keep_only_the_named_properties_in_order(key_client: APIClient) -> None:
    recording = store_recording()

    response = key_client.get(RECORDINGS, {"fields": " status , recordingId,unknown"})

    assert response.json()["recordings"] == [
        {"status": "complete", "recordingId": recording["recordingId"]}
    ]


def test_pages_follow_the_continuation_token(key_client: APIClient) -> None:
    stored = [
        store_recording(egress_id=f"EG_{index}", uid=f"000000000{index}") for index in range(5)
    ]

    first = key_client.get(RECORDINGS, {"maxItems": "2"}).json()
    second = key_client.get(
        RECORDINGS, {"maxItems": "2", "nextPageToken": first["pagination"]["nextPageToken"]}
    ).json()
    third = key_client.get(
        RECORDINGS, {"maxItems": "2", "nextPageToken": second["pagination"]["nextPageToken"]}
    ).json()

    assert first["pagination"]["isTruncated"] is True
    assert first["pagination"]["maxItems"] == 2
    assert third["pagination"] == {"isTruncated": False, "maxItems": 2}
    listed = [item["recordingId"] for page in (first, second, third) for item in page["recordings"]]
    assert listed == [recording["recordingId"] for recording in stored]


def test_max_items_is_floored_and_capped(key_client: APIClient) -> None:
    assert key_client.get(RECORDINGS, {"maxItems": "2.7"}).json()["pagination"]["maxItems"] == 2
    assert key_client.get(RECORDINGS, {"maxItems": "500"}).json()["pagination"]["maxItems"] == 100


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ({"maxItems": "abc"}, [("maxItems", "Expected number, received nan")]),
        ({"maxItems": "0"}, [("maxItems", "maxItems must be a positive number")]),
        ({"fields": ["a", "b"]}, [("fields", "Expected string, received array")]),
        (
            {"roomId": ""},
            [
                ("roomId", "roomId is required and cannot be empty"),
                ("roomId", "roomId cannot be empty after sanitization"),
            ],
        ),
        ({"roomId": "x" * 101}, [("roomId", "roomId cannot exceed 100 characters")]),
    ],
)
def test_invalid_list_queries_are_rejected(
    key_client: APIClient, query: dict[str, Any], details: list[tuple[str, str]]
) -> None:
    response = key_client.get(RECORDINGS, query)

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(*details)


def test_a_page_token_storage_refuses_is_a_client_error(key_client: APIClient) -> None:
    # Was a 500 (the reference's outcome); issue 10 makes it a client error (docs/compatibility.md).
    # Real S3 answers 400 InvalidArgument for a forged token; moto cannot produce that.
    store_recording()
    refused = ClientError(
        {"Error": {"Code": "InvalidArgument", "Message": "The continuation token is incorrect"}},
        "ListObjectsV2",
    )

    with patch.object(get_object_store().client, "list_objects_v2", side_effect=refused):
        response = key_client.get(RECORDINGS, {"nextPageToken": "forged"})

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(("nextPageToken", "Invalid page token"))


def test_listing_without_credentials_is_unauthorized(initialized: None) -> None:
    response = APIClient().get(RECORDINGS)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED


# --- GET /recordings/{recordingId} ------------------------------------------------------------


def test_get_recording_returns_the_stored_document(key_client: APIClient) -> None:
    recording = store_recording()

    response = key_client.get(f"{RECORDINGS}/{recording['recordingId']}")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == recording


def test_get_recording_with_fields(key_client: APIClient) -> None:
    recording = store_recording()

    response = key_client.get(f"{RECORDINGS}/{recording['recordingId']}", {"fields": "size,status"})

    assert response.json() == {"size": recording["size"], "status": "complete"}


def test_get_recording_accepts_fields_as_a_list(key_client: APIClient) -> None:
    recording = store_recording()

    response = key_client.get(f"{RECORDINGS}/{recording['recordingId']}?fields=status&fields=size")

    assert response.json() == {"status": "complete", "size": recording["size"]}


def test_the_room_part_of_a_path_id_is_sanitised(key_client: APIClient) -> None:
    recording = store_recording(egress_id="EG_abc", uid="0123456789")

    response = key_client.get(f"{RECORDINGS}/%20Daily sync-8f3k2j9x0q1w2e3--EG_abc--0123456789%20")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == recording


def test_get_unknown_recording_is_not_found(key_client: APIClient) -> None:
    response = key_client.get(f"{RECORDINGS}/{ROOM_ID}--EG_missing--0123456789")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == not_found(f"{ROOM_ID}--EG_missing--0123456789")


@pytest.mark.parametrize(
    ("recording_id", "messages"),
    [
        ("abc", [FORMAT]),
        (f"{ROOM_ID}--EG_--0123456789", [FORMAT]),
        (f"{ROOM_ID}--XX_abc--0123456789", [FORMAT]),
        (f"{ROOM_ID}--EG_abc--", [FORMAT]),
        (f"{ROOM_ID}--EG_abc--01--23", [FORMAT]),
        ("%20", ["recordingId cannot be empty after sanitization", FORMAT]),
        ("..--EG_abc--0123456789", [FORMAT]),
        (f"{ROOM_ID}--EG_abc--..", [FORMAT]),
        (f"{ROOM_ID}--EG_abc--x.json", [FORMAT]),
        (f"{ROOM_ID}--EG_a%5Cb--0123456789", [FORMAT]),
    ],
)
def test_malformed_path_ids_are_rejected_before_authentication(
    initialized: None, recording_id: str, messages: list[str]
) -> None:
    response = APIClient().get(f"{RECORDINGS}/{recording_id}")

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(*[("params.recordingId", message) for message in messages])


def test_a_path_id_with_slashes_matches_no_route(key_client: APIClient) -> None:
    store_recording(egress_id="EG_abc", uid="0123456789")

    response = key_client.get(f"{RECORDINGS}/{ROOM_ID}--EG_abc--..%2F..%2Fapi_keys.json")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"error": "Path Not Found", "message": "API path not implemented"}


def test_a_non_string_secret_is_rejected(key_client: APIClient) -> None:
    recording = store_recording()

    response = key_client.get(f"{RECORDINGS}/{recording['recordingId']}?secret=a&secret=b")

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(("query.secret", "Expected string, received array"))


def test_the_public_secret_opens_a_recording_to_anyone(initialized: None) -> None:
    recording = store_recording()

    response = APIClient().get(
        f"{RECORDINGS}/{recording['recordingId']}", {"secret": PUBLIC_SECRET}
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json() == recording


def test_the_private_secret_needs_a_logged_in_user(admin_client: APIClient) -> None:
    recording = store_recording()
    url = f"{RECORDINGS}/{recording['recordingId']}"

    anonymous = APIClient().get(url, {"secret": PRIVATE_SECRET})
    logged_in = admin_client.get(url, {"secret": PRIVATE_SECRET})

    assert anonymous.status_code == HTTPStatus.UNAUTHORIZED
    assert anonymous.json() == UNAUTHORIZED
    assert logged_in.status_code == HTTPStatus.OK
    assert logged_in.json() == recording


def test_an_unknown_secret_is_a_bad_request(initialized: None) -> None:
    recording = store_recording()

    response = APIClient().get(f"{RECORDINGS}/{recording['recordingId']}", {"secret": "nope"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "Recording Error",
        "message": f"Secret 'nope' is not recognized for recording '{recording['recordingId']}'",
    }


def test_a_secret_for_a_recording_without_secrets_is_not_found(initialized: None) -> None:
    recording = store_recording(public_secret=None, private_secret=None)

    response = APIClient().get(
        f"{RECORDINGS}/{recording['recordingId']}", {"secret": PUBLIC_SECRET}
    )

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == not_found(recording["recordingId"])


def test_an_empty_secret_falls_back_to_the_normal_chain(initialized: None) -> None:
    recording = store_recording()

    response = APIClient().get(f"{RECORDINGS}/{recording['recordingId']}", {"secret": ""})

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED


# --- DELETE /recordings/{recordingId} ---------------------------------------------------------


@pytest.mark.parametrize("status", ["complete", "failed", "aborted", "limit_reached"])
def test_deleting_a_finished_recording_removes_everything(
    key_client: APIClient, status: str
) -> None:
    recording = store_recording(status=status)

    response = key_client.delete(f"{RECORDINGS}/{recording['recordingId']}")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "message": f"Recording '{recording['recordingId']}' deleted successfully"
    }
    assert stored_objects(recording) == {"metadata": False, "secrets": False, "media": False}
    assert key_client.get(f"{RECORDINGS}/{recording['recordingId']}").status_code == 404
    assert not get_object_store().exists(archived_room_key(ROOM_ID))


def test_deleting_one_of_several_recordings_keeps_the_archived_room(key_client: APIClient) -> None:
    recording = store_recording()
    other = store_recording()

    key_client.delete(f"{RECORDINGS}/{recording['recordingId']}")

    assert get_object_store().exists(archived_room_key(ROOM_ID))
    assert stored_objects(other) == {"metadata": True, "secrets": True, "media": True}


@pytest.mark.parametrize("status", ["starting", "active", "ending"])
def test_deleting_an_unfinished_recording_conflicts(key_client: APIClient, status: str) -> None:
    recording = store_recording(status=status)

    response = key_client.delete(f"{RECORDINGS}/{recording['recordingId']}")

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == not_stopped(recording["recordingId"])
    assert stored_objects(recording) == {"metadata": True, "secrets": True, "media": True}


def test_deleting_an_unknown_recording_is_not_found(key_client: APIClient) -> None:
    response = key_client.delete(f"{RECORDINGS}/{ROOM_ID}--EG_missing--0123456789")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == not_found(f"{ROOM_ID}--EG_missing--0123456789")


def test_deleting_a_malformed_id_reports_the_field_recording_id(key_client: APIClient) -> None:
    response = key_client.delete(f"{RECORDINGS}/{ROOM_ID}--EG_x--..")

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(("recordingId", FORMAT))


def test_deleting_authenticates_before_validating(initialized: None) -> None:
    response = APIClient().delete(f"{RECORDINGS}/not-an-id")

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED


# --- DELETE /recordings -----------------------------------------------------------------------


def test_bulk_deleting_finished_recordings(key_client: APIClient) -> None:
    first = store_recording()
    second = store_recording(OTHER_ROOM_ID, status="failed")

    response = key_client.delete(
        f"{RECORDINGS}?recordingIds={first['recordingId']}, {second['recordingId']},"
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "message": "All recordings deleted successfully",
        "deleted": [first["recordingId"], second["recordingId"]],
    }
    for recording in (first, second):
        assert stored_objects(recording) == {"metadata": False, "secrets": False, "media": False}
    assert not get_object_store().exists(archived_room_key(ROOM_ID))
    assert not get_object_store().exists(archived_room_key(OTHER_ROOM_ID))


def test_bulk_delete_reports_each_failure_with_its_message(key_client: APIClient) -> None:
    done = store_recording()
    active = store_recording(status="active")
    missing = f"{ROOM_ID}--EG_missing--0123456789"

    response = key_client.delete(
        RECORDINGS,
        QUERY_STRING=f"recordingIds={missing},{done['recordingId']},{active['recordingId']}",
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "message": "2 recording(s) could not be deleted",
        "deleted": [done["recordingId"]],
        "failed": [
            {"recordingId": missing, "error": f"Recording '{missing}' not found"},
            {
                "recordingId": active["recordingId"],
                "error": f"Recording '{active['recordingId']}' is not stopped yet",
            },
        ],
    }
    assert stored_objects(done) == {"metadata": False, "secrets": False, "media": False}
    assert stored_objects(active) == {"metadata": True, "secrets": True, "media": True}
    assert get_object_store().exists(archived_room_key(ROOM_ID))


def test_bulk_delete_where_everything_fails_deletes_nothing(key_client: APIClient) -> None:
    active = store_recording(status="active")

    response = key_client.delete(f"{RECORDINGS}?recordingIds={active['recordingId']}")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "message": "1 recording(s) could not be deleted",
        "deleted": [],
        "failed": [
            {
                "recordingId": active["recordingId"],
                "error": not_stopped(active["recordingId"])["message"],
            }
        ],
    }


def test_bulk_delete_deletes_duplicates_once(key_client: APIClient) -> None:
    recording = store_recording()
    recording_id = recording["recordingId"]

    response = key_client.delete(
        f"{RECORDINGS}?recordingIds={recording_id},{recording_id}, {recording_id}"
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "message": "All recordings deleted successfully",
        "deleted": [recording_id],
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "recordingIds=",
        "recordingIds=%20,%20,",
        "recordingIds=a&recordingIds=b",
        "recordingIds[]=a",
    ],
)
def test_bulk_delete_needs_one_comma_separated_string(key_client: APIClient, query: str) -> None:
    response = key_client.delete(RECORDINGS, QUERY_STRING=query)

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(
        ("recordingIds", "recordingIds must contain at least one item")
    )


def test_bulk_delete_reports_invalid_items_by_index(key_client: APIClient) -> None:
    recording = store_recording()

    response = key_client.delete(
        RECORDINGS,
        QUERY_STRING=f"recordingIds={recording['recordingId']},,bad,{ROOM_ID}--EG_x--../x",
    )

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(("recordingIds.1", FORMAT), ("recordingIds.2", FORMAT))
    assert stored_objects(recording)["metadata"] is True


def test_bulk_delete_authenticates_before_validating(initialized: None) -> None:
    response = APIClient().delete(RECORDINGS)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED


# --- GET /recordings/{recordingId}/url --------------------------------------------------------


def test_the_share_url_uses_the_public_secret_by_default(key_client: APIClient) -> None:
    recording = store_recording()

    response = key_client.get(f"{RECORDINGS}/{recording['recordingId']}/url")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "url": f"http://testserver/recording/{recording['recordingId']}?secret={PUBLIC_SECRET}"
    }


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("true", PRIVATE_SECRET),
        ("TRUE", PRIVATE_SECRET),
        ("yes", PUBLIC_SECRET),
        ("false", PUBLIC_SECRET),
        ("", PUBLIC_SECRET),
    ],
)
def test_private_access_is_true_only_for_the_string_true(
    key_client: APIClient, value: str, secret: str
) -> None:
    recording = store_recording()

    response = key_client.get(
        f"{RECORDINGS}/{recording['recordingId']}/url",
        {"privateAccess": value},
        HTTP_HOST="meet.example.com",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert response.json() == {
        "url": f"https://meet.example.com/recording/{recording['recordingId']}?secret={secret}"
    }


def test_a_repeated_private_access_is_rejected(key_client: APIClient) -> None:
    recording = store_recording()

    response = key_client.get(
        f"{RECORDINGS}/{recording['recordingId']}/url?privateAccess=true&privateAccess=true"
    )

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(("query.privateAccess", "Expected boolean, received array"))


def test_the_share_url_of_a_recording_without_secrets_is_not_found(key_client: APIClient) -> None:
    recording = store_recording(public_secret=None, private_secret=None)

    response = key_client.get(f"{RECORDINGS}/{recording['recordingId']}/url")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == not_found(recording["recordingId"])


def test_the_share_url_validates_the_id(key_client: APIClient) -> None:
    response = key_client.get(f"{RECORDINGS}/nope/url")

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(("params.recordingId", FORMAT))


def test_the_share_url_authenticates_before_validating(initialized: None) -> None:
    response = APIClient().get(f"{RECORDINGS}/nope/url")

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED


def test_routes_are_case_insensitive_and_tolerate_a_trailing_slash(key_client: APIClient) -> None:
    recording = store_recording()

    response = key_client.get(f"/API/v1/Recordings/{recording['recordingId']}/URL/")

    assert response.status_code == HTTPStatus.OK
