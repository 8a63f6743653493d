"""The S3 read timeout bounds each read, not a download: a media stream or a ZIP that a slow
client takes many read timeouts to consume arrives whole."""

from __future__ import annotations

import io
import time
import zipfile
from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from meet.storage import get_object_store
from tests.recordings.helpers import OTHER_ROOM_ID, media_bytes, store_recording

pytestmark = pytest.mark.slow

SIZE = 3 * 1024 * 1024
READ_TIMEOUT = 0.3
PAUSE = 0.05  # per 64 kB chunk: the download lasts about 48 x 0.05 s = 2.4 s, 8 read timeouts


def slowly(response: Any) -> tuple[bytes, float]:
    started = time.monotonic()
    parts = []
    for chunk in response.streaming_content:
        parts.append(chunk)
        time.sleep(PAUSE * len(chunk) / 65536)
    return b"".join(parts), time.monotonic() - started


def short_read_timeout(settings: Any) -> None:
    settings.MEET_S3_READ_TIMEOUT = READ_TIMEOUT
    get_object_store.cache_clear()


def test_a_slowly_read_media_stream_is_not_cut_by_the_read_timeout(
    key_client: APIClient, settings: Any
) -> None:
    short_read_timeout(settings)
    recording = store_recording(media=media_bytes(SIZE))

    response = key_client.get(
        f"/api/v1/recordings/{recording['recordingId']}/media", HTTP_RANGE=f"bytes=0-{SIZE - 1}"
    )
    body, seconds = slowly(response)

    assert response.status_code == HTTPStatus.PARTIAL_CONTENT
    assert seconds > 5 * READ_TIMEOUT
    assert body == media_bytes(SIZE)


def test_a_slowly_read_zip_is_not_cut_by_the_read_timeout(
    key_client: APIClient, settings: Any
) -> None:
    short_read_timeout(settings)
    first = store_recording(media=media_bytes(SIZE // 2))
    second = store_recording(OTHER_ROOM_ID, media=media_bytes(SIZE // 2))

    response = key_client.get(
        "/api/v1/recordings/download",
        {"recordingIds": f"{first['recordingId']},{second['recordingId']}"},
    )
    body, seconds = slowly(response)

    assert response.status_code == HTTPStatus.OK
    assert seconds > 5 * READ_TIMEOUT
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.read(first["filename"]) == media_bytes(SIZE // 2)
    assert archive.read(second["filename"]) == media_bytes(SIZE // 2)
