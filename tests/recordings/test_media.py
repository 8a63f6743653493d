"""Streaming a recording's MP4 (ranges, headers, states) and the ZIP download (§4.11, §4.14),
and that both stream: memory does not grow with the size of what is sent."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
import requests
from rest_framework.test import APIClient

from meet.storage import get_object_store
from recordings.media import StreamBody
from tests.recordings.helpers import (
    OTHER_ROOM_ID,
    PUBLIC_SECRET,
    ROOM_ID,
    SAMPLE_MP4,
    UNAUTHORIZED,
    invalid,
    media_bytes,
    media_key,
    not_found,
    not_stopped,
    recording_token,
    store_recording,
    streamed,
    token_client,
    uid_of,
)

RECORDINGS = "/api/v1/recordings"
MIB = 1024 * 1024
INVALID_RANGE = "Invalid range header format. Expected: bytes=start-end"


def media_url(recording: dict[str, Any]) -> str:
    return f"{RECORDINGS}/{recording['recordingId']}/media"


# --- GET /recordings/{recordingId}/media ------------------------------------------------------


def test_without_a_range_the_whole_file_is_streamed(key_client: APIClient) -> None:
    recording = store_recording()

    response = key_client.get(media_url(recording))

    assert response.status_code == HTTPStatus.OK
    assert streamed(response) == SAMPLE_MP4
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(SAMPLE_MP4))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert not response.has_header("Content-Range")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_an_open_range_serves_a_five_mebibyte_portion(key_client: APIClient) -> None:
    data = media_bytes(6 * MIB)
    recording = store_recording(media=data)

    response = key_client.get(media_url(recording), HTTP_RANGE="bytes=0-")

    assert response.status_code == HTTPStatus.PARTIAL_CONTENT
    assert response["Content-Range"] == f"bytes 0-{5 * MIB - 1}/{6 * MIB}"
    assert response["Content-Length"] == str(5 * MIB)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert streamed(response) == data[: 5 * MIB]


def test_an_open_range_near_the_end_is_clamped(key_client: APIClient) -> None:
    data = media_bytes(6 * MIB)
    recording = store_recording(media=data)

    response = key_client.get(media_url(recording), HTTP_RANGE=f"bytes={5 * MIB}-")

    assert response.status_code == HTTPStatus.PARTIAL_CONTENT
    assert response["Content-Range"] == f"bytes {5 * MIB}-{6 * MIB - 1}/{6 * MIB}"
    assert streamed(response) == data[5 * MIB :]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=100-299", 100, 299),
        ("bytes=0-0", 0, 0),
        ("bytes=9999-9999", 9999, 9999),
        ("bytes=0-9999", 0, 9999),  # the whole file is still 206
        ("bytes=9000-50000", 9000, 9999),  # end clamped to the size
        ("bytes=007-010", 7, 10),
    ],
)
def test_a_range_serves_the_inclusive_slice(
    key_client: APIClient, header: str, start: int, end: int
) -> None:
    data = media_bytes(10_000)
    recording = store_recording(media=data)

    response = key_client.get(media_url(recording), HTTP_RANGE=header)

    assert response.status_code == HTTPStatus.PARTIAL_CONTENT
    assert response["Content-Range"] == f"bytes {start}-{end}/10000"
    assert response["Content-Length"] == str(end - start + 1)
    assert streamed(response) == data[start : end + 1]


@pytest.mark.parametrize(
    "header", ["bytes=10000-", "bytes=10000-20000", "bytes=99999999999999999999-1"]
)
def test_a_range_starting_past_the_end_is_not_satisfiable(
    key_client: APIClient, header: str
) -> None:
    recording = store_recording(media=media_bytes(10_000))

    response = key_client.get(media_url(recording), HTTP_RANGE=header)

    assert response.status_code == HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE
    assert response.json() == {
        "error": "Recording Error",
        "message": f"Recording '{recording['recordingId']}' range not satisfiable. File size: 10000",
    }
    assert not response.has_header("Content-Range")


def test_a_range_ending_before_its_start_sends_the_whole_file(key_client: APIClient) -> None:
    data = media_bytes(10_000)
    recording = store_recording(media=data)

    response = key_client.get(media_url(recording), HTTP_RANGE="bytes=100-50")

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Length"] == "10000"
    assert not response.has_header("Content-Range")
    assert streamed(response) == data


@pytest.mark.parametrize(
    "header",
    ["bytes=0-1,5-6", "bytes=-500", "bytes=a-b", "items=0-1", "bytes=0-1 ", "", "bytes=٣-"],
)
def test_malformed_ranges_are_rejected(key_client: APIClient, header: str) -> None:
    recording = store_recording()

    response = key_client.get(media_url(recording), HTTP_RANGE=header)

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(("headers.range", INVALID_RANGE))


def test_media_validation_reports_every_problem_before_authenticating(initialized: None) -> None:
    response = APIClient().get(
        f"{RECORDINGS}/nope/media?secret=a&secret=b", HTTP_RANGE="bytes=1-2,3-4"
    )

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(
        ("params.recordingId", "recordingId does not follow the expected format"),
        ("query.secret", "Expected string, received array"),
        ("headers.range", INVALID_RANGE),
    )


@pytest.mark.parametrize(
    "status", ["starting", "active", "ending", "failed", "aborted", "limit_reached"]
)
def test_only_complete_recordings_stream(key_client: APIClient, status: str) -> None:
    recording = store_recording(status=status)

    response = key_client.get(media_url(recording))

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == not_stopped(recording["recordingId"])


def test_media_of_an_unknown_recording_is_not_found(key_client: APIClient) -> None:
    recording_id = f"{ROOM_ID}--EG_missing--0123456789"

    response = key_client.get(f"{RECORDINGS}/{recording_id}/media")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == not_found(recording_id)


def test_missing_media_object_is_an_internal_error(key_client: APIClient) -> None:
    recording = store_recording(media=None)

    response = key_client.get(media_url(recording))

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.json() == {
        "error": "Internal Server Error",
        "message": "Unexpected error while getting object headers from S3",
    }


def test_an_empty_media_object_is_not_found(key_client: APIClient) -> None:
    recording = store_recording(media=b"")

    response = key_client.get(media_url(recording), HTTP_RANGE="bytes=0-")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == not_found(recording["recordingId"])


def test_media_with_the_public_secret_needs_no_credentials(initialized: None) -> None:
    recording = store_recording()

    response = APIClient().get(
        media_url(recording), {"secret": PUBLIC_SECRET}, HTTP_RANGE="bytes=4-7"
    )

    assert response.status_code == HTTPStatus.PARTIAL_CONTENT
    assert streamed(response) == SAMPLE_MP4[4:8]


def test_media_accepts_tokens_in_the_query(admin_tokens: dict[str, str]) -> None:
    recording = store_recording()
    token = recording_token()

    by_access_token = APIClient().get(media_url(recording), {"accessToken": admin_tokens["access"]})
    by_recording_token = APIClient().get(media_url(recording), {"recordingToken": token})

    assert by_access_token.status_code == HTTPStatus.OK
    assert streamed(by_access_token) == SAMPLE_MP4
    assert by_recording_token.status_code == HTTPStatus.OK
    assert streamed(by_recording_token) == SAMPLE_MP4


def test_media_without_credentials_is_unauthorized(initialized: None) -> None:
    recording = store_recording()

    response = APIClient().get(media_url(recording))

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED


def test_a_media_response_closed_unread_releases_its_storage_stream(
    key_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = store_recording(media=media_bytes(MIB))
    closed: list[StreamBody] = []
    close = StreamBody.close
    monkeypatch.setattr(StreamBody, "close", lambda body: (closed.append(body), close(body)))
    response = key_client.get(media_url(recording))

    response.close()

    assert len(closed) == 1
    assert len(streamed(key_client.get(media_url(recording)))) == MIB


# --- GET /recordings/download -----------------------------------------------------------------


def unzip(response: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(streamed(response)))


def test_the_zip_holds_each_recording_under_its_file_name(key_client: APIClient) -> None:
    first = store_recording(media=media_bytes(300_000))
    second = store_recording(OTHER_ROOM_ID, media=SAMPLE_MP4)

    response = key_client.get(
        f"{RECORDINGS}/download",
        {"recordingIds": f"{second['recordingId']},{first['recordingId']}"},
    )

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="recordings.zip"'
    assert not response.has_header("Content-Length")
    archive = unzip(response)
    assert archive.testzip() is None
    assert archive.namelist() == [second["filename"], first["filename"]]
    assert archive.read(first["filename"]) == media_bytes(300_000)
    assert archive.read(second["filename"]) == SAMPLE_MP4
    assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}


def test_the_zip_skips_unknown_unfinished_and_media_less_recordings(key_client: APIClient) -> None:
    kept = store_recording()
    active = store_recording(status="active")
    limit = store_recording(status="limit_reached")
    no_media = store_recording(media=None)
    unknown = f"{ROOM_ID}--EG_missing--0123456789"
    ids = [
        unknown,
        active["recordingId"],
        kept["recordingId"],
        limit["recordingId"],
        no_media["recordingId"],
    ]

    response = key_client.get(f"{RECORDINGS}/download", {"recordingIds": ",".join(ids)})

    assert response.status_code == HTTPStatus.OK
    assert unzip(response).namelist() == [kept["filename"]]


def test_a_zip_of_nothing_downloadable_is_an_empty_archive(key_client: APIClient) -> None:
    active = store_recording(status="active")

    response = key_client.get(f"{RECORDINGS}/download", {"recordingIds": active["recordingId"]})

    assert response.status_code == HTTPStatus.OK
    assert unzip(response).namelist() == []


def test_duplicate_ids_give_duplicate_entries(key_client: APIClient) -> None:
    recording = store_recording()
    recording_id = recording["recordingId"]

    response = key_client.get(
        f"{RECORDINGS}/download", {"recordingIds": f"{recording_id},{recording_id}"}
    )

    assert unzip(response).namelist() == [recording["filename"]] * 2


def test_an_entry_without_a_file_name_is_named_after_the_recording(key_client: APIClient) -> None:
    recording = store_recording(filename=None)

    response = key_client.get(f"{RECORDINGS}/download", {"recordingIds": recording["recordingId"]})

    assert unzip(response).namelist() == [f"{recording['recordingId']}.mp4"]


def test_a_recording_token_downloads_only_its_room(initialized: None) -> None:
    mine = store_recording()
    other = store_recording(OTHER_ROOM_ID)
    client = token_client(recording_token(ROOM_ID))

    response = client.get(
        f"{RECORDINGS}/download", {"recordingIds": f"{other['recordingId']},{mine['recordingId']}"}
    )

    assert response.status_code == HTTPStatus.OK
    assert unzip(response).namelist() == [mine["filename"]]


def test_a_recording_token_asking_only_for_other_rooms_is_a_bad_request(initialized: None) -> None:
    other = store_recording(OTHER_ROOM_ID)
    client = token_client(recording_token(ROOM_ID))

    response = client.get(f"{RECORDINGS}/download", {"recordingIds": other["recordingId"]})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "Recording Error",
        "message": f"None of the provided recording IDs belong to room '{ROOM_ID}'",
    }


def test_the_zip_validates_the_ids(key_client: APIClient) -> None:
    response = key_client.get(f"{RECORDINGS}/download", {"recordingIds": "a--EG_b--c,../../x"})

    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(
        ("recordingIds.1", "recordingId does not follow the expected format")
    )


def test_the_zip_needs_credentials(initialized: None) -> None:
    response = APIClient().get(f"{RECORDINGS}/download", {"recordingIds": "x"})

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED


# --- Memory: nothing is read whole ------------------------------------------------------------

BIG = 50 * MIB


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def separate_moto() -> Iterator[str]:
    """A moto server in its own process: the in-process one reads whole objects into memory
    for every GET, which would hide what our code does."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{endpoint}/moto-api/", timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def big_store(separate_moto: str, settings: Any) -> Any:
    settings.MEET_S3_SERVICE_ENDPOINT = separate_moto
    get_object_store.cache_clear()
    store = get_object_store()
    store.ensure_bucket()
    return store


def _peak_while_fetching(
    client: APIClient, url: str, query: dict[str, str] | None = None
) -> tuple[int, int]:
    """(bytes received, peak traced allocation) for a whole request: view and body."""
    tracemalloc.start()
    try:
        response = client.get(url, query)
        assert response.status_code == HTTPStatus.OK
        received = sum(len(chunk) for chunk in response.streaming_content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return received, peak


@pytest.mark.slow
def test_media_and_zip_stream_with_flat_memory(
    big_store: Any, initialized: None, api_key: str
) -> None:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    recordings = [
        store_recording(media=media_bytes(BIG) if index == 0 else None) for index in range(3)
    ]
    source = media_key(ROOM_ID, uid_of(recordings[0]))
    for recording in recordings[1:]:
        big_store.client.copy_object(
            Bucket=big_store.bucket,
            Key=big_store.full_key(media_key(ROOM_ID, uid_of(recording))),
            CopySource={"Bucket": big_store.bucket, "Key": big_store.full_key(source)},
        )
    ids = ",".join(recording["recordingId"] for recording in recordings)

    media_received, media_peak = _peak_while_fetching(client, media_url(recordings[0]))
    zip_received, zip_peak = _peak_while_fetching(
        client, f"{RECORDINGS}/download", {"recordingIds": ids}
    )

    assert media_received == BIG
    assert zip_received > 3 * BIG
    assert media_peak < 4 * MIB, f"peak {media_peak / MIB:.1f} MiB while streaming {BIG / MIB} MiB"
    assert zip_peak < 4 * MIB, f"peak {zip_peak / MIB:.1f} MiB while zipping {3 * BIG / MIB} MiB"
