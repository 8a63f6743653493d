"""The console's metrics page (server-rendered; the browser test is in tests/console)."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from recordings.tasks import collect_orphaned_locks_task
from tests.console.test_views import signed_in
from webhooks import services as webhook_services


def test_page_says_metrics_are_off(initialized: None) -> None:
    response = signed_in().get("/console/metrics/")
    assert response.status_code == 200
    assert b'data-testid="metrics-off"' in response.content
    assert b"MEET_METRICS_ENABLED=true" in response.content


def test_page_requires_sign_in(initialized: None, metrics_on: None) -> None:
    from django.test import Client

    response = Client().get("/console/metrics/")
    assert response.status_code == 302
    assert "/console/login/" in response["Location"]


def test_page_shows_the_summary(metrics_on: None, key_client: APIClient, settings: Any) -> None:
    settings.MEET_METRICS_INVENTORY_SECONDS = 0
    key_client.post("/api/v1/rooms", {"roomName": "shown"}, format="json")
    collect_orphaned_locks_task()
    webhook_services.attempt_delivery(
        delivery_id="d1", event="meetingStarted", data={}, creation_date=1, attempt=1
    )
    response = signed_in().get("/console/metrics/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-current="page">Metrics</a>' in page
    assert "<code>/api/v1/rooms</code>" in page
    assert "activeRecordingGarbageCollector" in page
    assert "dropped <strong>" in page
    assert 'data-testid="dependency-s3">up</span>' in page
    assert 'data-testid="metric-rooms">1</span>' in page
