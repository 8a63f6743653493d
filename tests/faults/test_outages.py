"""Redis, S3 (moto) and LiveKit (the simulator) frozen with SIGSTOP and killed with SIGKILL while
traffic flows through our app under gunicorn:

* every request answers within a few seconds: ``503`` in the contract's shape (and with no
  host, port, endpoint or bucket in it) where it needs the missing dependency, its normal
  answer where it does not;
* the app recovers by itself once the dependency is back (resumed, or restarted on the same
  port);
* every room the app acknowledged (``201``) is still there afterwards.

The measured figures are printed (``-s``) and kept in ``test-artifacts/faults.json``.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.stack import API_KEY, Outcome, Service, Stack, Writer, call, running_stack

pytestmark = pytest.mark.slow

# What "a few seconds" means here; the defaults aim at about half of it.
MAX_SECONDS_TO_503 = 6.0
MAX_SECONDS_TO_RECOVER = 6.0
PROBE_SECONDS = 4.0  # how long each outage lasts while probes keep coming
TRAFFIC_SECONDS = 1.0  # normal traffic before, between and after the outages
UNAVAILABLE = {
    "redis": {"error": "Redis Error", "message": "Redis is not available"},
    "s3": {"error": "S3 Error", "message": "S3 is not available"},
    "livekit": {"error": "LiveKit Error", "message": "LiveKit is not available"},
}
# Nothing about the infrastructure may reach a client.
LEAKS = re.compile(r"127\.0\.0\.1|:\d{2,5}\b|https?://|faults|openvidu-meet/|botocore|Errno|socket")
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "faults.json"
FIGURES: dict[str, Any] = {}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("faults")) as running:
        yield running
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(FIGURES, indent=2))


def create_room(stack: Stack) -> Outcome:
    return call("POST", f"{stack.url}/api/v1/rooms", json={}, headers={"X-API-KEY": API_KEY})


def join(stack: Stack, room: dict[str, Any]) -> Callable[[], Outcome]:
    secret = room["speakerUrl"].split("secret=")[1]

    def request() -> Outcome:
        return call(
            "POST",
            f"{stack.url}/internal-api/v1/participants/token",
            json={"roomId": room["roomId"], "secret": secret, "participantName": "Probe"},
        )

    return request


def probe_during(request: Callable[[], Outcome], seconds: float) -> list[Outcome]:
    """Send ``request`` back to back for ``seconds``."""
    outcomes = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        outcomes.append(request())
        time.sleep(0.2)
    return outcomes


def seconds_to_recover(request: Callable[[], Outcome], ok: int, since: float) -> float:
    deadline = since + 30
    while time.monotonic() < deadline:
        if request().status == ok:
            return time.monotonic() - since
        time.sleep(0.1)
    raise AssertionError("the app did not recover within 30 s")


def assert_unavailable(outcomes: list[Outcome], dependency: str) -> dict[str, float]:
    """Every probe answered in time; the first (sent right after the outage began) is the
    contract's 503; returns the figures."""
    assert outcomes, "no probe was sent"
    for outcome in outcomes:
        assert outcome.status is not None, f"no answer: {outcome.body}"
        assert outcome.seconds <= MAX_SECONDS_TO_503, (outcome.seconds, outcome.body)
        if outcome.status == 503:
            assert outcome.body == UNAVAILABLE[dependency], outcome.body
            assert not LEAKS.search(json.dumps(outcome.body)), outcome.body
    assert outcomes[0].status == 503, outcomes[0].body
    latencies = [outcome.seconds for outcome in outcomes]
    return {
        "first_503_seconds": round(outcomes[0].seconds, 3),
        "max_seconds": round(max(latencies), 3),
        "median_seconds": round(statistics.median(latencies), 3),
        "probes": len(outcomes),
    }


def outage(
    stack: Stack,
    service: Service,
    probe: Callable[[], Outcome],
    ok: int,
    dependency: str,
) -> dict[str, Any]:
    """Traffic, freeze, resume, traffic, kill, restart, traffic."""
    figures: dict[str, Any] = {}
    time.sleep(TRAFFIC_SECONDS)
    service.freeze()
    try:
        figures["frozen"] = assert_unavailable(probe_during(probe, PROBE_SECONDS), dependency)
    finally:
        resumed = time.monotonic()
        service.resume()
    figures["frozen"]["recovery_seconds"] = round(seconds_to_recover(probe, ok, resumed), 3)
    time.sleep(TRAFFIC_SECONDS)

    service.kill()
    try:
        figures["killed"] = assert_unavailable(probe_during(probe, PROBE_SECONDS), dependency)
    finally:
        restarted = time.monotonic()
        service.restart()
    figures["killed"]["recovery_seconds"] = round(seconds_to_recover(probe, ok, restarted), 3)
    time.sleep(TRAFFIC_SECONDS)
    for kind in ("frozen", "killed"):
        assert figures[kind]["recovery_seconds"] <= MAX_SECONDS_TO_RECOVER, figures
    return figures


def check_traffic(writer: Writer, stack: Stack) -> dict[str, Any]:
    """No request of the background traffic hung, writes went through around the outages, and
    every acknowledged room is stored (and readable through the API)."""
    slowest = max(outcome.seconds for outcome in writer.outcomes)
    assert slowest <= MAX_SECONDS_TO_503, slowest
    assert all(outcome.status in (201, 503) for outcome in writer.outcomes), {
        outcome.status for outcome in writer.outcomes
    }
    assert len(writer.acknowledged) >= 3, "no traffic went through around the outages"
    stored = stack.stored_room_ids()
    missing = [room_id for room_id in writer.acknowledged if room_id not in stored]
    assert not missing, missing
    for room_id in writer.acknowledged[-5:]:
        got = call("GET", f"{stack.url}/api/v1/rooms/{room_id}", headers={"X-API-KEY": API_KEY})
        assert got.status == 200, got.body
    return {
        "writes_acknowledged": len(writer.acknowledged),
        "writes_refused_503": sum(1 for outcome in writer.outcomes if outcome.status == 503),
        "slowest_write_seconds": round(slowest, 3),
    }


def report(name: str, figures: dict[str, Any]) -> None:
    FIGURES[name] = figures
    print(f"\n{name}: {json.dumps(figures)}")  # noqa: T201 - the figures are the point


def test_redis_frozen_and_killed(stack: Stack) -> None:
    with Writer(stack) as writer:
        figures = outage(stack, stack.redis, lambda: create_room(stack), 201, "redis")
    figures["traffic"] = check_traffic(writer, stack)
    report("redis", figures)


def test_s3_frozen_and_killed(stack: Stack) -> None:
    with Writer(stack) as writer:
        figures = outage(stack, stack.s3, lambda: create_room(stack), 201, "s3")
    figures["traffic"] = check_traffic(writer, stack)
    report("s3", figures)


def test_livekit_frozen_and_killed(stack: Stack) -> None:
    room = create_room(stack).body
    with Writer(stack) as writer:
        figures = outage(stack, stack.livekit, join(stack, room), 200, "livekit")
    traffic = check_traffic(writer, stack)
    # Rooms do not need LiveKit: every write went through during its outages.
    assert traffic["writes_refused_503"] == 0, traffic
    figures["traffic"] = traffic
    report("livekit", figures)
