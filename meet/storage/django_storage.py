"""Object stores over a Django ``Storage``: the local directory (embedded default), GCS and Azure.

The local mode keeps the S3 key layout on disk (``<dir>/<bucket>/<subbucket>/rooms/...``) so a
directory can be synced to a bucket and back. GCS and Azure go through django-storages' backends;
their listing pages are computed from a sorted listing (no native continuation token), which is
what the reference does too (token plus a probe of the next page).
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage

from meet.storage.base import (
    DEFAULT_CHUNK_SIZE,
    InvalidPageTokenError,
    KeyPage,
    ObjectInfo,
    apply_prefix,
    dump_json,
    load_json,
)
from meet.storage.errors import StorageUnavailableError

logger = logging.getLogger(__name__)


def _encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def _decode_token(token: str, full_prefix: str) -> str:
    """The last key of the previous page; refuses anything a listing of ``full_prefix`` can't
    have issued (not strict base64, not UTF-8, or a key outside the prefix)."""
    try:
        key = base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidPageTokenError(token) from error
    if not key.startswith(full_prefix):
        raise InvalidPageTokenError(token)
    return key


class FileObjectStream:
    def __init__(self, handle: BinaryIO, start: int, length: int) -> None:
        self._handle = handle
        self._handle.seek(start)
        self._remaining = length
        self.content_length = length

    def iter_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        try:
            while self._remaining > 0:
                chunk = self._handle.read(min(chunk_size, self._remaining))
                if not chunk:
                    break
                self._remaining -= len(chunk)
                yield chunk
        finally:
            self.close()

    def close(self) -> None:
        self._handle.close()


class DjangoStorageObjectStore:
    """An object store over any Django ``Storage`` that lists with ``listdir``."""

    def __init__(self, storage: Storage, *, prefix: str, provider: str) -> None:
        self.storage = storage
        self.prefix = prefix
        self.provider = provider

    def full_key(self, key: str) -> str:
        return apply_prefix(self.prefix, key)

    def _unavailable(self, error: Exception) -> StorageUnavailableError:
        logger.warning("%s storage request failed: %s", self.provider, error)
        return StorageUnavailableError(str(error), provider=self.provider)

    def get_bytes(self, key: str) -> bytes | None:
        name = self.full_key(key)
        try:
            if not self.storage.exists(name):
                return None
            with self.storage.open(name, "rb") as handle:
                return bytes(handle.read())
        except FileNotFoundError:
            return None
        except Exception as error:
            raise self._unavailable(error) from error

    def get_json(self, key: str) -> Any | None:
        raw = self.get_bytes(key)
        return None if raw is None else load_json(raw)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        name = self.full_key(key)
        try:
            content = ContentFile(data)
            if content_type:
                content.content_type = content_type  # type: ignore[attr-defined]
            self.storage.save(name, content)
        except Exception as error:
            raise self._unavailable(error) from error

    def put_json(self, key: str, data: Any) -> None:
        self.put_bytes(key, dump_json(data), content_type="application/json")

    def delete(self, key: str) -> None:
        try:
            self.storage.delete(self.full_key(key))
        except FileNotFoundError:
            return
        except Exception as error:
            raise self._unavailable(error) from error

    def delete_many(self, keys: list[str]) -> None:
        for key in keys:
            self.full_key(key)  # refuse the whole batch before deleting anything, as S3 does
        for key in keys:
            self.delete(key)

    def head(self, key: str) -> ObjectInfo | None:
        name = self.full_key(key)
        try:
            if not self.storage.exists(name):
                return None
            return ObjectInfo(size=self.storage.size(name))
        except FileNotFoundError:
            return None
        except Exception as error:
            raise self._unavailable(error) from error

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def _all_keys(self, directory: str) -> list[str]:
        try:
            directories, files = self.storage.listdir(directory)
        except FileNotFoundError:
            return []
        base = f"{directory}/" if directory else ""
        keys = [base + name for name in files]
        for name in directories:
            keys.extend(self._all_keys(base + name))
        return keys

    def list_keys(
        self, prefix: str, *, limit: int | None = None, continuation_token: str | None = None
    ) -> KeyPage:
        full_prefix = self.full_key(prefix)
        limit = limit or settings.STORAGE_DEFAULT_PAGE_SIZE
        after = None
        if continuation_token and continuation_token != "undefined":
            after = _decode_token(continuation_token, full_prefix)
        directory = full_prefix.rsplit("/", 1)[0] if "/" in full_prefix else ""
        try:
            keys = sorted(
                key.encode() for key in self._all_keys(directory) if key.startswith(full_prefix)
            )
        except Exception as error:
            raise self._unavailable(error) from error
        if after is not None:
            keys = [key for key in keys if key > after.encode()]
        page = [key.decode() for key in keys[:limit]]
        truncated = len(keys) > limit
        return KeyPage(
            keys=page,
            is_truncated=truncated,
            next_page_token=_encode_token(page[-1]) if truncated and page else None,
        )

    def open_stream(
        self, key: str, byte_range: tuple[int, int] | None = None
    ) -> FileObjectStream | None:
        info = self.head(key)
        if info is None:
            return None
        start, end = byte_range if byte_range is not None else (0, info.size - 1)
        end = min(end, info.size - 1)
        try:
            handle = self.storage.open(self.full_key(key), "rb")
        except FileNotFoundError:
            return None
        except Exception as error:
            raise self._unavailable(error) from error
        return FileObjectStream(cast(BinaryIO, handle), start, max(0, end - start + 1))

    def check_health(self) -> None:
        try:
            self.storage.listdir("")
        except FileNotFoundError:
            return
        except Exception as error:
            raise self._unavailable(error) from error


class LocalObjectStore(DjangoStorageObjectStore):
    """A directory in the bucket's key layout; writes are atomic (temp file + rename)."""

    def __init__(self, root: Path, *, prefix: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        super().__init__(
            FileSystemStorage(location=str(root), allow_overwrite=True),
            prefix=prefix,
            provider="local",
        )
        self.root = root

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        path = Path(self.storage.path(self.full_key(key)))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp.name, path)
        except OSError as error:
            raise self._unavailable(error) from error

    def get_bytes(self, key: str) -> bytes | None:
        # A directory is a key prefix, not an object (S3 answers NoSuchKey for it).
        try:
            return Path(self.storage.path(self.full_key(key))).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        except OSError as error:
            raise self._unavailable(error) from error

    def head(self, key: str) -> ObjectInfo | None:
        path = Path(self.storage.path(self.full_key(key)))
        try:
            if not path.is_file():
                return None
            return ObjectInfo(size=path.stat().st_size)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._unavailable(error) from error

    def _all_keys(self, directory: str) -> list[str]:
        base = self.root / directory if directory else self.root
        if not base.is_dir():
            return []
        keys = []
        for dirpath, _dirnames, filenames in os.walk(base):
            relative = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                if name.endswith(".tmp"):
                    continue
                keys.append(name if relative == "." else f"{relative}/{name}")
        return keys

    def delete(self, key: str) -> None:
        path = Path(self.storage.path(self.full_key(key)))
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            raise self._unavailable(error) from error
        # Remove directories left empty, up to the root, so listings stay tidy.
        parent = path.parent
        while parent != self.root and parent.is_dir():
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def check_health(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailableError(f"{self.root} is not writable", provider="local")
