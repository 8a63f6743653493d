"""An outgoing webhook whose delivery cannot read the global config or the API key (storage or
Redis failing at that moment) is retried later, not dropped for good."""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from meet.redis_connection import redis
from meet.storage import get_object_store
from tests.services import free_port
from tests.webhook_receiver import WebhookReceiver
from webhooks import services
from webhooks.domain import DeliveryStatus
from webhooks.tasks import send_webhook_task


class RetriedError(Exception):
    pass


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.url = receiver.start()  # type: ignore[attr-defined]
    yield receiver
    receiver.stop()


@pytest.fixture
def retries(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Each ``self.retry(...)`` the task asks for (Celery would send a new message)."""
    asked: list[dict[str, Any]] = []

    def fake_retry(**kwargs: Any) -> Exception:
        asked.append(kwargs)
        return RetriedError()

    monkeypatch.setattr(send_webhook_task, "retry", fake_retry)
    return asked


def run_task(retries: int, **kwargs: Any) -> Any:
    send_webhook_task.push_request(retries=retries, id="delivery-outage")
    try:
        return send_webhook_task.run("meetingStarted", {"roomId": "r-1"}, 1760000000000, **kwargs)
    finally:
        send_webhook_task.pop_request()


def storage_down(settings: Any) -> None:
    """S3 refuses connections (a real refused connection, not a mock); nothing cached."""
    settings.MEET_S3_SERVICE_ENDPOINT = f"http://127.0.0.1:{free_port()}"
    get_object_store.cache_clear()
    for key in redis().scan_iter(match="ov_meet:*"):
        redis().delete(key)


def test_a_delivery_that_cannot_read_the_config_is_retried_and_then_delivered(
    admin_client: APIClient,
    api_key: str,
    receiver: WebhookReceiver,
    retries: list[dict[str, Any]],
    settings: Any,
    moto_endpoint: str,
) -> None:
    response = admin_client.put(
        "/internal-api/v1/config/webhooks",
        {"enabled": True, "url": receiver.url},  # type: ignore[attr-defined]
        format="json",
    )
    assert response.status_code == HTTPStatus.OK
    storage_down(settings)

    with pytest.raises(RetriedError):
        run_task(0)

    assert len(retries) == 1
    assert retries[0]["kwargs"]["deferred"] == 1
    assert receiver.received == []

    settings.MEET_S3_SERVICE_ENDPOINT = moto_endpoint
    get_object_store.cache_clear()
    assert run_task(1, **retries[0]["kwargs"]) == "delivered"
    assert len(receiver.received) == 1
    record = services.recent_deliveries()[0]
    assert (record.status, record.attempts) == (DeliveryStatus.DELIVERED, 1)


def test_an_outage_does_not_use_up_the_receivers_attempts(
    admin_client: APIClient,
    api_key: str,
    receiver: WebhookReceiver,
    retries: list[dict[str, Any]],
    settings: Any,
) -> None:
    admin_client.put(
        "/internal-api/v1/config/webhooks",
        {"enabled": True, "url": receiver.url},  # type: ignore[attr-defined]
        format="json",
    )
    storage_down(settings)

    for deferred in range(8):
        with pytest.raises(RetriedError):
            run_task(deferred, deferred=deferred)

    countdowns = [asked["countdown"] for asked in retries]
    assert countdowns == sorted(countdowns)
    assert max(countdowns) <= 30
    assert [asked["kwargs"]["deferred"] for asked in retries] == list(range(1, 9))
