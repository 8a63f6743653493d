"""The recording an egress "produces", and where it is uploaded.

``sample.mp4`` (next to this file) is a real 2 s, 320x240 H.264 (main) + AAC-LC mono clip with
``moov`` before ``mdat`` (faststart), made once with::

    ffmpeg -f lavfi -i testsrc=size=320x240:rate=15:duration=2 \\
      -f lavfi -i sine=frequency=440:sample_rate=48000:duration=2 \\
      -c:v libx264 -profile:v main -pix_fmt yuv420p -preset veryslow -crf 36 \\
      -c:a aac -b:a 32k -ac 1 -movflags +faststart -map_metadata -1 -fflags +bitexact \\
      -flags:v +bitexact -flags:a +bitexact sample.mp4

Nothing needs ffmpeg at run time. ``mp4_bytes(min_size)`` pads the ``mdat`` box with zeros (bytes
no sample table points to, so the file stays playable) for tests that need big files.

Storages mirror what an Egress configured with the deployment's bucket would do: ``S3Storage``
(boto3, path-style by default) or ``LocalStorage`` (``<root>/<bucket>/<key>``, the project's
``MEET_BLOB_STORAGE_MODE=local`` layout); ``storage_from_env()`` picks one from ``MEET_*`` vars.
"""

from __future__ import annotations

import functools
import logging
import os
import struct
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

SAMPLE_MP4 = Path(__file__).with_name("sample.mp4")
SAMPLE_DURATION_NS = 2_000_000_000
MAX_MP4_SIZE = 2**32 - 1  # keeps the 32-bit mdat size field


@functools.cache
def _sample() -> bytes:
    return SAMPLE_MP4.read_bytes()


def top_level_boxes(data: bytes) -> list[tuple[str, int, int]]:
    """``(type, offset, size)`` of each top-level ISO-BMFF box (32-bit sizes only)."""
    boxes = []
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        if size < 8:
            raise ValueError(f"unsupported box size {size} at {offset}")
        boxes.append((kind.decode("latin-1"), offset, size))
        offset += size
    return boxes


def mp4_bytes(min_size: int = 0) -> bytes:
    """The sample clip, with ``mdat`` padded so that the file is at least ``min_size`` bytes."""
    data = _sample()
    if min_size <= len(data):
        return data
    if min_size > MAX_MP4_SIZE:
        raise ValueError(f"min_size above {MAX_MP4_SIZE} is not supported")
    _, offset, size = next(box for box in top_level_boxes(data) if box[0] == "mdat")
    padding = min_size - len(data)
    end = offset + size
    header = struct.pack(">I", size + padding)
    return b"".join([data[:offset], header, data[offset + 4 : end], bytes(padding), data[end:]])


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> str:
        """Store ``data`` at ``key``; return the object's location (URL or path)."""
        ...


class MemoryStorage:
    """Keeps uploads in a dict (``objects``); handy when a test has no bucket."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, key: str, data: bytes) -> str:
        with self._lock:
            self.objects[key] = data
        return f"memory://{key}"


class NullStorage:
    """Uploads nothing (the egress still completes with the size it would have had)."""

    def put(self, key: str, data: bytes) -> str:
        return ""


class LocalStorage:
    def __init__(self, root: str | os.PathLike[str], bucket: str) -> None:
        self.root = Path(root)
        self.bucket = bucket

    def put(self, key: str, data: bytes) -> str:
        path = self.root / self.bucket / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        return str(path)


class S3Storage:
    def __init__(
        self,
        endpoint: str | None,
        bucket: str,
        *,
        access_key: str = "",
        secret_key: str = "",
        region: str = "us-east-1",
        path_style: bool = True,
    ) -> None:
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self.bucket = bucket
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.path_style = path_style
        self._client: Any = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                credentials = {}
                if self.access_key and self.secret_key:
                    credentials = {
                        "aws_access_key_id": self.access_key,
                        "aws_secret_access_key": self.secret_key,
                    }
                self._client = boto3.client(
                    "s3",
                    endpoint_url=self.endpoint,
                    region_name=self.region,
                    config=Config(s3={"addressing_style": "path" if self.path_style else "auto"}),
                    **credentials,
                )
            return self._client

    def put(self, key: str, data: bytes) -> str:
        self.client().put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="video/mp4")
        base = self.endpoint or f"https://s3.{self.region}.amazonaws.com"
        return f"{base}/{self.bucket}/{key}"


def storage_from_env(environ: Mapping[str, str] | None = None) -> Storage:
    """The storage described by the project's ``MEET_*`` variables (same defaults)."""
    env = os.environ if environ is None else environ
    bucket = env.get("MEET_S3_BUCKET", "openvidu-appdata")
    mode = env.get("MEET_BLOB_STORAGE_MODE", "s3")
    if mode == "local":
        root = env.get("MEET_LOCAL_STORAGE_DIR") or str(Path.cwd() / "var" / "storage")
        return LocalStorage(root, bucket)
    if mode != "s3":
        logger.warning("MEET_BLOB_STORAGE_MODE=%s is not simulated; using S3", mode)
    return S3Storage(
        env.get("MEET_S3_SERVICE_ENDPOINT", "http://localhost:9000"),
        bucket,
        access_key=env.get("MEET_S3_ACCESS_KEY", "minioadmin"),
        secret_key=env.get("MEET_S3_SECRET_KEY", "minioadmin"),
        region=env.get("MEET_AWS_REGION", "us-east-1"),
        path_style=env.get("MEET_S3_WITH_PATH_STYLE_ACCESS", "true") == "true",
    )
