"""Ranged streaming reads of media objects, on S3 and locally."""

from __future__ import annotations

from typing import Any

import pytest

MEDIA_KEY = "recordings/r/r--0123456789.mp4"
MEDIA = bytes(range(256)) * 4  # 1024 bytes


@pytest.fixture
def media(object_store: Any) -> bytes:
    object_store.put_bytes(MEDIA_KEY, MEDIA)
    return MEDIA


def test_a_whole_object_streams_in_chunks(object_store: Any, media: bytes) -> None:
    stream = object_store.open_stream(MEDIA_KEY)

    chunks = list(stream.iter_chunks(100))

    assert stream.content_length == len(media)
    assert b"".join(chunks) == media
    assert max(len(chunk) for chunk in chunks) <= 100


def test_a_range_streams_exactly_the_inclusive_slice(object_store: Any, media: bytes) -> None:
    stream = object_store.open_stream(MEDIA_KEY, (100, 299))

    assert stream.content_length == 200
    assert b"".join(stream.iter_chunks(64)) == media[100:300]


def test_a_one_byte_range_at_the_end_streams_the_last_byte(object_store: Any, media: bytes) -> None:
    stream = object_store.open_stream(MEDIA_KEY, (1023, 1023))

    assert stream.content_length == 1
    assert b"".join(stream.iter_chunks()) == media[-1:]


def test_a_range_ending_past_the_size_is_clamped(object_store: Any, media: bytes) -> None:
    stream = object_store.open_stream(MEDIA_KEY, (1000, 5000))

    assert stream.content_length == 24
    assert b"".join(stream.iter_chunks()) == media[1000:]


def test_streaming_a_missing_object_returns_none(object_store: Any) -> None:
    assert object_store.open_stream("recordings/r/r--missing.mp4") is None
    assert object_store.open_stream("recordings/r/r--missing.mp4", (0, 10)) is None


def test_a_stream_can_be_closed_without_being_read(object_store: Any, media: bytes) -> None:
    stream = object_store.open_stream(MEDIA_KEY, (0, 9))

    stream.close()
