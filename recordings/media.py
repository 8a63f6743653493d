"""Recording media: ranged MP4 streaming and the ZIP of several recordings (§4.11, §4.14).

Both stream from storage chunk by chunk: memory stays flat whatever the file size. What can
fail before the first byte (unknown recording, wrong state, bad range) is raised here, while
the view can still answer with a JSON error; what is read lazily afterwards (the ZIP's entries)
can only be skipped or end the stream.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from zipstream import ZIP_STORED, ZipStream

from meet.errors import InternalError, MeetError
from meet.storage import ObjectStream
from recordings import selectors
from recordings.domain import RecordingId, RecordingStatus
from recordings.errors import (
    RangeNotSatisfiableError,
    RecordingNotFoundError,
    RecordingNotStoppedError,
)
from recordings.repository import RecordingRepository

logger = logging.getLogger(__name__)

# ``bytes=S-`` serves at most this much (the reference's 5 MiB portion).
DEFAULT_PORTION_SIZE = 5 * 1024 * 1024
# Bytes read from storage per chunk: large enough to keep per-chunk overhead negligible, small
# enough that memory does not depend on the file size.
CHUNK_SIZE = 1024 * 1024

_recordings = RecordingRepository()


class StreamBody:
    """A storage stream as a response body. ``close()`` releases the storage connection even
    when the body was never iterated (a HEAD request, a client that went away)."""

    def __init__(self, stream: ObjectStream, chunk_size: int = CHUNK_SIZE) -> None:
        self._stream = stream
        self._chunk_size = chunk_size

    def __iter__(self) -> Iterator[bytes]:
        return self._stream.iter_chunks(self._chunk_size)

    def close(self) -> None:
        self._stream.close()


@dataclass(frozen=True, slots=True)
class MediaPortion:
    """What ``GET /media`` sends: bytes ``start..end`` (inclusive) of a ``size``-byte file."""

    body: StreamBody
    size: int
    start: int
    end: int
    partial: bool  # a valid Range was honoured: 206 with Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def open_recording_media(
    recording_id: RecordingId, byte_range: tuple[int, int | None] | None = None
) -> MediaPortion:
    """The recording's MP4, whole or the requested range (§4.14, behavior.md §1.8, §3.8).

    Only ``complete`` recordings stream (409 otherwise). ``bytes=S-`` means up to 5 MiB; the end
    is clamped to the file; a start past the end is 416; a range that ends before it starts
    is ignored (the whole file is sent).
    """
    recording = selectors.get_recording(recording_id)
    if recording.status != RecordingStatus.COMPLETE:
        raise RecordingNotStoppedError(str(recording_id))
    info = _recordings.media_info(recording_id)
    if info is None:
        raise InternalError("getting object headers from S3")
    if info.size == 0:
        raise RecordingNotFoundError(str(recording_id))
    size = info.size
    start, end, partial = 0, size - 1, False
    if byte_range is not None:
        requested_start, requested_end = byte_range
        if requested_start >= size:
            raise RangeNotSatisfiableError(str(recording_id), size)
        if requested_end is None:
            requested_end = requested_start + DEFAULT_PORTION_SIZE - 1
        clamped_end = min(requested_end, size - 1)
        if requested_start <= clamped_end:
            start, end, partial = requested_start, clamped_end, True
    stream = _recordings.open_media(recording_id, (start, end) if partial else None)
    if stream is None:  # deleted between the two requests
        raise InternalError("getting recording media from S3")
    return MediaPortion(body=StreamBody(stream), size=size, start=start, end=end, partial=partial)


def _open_zip_entry(recording_id: RecordingId) -> tuple[str, ObjectStream] | None:
    """The entry name and media stream of a downloadable recording; ``None`` (logged) to skip
    an unknown, unfinished or unreadable one, as the reference does."""
    try:
        recording = _recordings.get(recording_id)
        if recording is None or recording.status != RecordingStatus.COMPLETE:
            logger.info("ZIP download: skipping recording '%s' (not complete)", recording_id)
            return None
        stream = _recordings.open_media(recording_id)
        if stream is None or stream.content_length == 0:
            logger.warning("ZIP download: skipping recording '%s' (no media)", recording_id)
            if stream is not None:
                stream.close()
            return None
    except MeetError as error:
        logger.warning("ZIP download: skipping recording '%s': %s", recording_id, error.message)
        return None
    name = (recording.filename or f"{recording_id}.mp4").rsplit("/", 1)[-1]
    return name, stream


class ZipBody:
    """A stored (uncompressed) ZIP of the recordings' media, generated while it is sent.

    Entries come in the order of the ids (duplicates repeat). Each recording is looked up and
    opened only when its turn comes, so at most one storage stream is open at a time.
    """

    def __init__(self, recording_ids: list[RecordingId], chunk_size: int = CHUNK_SIZE) -> None:
        self._recording_ids = recording_ids
        self._chunk_size = chunk_size
        self._current: ObjectStream | None = None

    def __iter__(self) -> Iterator[bytes]:
        return self._generate()

    def _generate(self) -> Iterator[bytes]:
        archive = ZipStream(compress_type=ZIP_STORED)
        try:
            for recording_id in self._recording_ids:
                entry = _open_zip_entry(recording_id)
                if entry is None:
                    continue
                name, self._current = entry
                archive.add(
                    self._current.iter_chunks(self._chunk_size),
                    name,
                    size=self._current.content_length,
                )
                yield from archive.all_files()
                self._current = None
            yield from archive.footer()
        finally:
            self.close()

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None


# --- What a stored MP4 says about itself ------------------------------------------------------

# A ``moov`` box larger than this is not read (hours of video keep it to a few MB).
MAX_MOOV_BYTES = 64 * 1024 * 1024


def media_duration_seconds(recording_id: RecordingId, size: int) -> float | None:
    """The movie duration of the recording's MP4 (``mvhd``), reading only the top-level box
    headers and the ``moov`` box, wherever it is (a few ranged reads, never the media data).
    None when the file is not an MP4 this can read."""

    def read(start: int, end: int) -> bytes:
        stream = _recordings.open_media(recording_id, (start, end))
        if stream is None:
            return b""
        return b"".join(stream.iter_chunks(CHUNK_SIZE))

    try:
        return mp4_duration_seconds(read, size)
    except (struct.error, IndexError) as error:
        logger.warning("Could not read the duration of recording %s: %s", recording_id, error)
        return None


def mp4_duration_seconds(read: Callable[[int, int], bytes], size: int) -> float | None:
    """``read(start, end)`` returns bytes ``start..end`` (inclusive) of a ``size``-byte file."""
    offset = 0
    while offset + 8 <= size:
        header = read(offset, min(offset + 15, size - 1))
        box_size, kind, header_size = _box_header(header, 0, size - offset)
        if box_size < header_size or offset + box_size > size:  # broken, or cut short
            return None
        if kind == b"moov":
            if box_size > MAX_MOOV_BYTES:
                return None
            return _movie_duration(read(offset + header_size, offset + box_size - 1))
        offset += box_size
    return None


def _box_header(data: bytes, position: int, remaining: int) -> tuple[int, bytes, int]:
    """``(box size, type, header size)``: 64-bit sizes and "to the end" (0) included."""
    box_size, kind = struct.unpack_from(">I4s", data, position)
    if box_size == 1:
        return struct.unpack_from(">Q", data, position + 8)[0], kind, 16
    if box_size == 0:
        return remaining, kind, 8
    return box_size, kind, 8


def _movie_duration(moov: bytes) -> float | None:
    position = 0
    while position + 8 <= len(moov):
        box_size, kind, header_size = _box_header(moov, position, len(moov) - position)
        if box_size < header_size:
            return None
        if kind == b"mvhd":
            body = position + header_size
            if moov[body] == 1:  # version 1: 64-bit times and duration
                timescale, duration = struct.unpack_from(">IQ", moov, body + 20)
            else:
                timescale, duration = struct.unpack_from(">II", moov, body + 12)
            return duration / timescale if timescale else None
        position += box_size
    return None
