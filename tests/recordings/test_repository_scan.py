"""``RecordingRepository.iter_all``: every stored recording, page by page, from the cache where
it has the document and from storage otherwise."""

from __future__ import annotations

import json

from meet.redis_connection import redis
from recordings.repository import RecordingRepository, recording_from_json
from tests.recordings.helpers import store_recording


def test_every_recording_is_listed_once_across_pages_from_cache_or_storage() -> None:
    stored = [
        store_recording(room_id, status=status, media=None)
        for room_id in ("Room-a", "Room-b", "Room-c")
        for status in ("complete", "active", "starting")
    ]
    repository = RecordingRepository()
    repository.save(recording_from_json({**stored[0], "status": "failed"}))  # cached, newer
    redis().set(f"ov_meet:recording:{stored[1]['recordingId']}", "not json")  # unusable entry

    found = {recording.recording_id: recording for recording in repository.iter_all(page_size=4)}

    assert sorted(found) == sorted(raw["recordingId"] for raw in stored)
    assert found[stored[0]["recordingId"]].status == "failed"  # the cache's (and storage's) copy
    assert found[stored[1]["recordingId"]].status == "active"  # read from storage instead
    # misses were back-filled: the next scan needs no storage read for them
    cached = redis().get(f"ov_meet:recording:{stored[2]['recordingId']}")
    assert json.loads(cached)["status"] == "starting"
