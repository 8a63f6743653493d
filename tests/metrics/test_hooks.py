"""What the instrumented parts count: webhook deliveries, scheduled jobs, dependencies, locks,
and that no secret, token or room id ever reaches a label."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from meet import locks
from meet.clock import now_ms
from meet.storage import get_object_store
from meetings.tasks import delete_expired_rooms_task
from rooms import services as room_services
from tests.metrics.helpers import scrape, value
from tests.rooms.helpers import create_room, participant_token, secret
from tests.webhook_receiver import WebhookReceiver
from webhooks import services as webhook_services


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(statuses=[500, 200])
    receiver.url = receiver.start()  # type: ignore[attr-defined]
    yield receiver
    receiver.stop()


class Delta:
    """Metric values now minus when it was made."""

    def __init__(self) -> None:
        self.before = scrape(Client())

    def __call__(self, name: str, **labels: str) -> float:
        return value(scrape(Client()), name, **labels) - value(self.before, name, **labels)


def test_webhook_deliveries_by_outcome_and_latency(
    metrics_on: None, admin_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    response = admin_client.put(
        "/internal-api/v1/config/webhooks",
        {"enabled": True, "url": receiver.url},  # type: ignore[attr-defined]
        format="json",
    )
    assert response.status_code == 200
    delta = Delta()
    arguments = {"delivery_id": "m1", "event": "meetingStarted", "data": {}, "creation_date": 1}
    first = webhook_services.attempt_delivery(**arguments, attempt=1)  # the receiver answers 500
    second = webhook_services.attempt_delivery(**arguments, attempt=2)  # then 200
    webhook_services.give_up(first)
    assert delta("meet_webhook_deliveries_total", outcome="error") == 1
    assert delta("meet_webhook_deliveries_total", outcome="delivered") == 1
    assert delta("meet_webhook_deliveries_total", outcome="failed") == 1
    assert delta("meet_webhook_delivery_duration_seconds_count", outcome="delivered") == 1
    assert delta("meet_webhook_delivery_duration_seconds_count", outcome="error") == 1
    assert second.status == "delivered"


def test_scheduled_jobs_runs_outcomes_and_items_changed(
    metrics_on: None, initialized: None, livekit_sim: Any
) -> None:
    expired = room_services.create_room(
        options=room_services.RoomOptions(room_name="old", auto_deletion_date=now_ms() - 1000)
    )
    delta = Delta()
    delete_expired_rooms_task()
    assert not room_services.list_rooms(
        room_id_prefix=expired.room_id, limit=1, page_token=None
    ).items
    delete_expired_rooms_task()  # the same tick again: its lock is held, skipped
    collector = "roomGarbageCollector"
    assert delta("meet_collector_runs_total", collector=collector, outcome="completed") == 1
    assert delta("meet_collector_runs_total", collector=collector, outcome="skipped") == 1
    assert delta("meet_collector_items_changed_total", collector=collector) == 1
    assert delta("meet_collector_duration_seconds_count", collector=collector) == 1
    assert (
        value(scrape(Client()), "meet_collector_last_run_timestamp_seconds", collector=collector)
        > 0
    )

    @locks.run_exclusively("failingJob", interval_seconds=60)
    def failing() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing()
    assert delta("meet_collector_runs_total", collector="failingJob", outcome="failed") == 1


def test_storage_outage_marks_s3_down_and_counts_the_failure(
    metrics_on: None, key_client: APIClient, settings: Any
) -> None:
    assert key_client.get("/api/v1/rooms").status_code == 200
    delta = Delta()
    text = scrape(Client())
    assert value(text, "meet_dependency_up", dependency="s3") == 1
    settings.MEET_S3_SERVICE_ENDPOINT = "http://127.0.0.1:1"  # nothing listens there
    settings.MEET_S3_MAX_ATTEMPTS = 1
    get_object_store.cache_clear()
    # A page the listing cache does not hold (it would answer the first one without storage).
    assert key_client.get("/api/v1/rooms?maxItems=7").status_code == 503
    text = scrape(Client())
    assert value(text, "meet_dependency_up", dependency="s3") == 0
    assert delta("meet_dependency_failures_total", dependency="s3") >= 1
    assert delta("meet_dependency_duration_seconds_count", dependency="s3", outcome="error") >= 1
    assert value(text, "meet_http_requests_total", route="/api/v1/rooms", status="503") >= 1


def test_locks_acquired_and_busy(metrics_on: None) -> None:
    delta = Delta()
    lock = locks.acquire("metrics-test", ttl_seconds=5)
    with pytest.raises(locks.LockNotAcquiredError):
        locks.acquire("metrics-test", ttl_seconds=5)
    locks.release(lock)
    assert delta("meet_lock_acquisitions_total", outcome="acquired") == 1
    assert delta("meet_lock_acquisitions_total", outcome="busy") == 1


def test_no_secret_token_key_or_room_id_reaches_a_label(
    metrics_on: None, api_key: str, livekit_sim: Any, settings: Any
) -> None:
    settings.MEET_METRICS_TOKEN = "the-metrics-token-value"
    settings.MEET_METRICS_INVENTORY_SECONDS = 0
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    room = create_room(client, roomName="Secret room")
    moderator_secret = secret(room["moderatorUrl"])
    speaker_secret = secret(room["speakerUrl"])
    token = participant_token(room)
    anonymous = APIClient()
    assert (
        anonymous.get(
            f"/internal-api/v1/rooms/{room['roomId']}/roles/{moderator_secret}"
        ).status_code
        == 200
    )
    assert (
        anonymous.get(f"/internal-api/v1/rooms/{room['roomId']}/roles/{speaker_secret}").status_code
        == 200
    )
    anonymous.get(f"/api/v1/rooms/{room['roomId']}?secret={moderator_secret}")
    anonymous.get(f"/room/{room['roomId']}?secret={moderator_secret}")
    anonymous.get(f"/{moderator_secret}/{token}")
    anonymous.get(
        f"/internal-api/v1/meetings/{room['roomId']}",
        HTTP_X_PARTICIPANT_TOKEN=f"Bearer {token}",
        HTTP_X_PARTICIPANT_ROLE="moderator",
    )
    text = scrape(Client(), HTTP_AUTHORIZATION="Bearer the-metrics-token-value")
    summary = json.dumps(client.get("/api/v1/metrics").json())
    for published in (text, summary):
        for secret_value in (
            api_key,
            moderator_secret,
            speaker_secret,
            token,
            room["roomId"],
            "the-metrics-token-value",
        ):
            assert secret_value not in published
    assert "/internal-api/v1/rooms/<roomId>/roles/<secret>" in text  # the template, not values
