"""The duration an MP4 gives of itself (``mvhd``), read with a few ranged reads: what the
reconciler stores for a recording LiveKit no longer knows but whose file is in storage."""

from __future__ import annotations

import struct

import pytest

from recordings.domain import parse_recording_id
from recordings.media import media_duration_seconds, mp4_duration_seconds
from tests.livekit_sim.media import mp4_bytes, top_level_boxes
from tests.recordings.helpers import store_recording


class Reader:
    """``read(start, end)`` over bytes, counting the reads and the bytes read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reads: list[tuple[int, int]] = []

    def __call__(self, start: int, end: int) -> bytes:
        self.reads.append((start, end))
        return self.data[start : end + 1]

    @property
    def bytes_read(self) -> int:
        return sum(end - start + 1 for start, end in self.reads)


def boxes(data: bytes) -> dict[str, bytes]:
    return {kind: data[offset : offset + size] for kind, offset, size in top_level_boxes(data)}


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def test_a_faststart_file_is_read_from_its_start() -> None:
    data = mp4_bytes(2_000_000)
    reader = Reader(data)
    assert mp4_duration_seconds(reader, len(data)) == 2.0
    assert reader.bytes_read < 3_000  # box headers and the moov box, never the media


def test_moov_after_the_media_data_is_found_by_skipping_box_by_box() -> None:
    parts = boxes(mp4_bytes(2_000_000))
    data = parts["ftyp"] + parts["mdat"] + parts["moov"]
    reader = Reader(data)
    assert mp4_duration_seconds(reader, len(data)) == 2.0
    assert len(reader.reads) == 4 and reader.bytes_read < 3_000


def test_a_64_bit_box_size_is_followed() -> None:
    parts = boxes(mp4_bytes(100_000))
    mdat_payload = parts["mdat"][8:]
    large_mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + len(mdat_payload)) + mdat_payload
    data = parts["ftyp"] + large_mdat + parts["moov"]
    assert mp4_duration_seconds(Reader(data), len(data)) == 2.0


def test_a_version_1_movie_header_is_read() -> None:
    mvhd = box(b"mvhd", bytes([1, 0, 0, 0]) + struct.pack(">QQIQ", 0, 0, 1000, 5_400_123))
    data = box(b"ftyp", b"isom\x00\x00\x02\x00") + box(b"moov", mvhd)
    assert mp4_duration_seconds(Reader(data), len(data)) == 5400.123


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an mp4 file at all, just text",
        box(b"ftyp", b"isom") + box(b"mdat", b"\x00" * 100),  # no moov
        box(b"ftyp", b"isom") + struct.pack(">I4s", 4, b"moov"),  # a size smaller than a header
    ],
    ids=["empty", "text", "no-moov", "bad-size"],
)
def test_what_is_not_a_readable_mp4_has_no_duration(data: bytes) -> None:
    assert mp4_duration_seconds(Reader(data), len(data)) is None


def test_the_stored_media_of_a_recording_is_read_from_storage() -> None:
    media = mp4_bytes(500_000)
    stored = store_recording(status="active", media=media)
    recording_id = parse_recording_id(stored["recordingId"])
    assert recording_id is not None
    assert media_duration_seconds(recording_id, len(media)) == 2.0
    truncated = store_recording(status="active", media=media[:40])  # the moov box is cut
    truncated_id = parse_recording_id(truncated["recordingId"])
    assert truncated_id is not None
    assert media_duration_seconds(truncated_id, 40) is None
