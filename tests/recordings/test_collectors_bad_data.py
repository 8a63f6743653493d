"""The two recording collectors survive bad data and failing dependencies (behavior.md §4.3,
§4.4): an unreadable lock-registry entry is skipped, a registry entry without ``createdAt`` is
an orphan, a LiveKit that cannot list egresses ends the stale cleanup's run cleanly."""

from __future__ import annotations

import json
import logging
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from meet import livekit, locks
from meet.redis_connection import redis
from recordings import tasks
from tests.livekit_sim import LiveKitSimulator
from tests.services import free_port

REGISTRY = "ov_meet_lock_registry:ov_meet_lock:recording_active_{}"
LOCK = "ov_meet_lock:recording_active_{}"


def run(command: str) -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', "null"])
def test_an_unreadable_lock_registry_entry_is_skipped_and_the_others_are_collected(
    livekit_sim: LiveKitSimulator, settings: Any, caplog: pytest.LogCaptureFixture, raw: str
) -> None:
    settings.RECORDING_LOCK_GRACE_SECONDS = 0
    locks.acquire("recording_active_gone-room", ttl_seconds=3600)
    redis().set(REGISTRY.format("broken-room"), raw)
    with caplog.at_level(logging.WARNING, logger="meet.locks"):
        assert run("collect_recording_locks") == "1 examined, 1 released, 0 kept, 0 error(s)"
    assert not redis().exists(LOCK.format("gone-room"))
    assert redis().get(REGISTRY.format("broken-room")) == raw.encode()  # skipped, not touched
    assert any(
        record.levelno == logging.WARNING and REGISTRY.format("broken-room") in record.getMessage()
        for record in caplog.records
    )


@pytest.mark.parametrize(
    "created_at", [None, "missing", "not-a-number"], ids=["null", "missing", "text"]
)
def test_a_registry_entry_without_created_at_counts_as_orphaned(
    livekit_sim: LiveKitSimulator, settings: Any, created_at: Any
) -> None:
    """Even in a room with publishers and a recording in progress, where a lock with a
    ``createdAt`` is kept (behavior.md §4.3 step 2.2 comes before the LiveKit checks)."""
    settings.RECORDING_LOCK_GRACE_SECONDS = 0
    livekit_sim.add_participant("Busy-1", "alice")
    egress = livekit.start_room_composite_egress(
        "Busy-1", "openvidu-meet/recordings/Busy-1/Busy-1--abc"
    )
    livekit_sim.wait_for_event(
        "egress_updated", lambda p: p["egressInfo"]["egressId"] == egress.egress_id
    )
    kept = locks.acquire("recording_active_Busy-1", ttl_seconds=3600)
    assert run("collect_recording_locks") == "1 examined, 0 released, 1 kept, 0 error(s)"

    entry: dict[str, Any] = {
        "resources": [LOCK.format("Busy-1")],
        "value": kept.token,
        "expiration": kept.created_at_ms + 3_600_000,
    }
    if created_at != "missing":
        entry["createdAt"] = created_at
    redis().set(REGISTRY.format("Busy-1"), json.dumps(entry))
    assert run("collect_recording_locks") == "1 examined, 1 released, 0 kept, 0 error(s)"
    assert not redis().exists(LOCK.format("Busy-1"))
    assert not redis().exists(REGISTRY.format("Busy-1"))


def test_a_failing_livekit_egress_listing_ends_the_stale_cleanup_cleanly(
    livekit_sim: LiveKitSimulator, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{free_port()}"  # nothing listens there
    livekit.reset_client()
    with caplog.at_level(logging.ERROR, logger="recordings.services.collectors"):
        assert run("cleanup_stale_recordings") == "0 examined, 0 aborted, 0 kept, 1 error(s)"
        assert tasks.cleanup_stale_recordings_task.run() == (
            "0 examined, 0 aborted, 0 kept, 1 error(s)"
        )
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == ["Could not list LiveKit's egresses: LiveKit is not available"] * 2


def test_livekit_answering_an_error_to_the_egress_listing_ends_the_stale_cleanup_cleanly(
    livekit_sim: LiveKitSimulator, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.LIVEKIT_API_SECRET = "not-the-secret"  # LiveKit answers 401 unauthenticated
    livekit.reset_client()
    with caplog.at_level(logging.ERROR, logger="recordings.services.collectors"):
        assert run("cleanup_stale_recordings") == "0 examined, 0 aborted, 0 kept, 1 error(s)"
    [error] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert error.startswith("Could not list LiveKit's egresses: unauthenticated")
