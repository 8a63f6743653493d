"""A self-contained environment for benchmarks: moto S3 server, a Redis, Django configured.

Started before Django is imported, so the settings read the environment set here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@contextmanager
def bench_environment() -> Iterator[dict[str, Any]]:
    from moto.server import ThreadedMotoServer

    from tests.services import ensure_redis

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{moto._server.server_port}"
    host, port = ensure_redis()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="meet.settings",
        MEET_BLOB_STORAGE_MODE="s3",
        MEET_S3_SERVICE_ENDPOINT=endpoint,
        MEET_S3_BUCKET="bench",
        MEET_S3_ACCESS_KEY="bench",
        MEET_S3_SECRET_KEY="bench",
        MEET_REDIS_HOST=host,
        MEET_REDIS_PORT=str(port),
        MEET_REDIS_PASSWORD="",
        MEET_REDIS_DB="15",
        MEET_INITIAL_API_KEY="bench-api-key",
        MEET_LOG_LEVEL="error",
    )
    import logging

    import django

    django.setup()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    import warnings

    warnings.filterwarnings("ignore", message="The HMAC key is")
    from accounts.services import initialize_storage
    from meet.redis_connection import redis
    from meet.storage import get_object_store

    redis().flushdb()
    get_object_store().ensure_bucket()  # type: ignore[attr-defined]
    initialize_storage()
    try:
        yield {"s3_endpoint": endpoint}
    finally:
        redis().flushdb()
        moto.stop()


class CountingStore:
    """Wraps the object store and counts the calls each route makes."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return attribute(*args, **kwargs)

        return counted

    @property
    def total(self) -> int:
        return sum(self.calls.values())
