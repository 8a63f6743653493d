from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.services import free_port
from tests.webhook_receiver import WebhookReceiver, verify_signature
from webhooks import services
from webhooks.domain import DeliveryStatus
from webhooks.tasks import send_webhook_task

TEST_ROUTE = "/internal-api/v1/config/webhooks/test"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.url = receiver.start()  # type: ignore[attr-defined]
    yield receiver
    receiver.stop()


def enable_webhooks(admin_client: APIClient, url: str) -> None:
    response = admin_client.put(
        "/internal-api/v1/config/webhooks", {"enabled": True, "url": url}, format="json"
    )
    assert response.status_code == HTTPStatus.OK


def test_test_route_sends_a_signed_test_event(api_key: str, receiver: WebhookReceiver) -> None:
    response = APIClient().post(TEST_ROUTE, {"url": receiver.url}, format="json")  # type: ignore[attr-defined]
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": "Webhook URL is valid"}
    [request] = receiver.received
    body = request.json()
    assert list(body) == ["event", "creationDate", "data"]
    assert body["event"] == "testEvent"
    assert body["data"] == {"message": "This is a test webhook event"}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Timestamp"] == str(body["creationDate"])
    assert verify_signature(request, api_key)
    assert not verify_signature(request, "another-key")


def test_test_route_without_an_api_key(initialized: None, receiver: WebhookReceiver) -> None:
    response = APIClient().post(TEST_ROUTE, {"url": receiver.url}, format="json")  # type: ignore[attr-defined]
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "Webhook Error",
        "message": "There are no API keys configured yet. Please, create one to use webhooks.",
    }
    assert receiver.received == []


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (500, "Server error (500 Internal Server Error)"),
        (503, "Server error (503 Service Unavailable)"),
        (404, "Client error (404 Not Found)"),
        (401, "Client error (401 Unauthorized)"),
    ],
)
def test_test_route_reports_error_statuses(
    api_key: str, receiver: WebhookReceiver, status: int, reason: str
) -> None:
    receiver.statuses = [status]
    url = receiver.url  # type: ignore[attr-defined]
    response = APIClient().post(TEST_ROUTE, {"url": url}, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "Webhook Error",
        "message": f"Webhook URL '{url}' is invalid: {reason}",
    }


def test_test_route_reports_a_refused_connection(api_key: str) -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"
    response = APIClient().post(TEST_ROUTE, {"url": url}, format="json")
    assert response.json() == {
        "error": "Webhook Error",
        "message": f"Webhook URL '{url}' is invalid: Connection refused by server",
    }


def test_test_route_reports_a_timeout(
    api_key: str, receiver: WebhookReceiver, settings: Any
) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.delay = 1.5
    url = receiver.url  # type: ignore[attr-defined]
    response = APIClient().post(TEST_ROUTE, {"url": url}, format="json")
    assert (
        response.json()["message"]
        == f"Webhook URL '{url}' is invalid: Request timed out after 0.5 seconds"
    )


def test_test_route_reports_a_reset_connection(api_key: str) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def reset() -> None:
        connection, _ = server.accept()
        connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
        )
        connection.recv(10)
        connection.close()

    threading.Thread(target=reset, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    response = APIClient().post(TEST_ROUTE, {"url": url}, format="json")
    server.close()
    assert response.json()["message"] in (
        f"Webhook URL '{url}' is invalid: Connection reset by server",
        f"Webhook URL '{url}' is invalid: Network error: fetch failed",
    )


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, [{"field": "url", "message": "Required"}]),
        (
            {"url": "not a url"},
            [
                {"field": "url", "message": "Must be a valid URL"},
                {"field": "url", "message": "URL must start with http:// or https://"},
            ],
        ),
    ],
)
def test_test_route_validation(initialized: None, body: Any, details: Any) -> None:
    response = APIClient().post(TEST_ROUTE, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == {
        "error": "Unprocessable Entity",
        "message": "Invalid request",
        "details": details,
    }


def test_delivery_is_signed_with_the_api_key(
    admin_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    enable_webhooks(admin_client, receiver.url)  # type: ignore[attr-defined]
    data = {"roomId": "Café-123", "nested": {"n": 1, "f": 1.5}}
    delivery = services.attempt_delivery(
        delivery_id="d1", event="meetingStarted", data=data, creation_date=1760000000123, attempt=1
    )
    assert delivery.status == DeliveryStatus.DELIVERED
    [request] = receiver.received
    assert request.body.decode() == (
        '{"event":"meetingStarted","creationDate":1760000000123,'
        '"data":{"roomId":"Café-123","nested":{"n":1,"f":1.5}}}'
    )
    assert request.headers["X-Timestamp"] == "1760000000123"
    assert verify_signature(request, api_key, max_age_ms=10**15)
    assert services.recent_deliveries()[0].status == DeliveryStatus.DELIVERED


def test_nothing_is_sent_when_webhooks_are_disabled(
    api_key: str, receiver: WebhookReceiver
) -> None:
    delivery = services.attempt_delivery(
        delivery_id="d2", event="meetingStarted", data={}, creation_date=1, attempt=1
    )
    assert delivery.status == DeliveryStatus.DROPPED
    assert receiver.received == []


def test_nothing_is_sent_without_an_api_key(
    admin_client: APIClient, receiver: WebhookReceiver
) -> None:
    enable_webhooks(admin_client, receiver.url)  # type: ignore[attr-defined]
    delivery = services.attempt_delivery(
        delivery_id="d3", event="meetingStarted", data={}, creation_date=1, attempt=1
    )
    assert delivery.status == DeliveryStatus.DROPPED
    assert delivery.last_result == "no API key"
    assert receiver.received == []


def test_a_failed_attempt_asks_for_a_retry_with_doubling_delays(
    admin_client: APIClient,
    api_key: str,
    receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enable_webhooks(admin_client, receiver.url)  # type: ignore[attr-defined]
    receiver.statuses = [500]
    countdowns: list[float] = []

    class RetriedError(Exception):
        pass

    def fake_retry(**kwargs: Any) -> Exception:
        countdowns.append(kwargs["countdown"])
        return RetriedError()

    monkeypatch.setattr(send_webhook_task, "retry", fake_retry)
    for retries in range(5):
        send_webhook_task.push_request(retries=retries, id="delivery-x")
        try:
            with pytest.raises(RetriedError):
                send_webhook_task.run("meetingEnded", {"a": 1}, 1760000000000)
        finally:
            send_webhook_task.pop_request()
    assert countdowns == pytest.approx([0.3, 0.6, 1.2, 2.4, 4.8])
    send_webhook_task.push_request(retries=5, id="delivery-x")
    try:
        assert send_webhook_task.run("meetingEnded", {"a": 1}, 1760000000000) == "failed"
    finally:
        send_webhook_task.pop_request()
    assert len(receiver.received) == 6
    record = services.recent_deliveries()[0]
    assert (record.status, record.attempts) == (DeliveryStatus.FAILED, 6)
    assert record.last_result == "Server error (500 Internal Server Error)"
