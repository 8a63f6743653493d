"""Media: streaming a recording through ``GET /recordings/{id}/media`` and a ZIP of 20 through
``GET /recordings/download``, against reading the same objects straight from S3 with boto3.

Both sides read from a moto server started in its own process for this benchmark: the
in-process one of the bench environment reads every object whole into memory for each GET (and
competes for the GIL), which would drown what the two code paths do. Each path runs twice: once
timed (after a warm-up, median of 3; peak RSS growth from ``/proc/self/clear_refs``) and once
under ``tracemalloc``.
"""

from __future__ import annotations

import contextlib
import gc
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
ZIP_COUNT = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _separate_moto() -> Iterator[str]:
    import requests

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def _store_at(endpoint: str) -> Iterator[Any]:
    """Point the object store at ``endpoint`` (a fresh bucket, initialised) for a while."""
    from django.conf import settings

    from accounts.services import initialize_storage
    from meet.storage import get_object_store

    previous = settings.MEET_S3_SERVICE_ENDPOINT
    settings.MEET_S3_SERVICE_ENDPOINT = endpoint
    get_object_store.cache_clear()
    try:
        store = get_object_store()
        store.ensure_bucket()  # type: ignore[attr-defined]
        initialize_storage()
        yield store
    finally:
        settings.MEET_S3_SERVICE_ENDPOINT = previous
        get_object_store.cache_clear()


def _media_bytes(size: int) -> bytes:
    pattern = bytes(range(251))
    return (pattern * (size // len(pattern) + 1))[:size]


def _store_recording(store: Any, room_id: str, index: int, source_key: str | None) -> str:
    """A complete recording whose media is ``source_key`` copied (server side), or nothing."""
    egress_id, uid = f"EG_bench{index:04d}", f"{index:010d}"
    recording_id = f"{room_id}--{egress_id}--{uid}"
    store.put_json(
        f"recordings/.metadata/{room_id}/{egress_id}/{uid}.json",
        {
            "recordingId": recording_id,
            "roomId": room_id,
            "roomName": "Bench",
            "status": "complete",
            "filename": f"{room_id}--{uid}.mp4",
            "startDate": 1760000000000,
        },
    )
    media_key = f"recordings/{room_id}/{room_id}--{uid}.mp4"
    if source_key is not None:
        store.client.copy_object(
            Bucket=store.bucket,
            Key=store.full_key(media_key),
            CopySource={"Bucket": store.bucket, "Key": store.full_key(source_key)},
        )
    return recording_id


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _drain(fetch: Callable[[], Iterable[bytes]]) -> int:
    return sum(len(chunk) for chunk in fetch())


def _measure(fetch: Callable[[], Iterable[bytes]]) -> tuple[int, float, float | None, float]:
    """(bytes, median seconds of 3 runs after a warm-up, peak RSS growth in MiB or None, peak
    traced MiB) of draining a body."""
    _drain(fetch)  # warm-up: connections, caches
    samples = []
    rss_growth: float | None = 0.0
    for _ in range(3):
        gc.collect()
        rss_before = _rss_kib("VmRSS")
        can_reset = _reset_peak_rss()
        started = time.perf_counter()
        received = _drain(fetch)
        samples.append(time.perf_counter() - started)
        if can_reset and rss_growth is not None:
            rss_growth = max(rss_growth, (_rss_kib("VmHWM") - rss_before) / 1024)
        else:
            rss_growth = None
    gc.collect()
    tracemalloc.start()
    try:
        _drain(fetch)
        _current, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return received, statistics.median(samples), rss_growth, traced_peak / MIB


def _line(label: str, figures: tuple[int, float, float | None, float]) -> str:
    received, elapsed, rss_growth, traced = figures
    rss = "n/a" if rss_growth is None else f"{rss_growth:6.1f} MiB"
    return (
        f"{label:<34} {received / MIB:6.0f} MiB {received / MIB / elapsed:8.1f} MiB/s  "
        f"peak RSS +{rss}, traced {traced:5.1f} MiB"
    )


def run(quick: bool = False) -> list[str]:
    from rest_framework.test import APIClient

    from recordings.media import CHUNK_SIZE

    size = (50 if quick else 200) * MIB
    zip_item_size = size // ZIP_COUNT
    client = APIClient()
    client.credentials(HTTP_X_API_KEY="bench-api-key")

    with _separate_moto() as endpoint, _store_at(endpoint) as store:
        room_id = "Bench-aaaaaaaaaaaaaaa"
        big_key = "bench/big.mp4"
        small_key = "bench/small.mp4"
        data = _media_bytes(size)
        store.put_bytes(big_key, data)
        store.put_bytes(small_key, data[:zip_item_size])
        del data
        big_id = _store_recording(store, room_id, 0, big_key)
        zip_ids = [
            _store_recording(store, room_id, 1 + index, small_key) for index in range(ZIP_COUNT)
        ]

        def route(url: str) -> Iterable[bytes]:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response.streaming_content  # type: ignore[no-any-return]

        def boto3_read(keys: list[str]) -> Iterable[bytes]:
            for key in keys:
                body = store.client.get_object(Bucket=store.bucket, Key=store.full_key(key))["Body"]
                yield from body.iter_chunks(CHUNK_SIZE)

        media_route = _measure(lambda: route(f"/api/v1/recordings/{big_id}/media"))
        media_direct = _measure(lambda: boto3_read([big_key]))
        zip_url = f"/api/v1/recordings/download?recordingIds={','.join(zip_ids)}"
        zip_route = _measure(lambda: route(zip_url))
        zip_direct = _measure(lambda: boto3_read([small_key] * ZIP_COUNT))

    def ratio(ours: tuple[int, float, Any, Any], direct: tuple[int, float, Any, Any]) -> float:
        return (ours[0] / ours[1]) / (direct[0] / direct[1])

    zip_label = f"{ZIP_COUNT} x {zip_item_size / MIB:.1f} MiB"
    return [
        _line(f"media: route, {size // MIB} MiB recording", media_route),
        _line("media: boto3 get_object, same object", media_direct),
        f"media: route / boto3 throughput                {ratio(media_route, media_direct):8.2f}x",
        _line(f"zip: route, {zip_label}", zip_route),
        _line(f"zip: boto3, the {ZIP_COUNT} objects in a row", zip_direct),
        f"zip: route / boto3 throughput                  {ratio(zip_route, zip_direct):8.2f}x",
    ]
