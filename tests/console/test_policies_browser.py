"""Room policies in the console (real headless Chromium): retention days, maximum participants
and maximum meeting length on the room create and edit forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from rooms import services as room_services
from tests.console.conftest import sign_in

pytestmark = pytest.mark.browser

Shoot = Callable[[Any, str], None]


def test_create_and_edit_room_policies(
    page: Any, shoot: Shoot, initialized: None, livekit_sim: Any
) -> None:
    page.goto("/console/")
    sign_in(page)
    page.goto("/console/rooms/new/")
    page.get_by_label("Room name").fill("Board meeting")
    page.get_by_label("Keep recordings for (days)").fill("30")
    page.get_by_label("Maximum participants").fill("10001")  # beyond the limit
    page.get_by_label("Maximum meeting length (minutes)").fill("90")
    page.get_by_role("button", name="Create room").click()
    page.get_by_text("maxParticipants must be between 1 and 10000").wait_for()
    shoot(page, "policies-01-create-invalid")

    page.get_by_label("Maximum participants").fill("12")
    shoot(page, "policies-02-create")
    page.get_by_role("button", name="Create room").click()
    page.wait_for_url(re.compile(r".*/console/rooms/Boardmeeting-[a-z0-9]{15}/$"))
    room_id = page.get_by_test_id("room-id").inner_text()
    room = room_services.get_room(room_id)
    assert room.config.recording.retention_days == 30
    assert room.config.limits is not None
    assert room.config.limits.max_participants == 12
    assert room.config.limits.max_duration_minutes == 90
    assert page.get_by_test_id("room-policies").inner_text() == (
        "recordings kept 30 days; at most 12 participants; meetings end after 90 min"
    )
    assert page.get_by_label("Keep recordings for (days)").input_value() == "30"
    assert page.get_by_label("Maximum participants").input_value() == "12"
    shoot(page, "policies-03-detail")

    # Edit: keep forever, no participant limit, a shorter meeting.
    page.get_by_label("Keep recordings for (days)").fill("0")
    page.get_by_label("Maximum participants").fill("")
    page.get_by_label("Maximum meeting length (minutes)").fill("45")
    page.get_by_role("button", name="Save configuration").click()
    page.get_by_text("Room configuration saved.").wait_for()
    room = room_services.get_room(room_id)
    assert room.config.recording.retention_days == 0
    assert room.config.limits is not None
    assert room.config.limits.max_participants is None
    assert room.config.limits.max_duration_minutes == 45
    assert page.get_by_test_id("room-policies").inner_text() == (
        "recordings kept forever; meetings end after 45 min"
    )

    # A bad value is refused with the API's message; nothing changes.
    page.get_by_label("Maximum meeting length (minutes)").fill("0")
    page.get_by_role("button", name="Save configuration").click()
    page.get_by_text("maxDurationMinutes must be between 1 and 43200").wait_for()
    shoot(page, "policies-04-edit-invalid")
    assert room_services.get_room(room_id).config.limits == room.config.limits

    # Cleared entirely: the stored room has no policy left.
    page.get_by_label("Keep recordings for (days)").fill("")
    page.get_by_label("Maximum meeting length (minutes)").fill("")
    page.get_by_role("button", name="Save configuration").click()
    page.get_by_text("Room configuration saved.").wait_for()
    room = room_services.get_room(room_id)
    assert room.config.recording.retention_days is None
    assert room.config.limits is None
    assert page.get_by_test_id("room-policies").inner_text() == (
        "recordings kept as the server's default"
    )
    shoot(page, "policies-05-cleared")


def test_retention_on_the_maintenance_page(
    page: Any, shoot: Shoot, initialized: None, livekit_sim: Any, settings: Any
) -> None:
    import time

    from tests.recordings.helpers import store_recording, stored_objects

    settings.MEET_RECORDING_RETENTION_DAYS = 30
    day_ms = 24 * 3600 * 1000
    end = time.time() * 1000 - 31 * day_ms
    old = store_recording(startDate=end - 60_000, endDate=end)
    failed = store_recording(status="failed", startDate=end - 60_000, endDate=end)
    recent = store_recording(startDate=end + 2 * day_ms, endDate=end + 2 * day_ms + 60_000)

    page.goto("/console/")
    sign_in(page)
    page.get_by_role("link", name="Maintenance").click()
    panel = page.locator("#retention")
    panel.get_by_text(
        "2 of 3 recording(s) past retention: 1 would be deleted, 1 kept (dry run, nothing changed)"
    ).wait_for()
    assert panel.get_by_text(f"would delete {old['recordingId']}", exact=False).count() == 1
    assert panel.get_by_text(f"keep {failed['recordingId']}", exact=False).count() == 1
    shoot(page, "policies-06-maintenance-retention")

    panel.get_by_role("button", name="Apply retention now").click()
    page.get_by_text(
        "Recording retention: 2 of 3 recording(s) past retention: 1 deleted, 1 kept"
    ).wait_for()
    assert not stored_objects(old)["metadata"]
    assert stored_objects(failed)["metadata"] and stored_objects(recent)["metadata"]
    page.locator("#retention").get_by_text(
        "1 of 2 recording(s) past retention: 0 would be deleted, 1 kept", exact=False
    ).wait_for()
    shoot(page, "policies-07-maintenance-retention-applied")
