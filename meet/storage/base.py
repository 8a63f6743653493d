"""What every object-store backend offers, and the prefix ("subbucket") rule of the reference."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from meet import javascript
from meet.errors import MeetError
from meet.storage.errors import StorageKeyError

DEFAULT_CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True, slots=True)
class KeyPage:
    """One page of a listing. ``keys`` are *full* keys (prefix included), as S3 returns them."""

    keys: list[str]
    is_truncated: bool
    next_page_token: str | None


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    size: int
    etag: str | None = None


class ObjectStream(Protocol):
    content_length: int

    def iter_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class ObjectStore(Protocol):
    provider: str

    def full_key(self, key: str) -> str: ...

    def get_json(self, key: str) -> Any | None: ...

    def put_json(self, key: str, data: Any) -> None: ...

    def get_bytes(self, key: str) -> bytes | None: ...

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None: ...

    def delete(self, key: str) -> None: ...

    def delete_many(self, keys: list[str]) -> None: ...

    def exists(self, key: str) -> bool: ...

    def head(self, key: str) -> ObjectInfo | None: ...

    def list_keys(
        self, prefix: str, *, limit: int | None = None, continuation_token: str | None = None
    ) -> KeyPage: ...

    def open_stream(
        self, key: str, byte_range: tuple[int, int] | None = None
    ) -> ObjectStream | None: ...

    def check_health(self) -> None: ...


class InvalidPageTokenError(MeetError, ValueError):
    """The continuation token was not issued by this store: the client's mistake, answered as
    the listing's validation error (``422``, field ``nextPageToken``)."""

    status_code = 422
    error = "Unprocessable Entity"

    def __init__(self, token: str | None = None) -> None:
        super().__init__("Invalid request")
        self.token = token

    def body(self) -> dict[str, object]:
        return {
            "error": self.error,
            "message": self.message,
            "details": [{"field": "nextPageToken", "message": "Invalid page token"}],
        }


def apply_prefix(prefix: str, key: str) -> str:
    """The reference's rule: prepend ``prefix/`` unless the key already starts with ``prefix``.

    It is a raw ``startsWith`` without a ``/`` check, kept exactly so that keys returned by a
    listing (already full) can be fed back, and so that both servers address the same objects.
    Keys that could escape their place (``..``/``.`` segments, empty segments, a leading ``/``,
    control characters) are refused.
    """
    if not key or key.startswith("/") or any(ord(char) < 32 for char in key) or "\\" in key:
        raise StorageKeyError(f"invalid storage key: {key!r}")
    if any(segment in ("", ".", "..") for segment in key.split("/")[:-1]) or key.split("/")[-1] in (
        ".",
        "..",
    ):
        raise StorageKeyError(f"invalid storage key: {key!r}")
    if key.startswith(prefix):
        return key
    return f"{prefix}/{key}"


def dump_json(data: Any) -> bytes:
    """Compact JSON as ``JSON.stringify`` writes it (no spaces, non-ASCII kept, whole numbers
    without ``.0``)."""
    return json.dumps(
        javascript.numbers(data), separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def load_json(raw: bytes) -> Any:
    return json.loads(raw)
