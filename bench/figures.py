"""The issue-9 figures of a whole instance, side by side with the reference's.

Two instances, each started by ``bin/run`` as the README says:

* **default** (``make run`` with nothing configured): local storage, the private Redis, the demo
  LiveKit simulator. Memory of every process at rest and after load, requests/s of the hot
  routes, media throughput against reading the same file.
* **s3** (the issue's setup): S3 against a moto server in its own process, the private Redis,
  the simulator. Requests/s of the hot routes, media ÷ a raw boto3 GET of the same object over
  HTTP, and the first page of the room listing at 2,000 rooms ÷ at 1 room.

Load comes from ``wrk -t2 -c16`` on the same machine (the issue's method). Figures depend on
what else the machine runs: the load average is printed with every table.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import time
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.instance import API_KEY, Instance, moto_server, run_instance, settle
from bench.load import LoadResult, wrk

MIB = 1024 * 1024
CHUNK = 1024 * 1024
SUBBUCKET = "openvidu-meet"

# The table: reference 3.4.1 on this machine kind (wrk -t2 -c16 -d8s, S3 on moto).
REFERENCE = {
    "room": 2100.0,
    "token": 1270.0,
    "token_name": 340.0,
    "rss_mb": 143.0,
    "media_ratio": 0.23,
    "listing_ratio": 4.5,
}
GOALS = {
    "room": "≥ 1.0x (1.5x aim)",
    "token": "≥ 1.0x (1.5x aim)",
    "token_name": "≥ 1.0x",
    "rss_mb": "≤ 250 MB",
    "media_ratio": "≥ 0.9",
    "listing_ratio": "≤ 1.2",
}


@dataclass
class Options:
    seconds: float
    media_mib: int
    rooms: int
    repeat: int = 1  # runs per route; the best is reported (other load on the machine only slows)


def _request(
    instance: Instance, method: str, path: str, body: Any = None, *, api_key: bool = True
) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(instance.url(path), data=data, method=method)
    if api_key:
        request.add_header("X-API-KEY", API_KEY)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _memory(instance: Instance) -> tuple[float, float, list[str]]:
    processes = instance.processes()
    rss = sum(item.rss_kib for item in processes) / 1024
    pss = sum(item.pss_kib for item in processes) / 1024
    lines = [
        f"    {item.pid:>7}  RSS {item.rss_kib / 1024:6.1f} MB  PSS {item.pss_kib / 1024:6.1f} MB"
        f"  {item.name}"
        for item in processes
    ]
    return rss, pss, lines


def _hot_routes(instance: Instance, seconds: float, repeat: int = 1) -> dict[str, LoadResult]:
    room = _request(instance, "POST", "/api/v1/rooms", {"roomName": "Bench"})
    room_id = room["roomId"]
    secret = room["speakerUrl"].split("secret=")[1]
    token_body = json.dumps({"roomId": room_id, "secret": secret})
    named_body = json.dumps({"roomId": room_id, "secret": secret, "participantName": "@NAME@"})
    token_url = instance.url("/internal-api/v1/participants/token")
    wrk(instance.url("/health"), seconds=1)  # warm-up: every worker thread and connection
    routes: dict[str, dict[str, Any]] = {
        "room": {
            "url": instance.url(f"/api/v1/rooms/{room_id}"),
            "header": ("X-API-KEY", API_KEY),
        },
        "token": {"url": token_url, "method": "POST", "body": token_body},
        "token_name": {
            "url": token_url,
            "method": "POST",
            "body": named_body,
            "unique_names": True,
        },
        "health": {"url": instance.url("/health")},
    }
    results: dict[str, list[LoadResult]] = {name: [] for name in routes}
    for _ in range(repeat):  # interleaved, so a burst of other load hits every route alike
        for name, arguments in routes.items():
            results[name].append(wrk(seconds=seconds, **arguments))
    return {
        name: max(runs, key=lambda result: result.requests_per_second)
        for name, runs in results.items()
    }


def _drain_route(instance: Instance, path: str) -> Callable[[], int]:
    def fetch() -> int:
        connection = http.client.HTTPConnection("127.0.0.1", instance.port, timeout=60)
        connection.request("GET", path, headers={"X-API-KEY": API_KEY})
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}: {response.read()[:200]!r}")
        received = 0
        while chunk := response.read(CHUNK):
            received += len(chunk)
        connection.close()
        return received

    return fetch


def _throughput(fetch: Callable[[], int]) -> float:
    """MiB/s: median of 3 after a warm-up."""
    fetch()
    samples = []
    for _ in range(3):
        started = time.perf_counter()
        received = fetch()
        samples.append(received / MIB / (time.perf_counter() - started))
    return statistics.median(samples)


def _media_bytes(size: int) -> bytes:
    pattern = bytes(range(251))
    return (pattern * (size // len(pattern) + 1))[:size]


def _recording_metadata(room_id: str, uid: str) -> tuple[str, str, dict[str, Any]]:
    egress_id = "EG_bench0001"
    recording_id = f"{room_id}--{egress_id}--{uid}"
    metadata = {
        "recordingId": recording_id,
        "roomId": room_id,
        "roomName": "Bench",
        "status": "complete",
        "filename": f"{room_id}--{uid}.mp4",
        "startDate": 1760000000000,
    }
    return recording_id, f"recordings/.metadata/{room_id}/{egress_id}/{uid}.json", metadata


def _media_local(instance: Instance, options: Options) -> tuple[float, float]:
    """(route MiB/s, reading the file MiB/s) for a recording in local storage."""
    root = Path(instance.storage["MEET_LOCAL_STORAGE_DIR"]) / "openvidu-appdata" / SUBBUCKET
    room_id = "Bench-aaaaaaaaaaaaaaa"
    recording_id, metadata_key, metadata = _recording_metadata(room_id, "0000000001")
    media = root / "recordings" / room_id / metadata["filename"]
    media.parent.mkdir(parents=True, exist_ok=True)
    media.write_bytes(_media_bytes(options.media_mib * MIB))
    (root / metadata_key).parent.mkdir(parents=True, exist_ok=True)
    (root / metadata_key).write_text(json.dumps(metadata))

    def read_file() -> int:
        received = 0
        with media.open("rb") as source:
            while chunk := source.read(CHUNK):
                received += len(chunk)
        return received

    route = _throughput(_drain_route(instance, f"/api/v1/recordings/{recording_id}/media"))
    return route, _throughput(read_file)


def _media_s3(instance: Instance, options: Options) -> tuple[float, float]:
    """(route MiB/s, boto3 get_object MiB/s) for the same object in the moto bucket."""
    client = _s3_client(instance)
    bucket = instance.storage["MEET_S3_BUCKET"]
    room_id = "Bench-aaaaaaaaaaaaaaa"
    recording_id, metadata_key, metadata = _recording_metadata(room_id, "0000000001")
    media_key = f"{SUBBUCKET}/recordings/{room_id}/{metadata['filename']}"
    client.put_object(Bucket=bucket, Key=media_key, Body=_media_bytes(options.media_mib * MIB))
    client.put_object(
        Bucket=bucket, Key=f"{SUBBUCKET}/{metadata_key}", Body=json.dumps(metadata).encode()
    )

    def boto3_read() -> int:
        body = client.get_object(Bucket=bucket, Key=media_key)["Body"]
        return sum(len(chunk) for chunk in body.iter_chunks(CHUNK))

    route = _throughput(_drain_route(instance, f"/api/v1/recordings/{recording_id}/media"))
    return route, _throughput(boto3_read)


def _s3_client(instance: Instance) -> Any:
    import boto3

    storage = instance.storage
    return boto3.client(
        "s3",
        endpoint_url=storage["MEET_S3_SERVICE_ENDPOINT"],
        aws_access_key_id=storage["MEET_S3_ACCESS_KEY"],
        aws_secret_access_key=storage["MEET_S3_SECRET_KEY"],
        region_name="us-east-1",
    )


def _raw_listing_ms(instance: Instance) -> float:
    """Median ms of the storage listing call the route makes (moto's own cost)."""
    client = _s3_client(instance)
    bucket = instance.storage["MEET_S3_BUCKET"]
    samples = []
    for _ in range(15):
        started = time.perf_counter()
        client.list_objects_v2(Bucket=bucket, Prefix=f"{SUBBUCKET}/rooms/", MaxKeys=10)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _listing(instance: Instance, options: Options) -> tuple[float, float, float, float]:
    """req/s of ``GET /api/v1/rooms`` (page 1) with 1 room stored, then with ``rooms``; and
    the median ms of moto's ListObjectsV2 at both sizes (moto scans the bucket; S3 does not)."""
    url = instance.url("/api/v1/rooms")
    seconds = max(2.0, options.seconds / 2)
    existing = _request(instance, "GET", "/api/v1/rooms?maxItems=100")["rooms"]
    for room in existing:
        _request(instance, "DELETE", f"/api/v1/rooms/{room['roomId']}?withMeeting=force")
    _request(instance, "POST", "/api/v1/rooms", {"roomName": "Listing"})
    one = wrk(url, seconds=seconds, header=("X-API-KEY", API_KEY))
    raw_one = _raw_listing_ms(instance)

    def create(index: int) -> None:
        _request(instance, "POST", "/api/v1/rooms", {"roomName": f"Listing {index}"})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(options.rooms - 1)))
    many = wrk(url, seconds=seconds, header=("X-API-KEY", API_KEY))
    raw_many = _raw_listing_ms(instance)
    for result in (one, many):
        if result.failures:
            raise RuntimeError(f"listing answered errors:\n{result.output}")
    return one.requests_per_second, many.requests_per_second, raw_one, raw_many


def _ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:5.2f}x"


def _route_rows(results: dict[str, LoadResult]) -> list[str]:
    labels = {
        "room": "GET /api/v1/rooms/{id} (API key)",
        "token": "POST participants/token, no name",
        "token_name": "  same, unique participantName",
        "health": "/health (server floor)",
    }
    rows = []
    for key, label in labels.items():
        result = results[key]
        reference = REFERENCE.get(key)
        failures = f"  {result.failures} non-2xx!" if result.failures else ""
        if reference:
            rows.append(
                f"  {label:<36} {reference:>9,.0f} {result.requests_per_second:>9,.0f} req/s "
                f"{_ratio(result.requests_per_second, reference)}  {GOALS[key]:<18}"
                f" ({result.latency}){failures}"
            )
        else:
            rows.append(
                f"  {label:<36} {'':>9} {result.requests_per_second:>9,.0f} req/s "
                f"{'':6}  {'':<18} ({result.latency}){failures}"
            )
    return rows


HEADER = f"  {'figure':<36} {'reference':>9} {'ours':>15} {'ratio':>6}  goal"


def default_mode(options: Options) -> Iterable[str]:
    yield "== default `make run` (local storage, private Redis, demo LiveKit simulator) =="
    with run_instance() as instance:
        settle(instance)
        yield f"  ({_load()})"
        rss, pss, breakdown = _memory(instance)
        results = _hot_routes(instance, options.seconds, options.repeat)
        rss_after, pss_after, breakdown_after = _memory(instance)
        route, raw = _media_local(instance, options)
    yield HEADER
    yield from _route_rows(results)
    yield (
        f"  {'RSS of all processes at rest':<36} {REFERENCE['rss_mb']:>9,.0f} {rss:>12,.0f} MB "
        f"{_ratio(rss, REFERENCE['rss_mb'])}  {GOALS['rss_mb']:<18} "
        f"({len(breakdown)} processes; PSS {pss:,.0f} MB)"
    )
    yield (
        f"  {'RSS of all processes after load':<36} {'':>9} {rss_after:>12,.0f} MB "
        f"{'':6}  {'':<18} ({len(breakdown_after)} processes; PSS {pss_after:,.0f} MB)"
    )
    yield (
        f"  {'media ÷ reading the file':<36} {'':>9} {route / raw:>15.2f} {'':6}  "
        f"{'':<18} ({options.media_mib} MiB: {route:,.0f} vs {raw:,.0f} MiB/s)"
    )
    yield f"  ({_load()})"
    yield "  processes at rest:"
    yield from breakdown
    yield "  processes after load:"
    yield from breakdown_after


def s3_mode(options: Options) -> Iterable[str]:
    yield "== S3 mode against a moto server (the issue's setup), private Redis, simulator =="
    with moto_server() as endpoint, run_instance(s3_endpoint=endpoint) as instance:
        settle(instance)
        yield f"  ({_load()})"
        results = _hot_routes(instance, options.seconds, options.repeat)
        route, raw = _media_s3(instance, options)
        one, many, raw_one, raw_many = _listing(instance, options)
    yield HEADER
    yield from _route_rows(results)
    media = route / raw
    yield (
        f"  {'media ÷ boto3 GET, same object':<36} {REFERENCE['media_ratio']:>9.2f} "
        f"{media:>15.2f} {_ratio(media, REFERENCE['media_ratio'])}  "
        f"{GOALS['media_ratio']:<18} ({options.media_mib} MiB: {route:,.0f} vs {raw:,.0f} MiB/s)"
    )
    listing = one / many
    yield (
        f"  {f'rooms page 1: {options.rooms:,} ÷ 1 room (time)':<36} "
        f"{REFERENCE['listing_ratio']:>9.2f} {listing:>15.2f} "
        f"{_ratio(listing, REFERENCE['listing_ratio'])}  {GOALS['listing_ratio']:<18} "
        f"({one:,.0f} vs {many:,.0f} req/s)"
    )
    yield (
        f"    (moto's own ListObjectsV2 of 10 keys, 1 vs {options.rooms:,} rooms: "
        f"{raw_one:.1f} vs {raw_many:.1f} ms; moto scans the whole bucket, S3 does not)"
    )
    yield f"  ({_load()})"


def run(*, quick: bool, modes: tuple[str, ...], repeat: int = 1) -> Iterable[str]:
    options = (
        Options(seconds=3, media_mib=50, rooms=500, repeat=repeat)
        if quick
        else Options(seconds=8, media_mib=200, rooms=2000, repeat=repeat)
    )
    yield (
        f"bench: wrk -t2 -c16 -d{options.seconds:.0f}s per route; reference = OpenVidu Meet "
        "3.4.1 (Node) on this machine kind, from issue 9; ratio = ours ÷ reference"
        + (" (--quick: shorter runs, smaller media and listing)" if quick else "")
        + (f"; best of {repeat} runs per route" if repeat > 1 else "")
    )
    if "default" in modes:
        yield from default_mode(options)
    if "s3" in modes:
        yield from s3_mode(options)
