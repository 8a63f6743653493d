"""The metrics page in a real headless Chromium (screenshots in test-artifacts/console/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from recordings.tasks import collect_orphaned_locks_task
from tests.console.conftest import sign_in
from webhooks import services as webhook_services

pytestmark = pytest.mark.browser

Shoot = Callable[[Any, str], None]


def test_metrics_page_off_then_on(
    page: Any, shoot: Shoot, initialized: None, api_key: str, settings: Any
) -> None:
    sign_in(page)
    page.get_by_role("link", name="Metrics").click()
    page.get_by_test_id("metrics-off").wait_for()
    shoot(page, "40-metrics-off")

    settings.MEET_METRICS_ENABLED = True
    settings.MEET_METRICS_INVENTORY_SECONDS = 0
    client = APIClient()  # counted: its handler loads the metrics middleware
    client.credentials(HTTP_X_API_KEY=api_key)
    for name in ("Daily", "Review"):
        assert client.post("/api/v1/rooms", {"roomName": name}, format="json").status_code == 201
    assert client.get("/api/v1/rooms").status_code == 200
    assert client.get("/api/v1/rooms/nope").status_code == 404
    collect_orphaned_locks_task()
    webhook_services.attempt_delivery(
        delivery_id="browser", event="meetingStarted", data={}, creation_date=1, attempt=1
    )

    page.reload()
    page.get_by_role("heading", name="Requests by route").wait_for()
    assert page.get_by_test_id("metric-rooms").inner_text() == "2"
    assert page.get_by_test_id("dependency-s3").inner_text() == "up"
    routes = page.get_by_test_id("routes")
    # exact, and at least once: other tests of this process may have counted sub-routes
    # (/api/v1/rooms/<roomId>/config) or other methods of the route (a row per method)
    assert routes.get_by_text("/api/v1/rooms/<roomId>", exact=True).count() >= 1
    assert (
        page.get_by_test_id("collectors").get_by_text("activeRecordingGarbageCollector").count()
        == 1
    )
    assert "dropped" in page.get_by_test_id("webhook-outcomes").inner_text()
    shoot(page, "41-metrics")
