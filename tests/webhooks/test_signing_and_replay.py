"""The webhook signing secret (stored > env > API key, rotation overlap) and failed deliveries
kept and redelivered: through the API, with a real receiver verifying signatures."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts import services as accounts_services
from meet.celery import app as celery_app
from meet.clock import now_ms
from tests.webhook_receiver import Received, WebhookReceiver, verify_signature
from webhooks import services, views
from webhooks.domain import DeliveryStatus
from webhooks.management.commands.redeliver_webhooks import parse_since
from webhooks.tasks import send_webhook_task

SECRET_ROUTE = "/api/v1/webhooks/signing-secret"
DELIVERIES = "/api/v1/webhooks/deliveries"
A_SECRET = "s" * 40
ANOTHER_SECRET = "t" * 40


@pytest.fixture
def receiver(key_client: APIClient) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    url = receiver.start()
    receiver.url = url  # type: ignore[attr-defined]
    accounts_services.update_webhooks_config(enabled=True, url=url)
    celery_app.conf.task_always_eager = True
    yield receiver
    celery_app.conf.task_always_eager = False
    receiver.stop()


def send(event: str = "meetingStarted", data: Any = None) -> str:
    return str(send_webhook_task.apply(args=[event, data or {"roomId": "r"}, now_ms()]).get())


def verifies(request: Received, secret: str, header: str = "X-Signature") -> bool:
    if header not in request.headers:
        return False
    renamed = Received({**request.headers, "X-Signature": request.headers[header]}, request.body)
    return verify_signature(renamed, secret)


# --- Signing secret ---------------------------------------------------------------------------


def test_by_default_the_api_key_signs_and_no_next_header(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    status = key_client.get(SECRET_ROUTE).json()
    assert status == {
        "source": "api-key",
        "createdAt": None,
        "overlapSeconds": 86400,
        "rotating": False,
        "previousSource": None,
        "overlapEndsAt": None,
    }
    assert send() == "delivered"
    [request] = receiver.received
    assert verifies(request, api_key)
    assert "X-Signature-Next" not in request.headers


def test_the_env_secret_signs_instead_of_the_api_key(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver, settings: Any
) -> None:
    settings.MEET_WEBHOOK_SIGNING_SECRET = A_SECRET
    assert key_client.get(SECRET_ROUTE).json()["source"] == "env"
    send()
    [request] = receiver.received
    assert verifies(request, A_SECRET)
    assert not verifies(request, api_key)


def test_a_stored_secret_overlaps_then_signs_alone(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver, settings: Any
) -> None:
    response = key_client.put(SECRET_ROUTE, {"secret": A_SECRET}, format="json")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert (body["source"], body["rotating"], body["previousSource"]) == (
        "stored",
        True,
        "api-key",
    )
    assert body["overlapEndsAt"] == pytest.approx(now_ms() + 86_400_000, abs=5000)
    assert "secret" not in body and A_SECRET not in response.content.decode()
    send()
    [during] = receiver.received
    # Unchanged receivers keep verifying X-Signature (the API key); the new secret signs Next.
    assert verifies(during, api_key)
    assert verifies(during, A_SECRET, "X-Signature-Next")
    assert not verifies(during, A_SECRET)


def test_after_the_overlap_only_the_new_secret_signs(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver, settings: Any
) -> None:
    settings.MEET_WEBHOOK_SIGNING_OVERLAP_SECONDS = 1
    key_client.put(SECRET_ROUTE, {"secret": A_SECRET}, format="json")
    send()
    time.sleep(1.1)
    assert key_client.get(SECRET_ROUTE).json()["rotating"] is False
    send()
    during, after = receiver.received
    assert verifies(during, api_key) and verifies(during, A_SECRET, "X-Signature-Next")
    assert verifies(after, A_SECRET)
    assert not verifies(after, api_key)
    assert "X-Signature-Next" not in after.headers


def test_rotate_returns_the_new_secret_once_and_it_signs_next(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    key_client.put(SECRET_ROUTE, {"secret": A_SECRET}, format="json")
    response = key_client.post(f"{SECRET_ROUTE}/rotate")
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "no-store"
    rotated = response.json()
    new_secret = rotated["secret"]
    assert new_secret.startswith("whsec_") and len(new_secret) >= 32
    # Rotating during an overlap keeps what signs X-Signature (the API key) and restarts it.
    assert (rotated["source"], rotated["previousSource"]) == ("stored", "api-key")
    assert "secret" not in key_client.get(SECRET_ROUTE).json()
    send()
    [request] = receiver.received
    assert verifies(request, api_key)
    assert verifies(request, new_secret, "X-Signature-Next")


def test_without_overlap_a_rotation_switches_at_once(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver, settings: Any
) -> None:
    settings.MEET_WEBHOOK_SIGNING_OVERLAP_SECONDS = 0
    new_secret = key_client.post(f"{SECRET_ROUTE}/rotate").json()["secret"]
    send()
    [request] = receiver.received
    assert verifies(request, new_secret)
    assert "X-Signature-Next" not in request.headers


def test_clearing_goes_back_to_the_api_key_after_an_overlap(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver, settings: Any
) -> None:
    settings.MEET_WEBHOOK_SIGNING_OVERLAP_SECONDS = 0
    key_client.put(SECRET_ROUTE, {"secret": A_SECRET}, format="json")
    settings.MEET_WEBHOOK_SIGNING_OVERLAP_SECONDS = 60
    response = key_client.delete(SECRET_ROUTE)
    assert response.status_code == HTTPStatus.OK
    assert (response.json()["source"], response.json()["previousSource"]) == ("api-key", "stored")
    send()
    [request] = receiver.received
    assert verifies(request, A_SECRET)
    assert verifies(request, api_key, "X-Signature-Next")


def test_the_test_route_is_signed_with_the_secret_even_without_an_api_key(
    initialized: None, settings: Any
) -> None:
    settings.MEET_WEBHOOK_SIGNING_SECRET = A_SECRET
    receiver = WebhookReceiver()
    url = receiver.start()
    try:
        response = APIClient().post(
            "/internal-api/v1/config/webhooks/test", {"url": url}, format="json"
        )
        assert response.status_code == HTTPStatus.OK
        [request] = receiver.received
        assert verifies(request, A_SECRET)
    finally:
        receiver.stop()


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, [{"field": "secret", "message": "Required"}]),
        ({"secret": 5}, [{"field": "secret", "message": "Expected string, received number"}]),
        (
            {"secret": "short"},
            [{"field": "secret", "message": "Secret must be at least 32 characters long"}],
        ),
        (
            {"secret": "x" * 257},
            [{"field": "secret", "message": "Secret must be at most 256 characters long"}],
        ),
        (
            {"secret": "with spaces " * 4},
            [
                {
                    "field": "secret",
                    "message": "Secret must be visible ASCII characters without spaces",
                }
            ],
        ),
    ],
)
def test_a_secret_is_validated(key_client: APIClient, body: Any, details: Any) -> None:
    response = key_client.put(SECRET_ROUTE, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == {
        "error": "Unprocessable Entity",
        "message": "Invalid request",
        "details": details,
    }
    assert key_client.get(SECRET_ROUTE).json()["source"] == "api-key"


def test_the_routes_need_the_api_key_or_an_admin(
    initialized: None, admin_client: APIClient
) -> None:
    assert APIClient().get(SECRET_ROUTE).status_code == HTTPStatus.UNAUTHORIZED
    assert APIClient().get(DELIVERIES).status_code == HTTPStatus.UNAUTHORIZED
    assert admin_client.get(SECRET_ROUTE).json()["source"] == "none"


def test_secret_changes_are_audited(
    key_client: APIClient, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="meet.audit")
    key_client.put(SECRET_ROUTE, {"secret": A_SECRET}, format="json")
    key_client.post(f"{SECRET_ROUTE}/rotate")
    key_client.delete(SECRET_ROUTE)
    text = caplog.text
    for action in ("set", "rotate", "clear"):
        assert f"webhook.signing_secret.{action}" in text
    assert A_SECRET not in text


# --- Failed deliveries and redelivery ---------------------------------------------------------


def fail_one(receiver: WebhookReceiver, data: Any = None) -> str:
    receiver.statuses = [500]
    before = len(receiver.received)
    assert send("recordingEnded", data or {"recordingId": "r--1"}) == "failed"
    assert len(receiver.received) == before + 6
    receiver.statuses = [200]
    [failed] = [d for d in key_deliveries("failed") if d["id"] not in _seen_failed(receiver)]
    _seen_failed(receiver).add(failed["id"])
    return str(failed["id"])


def _seen_failed(receiver: WebhookReceiver) -> set[str]:
    if not hasattr(receiver, "seen"):
        receiver.seen = set()  # type: ignore[attr-defined]
    return receiver.seen  # type: ignore[attr-defined,no-any-return]


_client: APIClient | None = None


def key_deliveries(status: str | None = None, **params: Any) -> list[dict[str, Any]]:
    assert _client is not None
    query = {**params, **({"status": status} if status else {})}
    response = _client.get(DELIVERIES, query)
    assert response.status_code == HTTPStatus.OK, response.content
    return list(response.json()["deliveries"])


@pytest.fixture(autouse=True)
def _remember_client(request: pytest.FixtureRequest) -> Iterator[None]:
    global _client
    if "key_client" in request.fixturenames:
        _client = request.getfixturevalue("key_client")
    yield
    _client = None


def test_a_failed_delivery_is_kept_with_its_payload(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    failed_id = fail_one(receiver, {"recordingId": "Café--1"})
    [listed] = key_deliveries("failed")
    assert listed["event"] == "recordingEnded"
    assert (listed["status"], listed["attempts"]) == ("failed", 6)
    assert listed["lastResult"] == "Server error (500 Internal Server Error)"
    assert listed["lastStatusCode"] == 500
    assert listed["url"] == receiver.url  # type: ignore[attr-defined]
    assert listed["redeliveredTo"] == []
    assert "data" not in listed
    detail = key_client.get(f"{DELIVERIES}/{failed_id}").json()
    assert detail["data"] == {"recordingId": "Café--1"}
    assert detail["failedAt"] >= detail["creationDate"]


def test_redelivering_signs_afresh_with_the_current_secret(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    failed_id = fail_one(receiver)
    original = receiver.received[0]
    time.sleep(0.01)
    key_client.put(SECRET_ROUTE, {"secret": A_SECRET}, format="json")
    response = key_client.post(f"{DELIVERIES}/{failed_id}/redeliver")
    assert response.status_code == HTTPStatus.ACCEPTED
    new = response.json()["delivery"]
    assert new["redeliveryOf"] == failed_id and new["id"] != failed_id
    redelivered = receiver.received[-1]
    assert redelivered.json()["data"] == original.json()["data"]
    assert int(redelivered.headers["X-Timestamp"]) > int(original.headers["X-Timestamp"])
    assert redelivered.json()["creationDate"] == int(redelivered.headers["X-Timestamp"])
    assert verifies(redelivered, api_key)  # still in the overlap
    assert verifies(redelivered, A_SECRET, "X-Signature-Next")
    record = key_client.get(f"{DELIVERIES}/{new['id']}").json()
    assert (record["status"], record["redeliveryOf"]) == ("delivered", failed_id)
    assert key_client.get(f"{DELIVERIES}/{failed_id}").json()["redeliveredTo"] == [new["id"]]


def test_redeliver_all_since_skips_older_and_already_redelivered(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="meet.audit")
    old = fail_one(receiver)
    time.sleep(0.01)
    since = now_ms()
    first = fail_one(receiver)
    second = fail_one(receiver)
    count = len(receiver.received)
    dry = key_client.post(
        f"{DELIVERIES}/redeliver", {"since": since, "dryRun": True}, format="json"
    )
    assert dry.status_code == HTTPStatus.OK
    assert dry.json() | {"sourceIds": sorted(dry.json()["sourceIds"])} == {
        "since": since,
        "dryRun": True,
        "matched": 2,
        "redelivered": 0,
        "skipped": 0,
        "sourceIds": sorted([first, second]),
        "deliveryIds": [],
        "failedIds": [],
    }
    assert len(receiver.received) == count  # the dry run sent nothing
    key_client.post(f"{DELIVERIES}/{first}/redeliver")
    response = key_client.post(f"{DELIVERIES}/redeliver", {"since": since}, format="json")
    assert response.status_code == HTTPStatus.ACCEPTED
    body = response.json()
    assert (body["matched"], body["redelivered"], body["skipped"]) == (2, 1, 1)
    assert body["sourceIds"] == [second]
    assert len(receiver.received) == count + 2  # the single redelivery and the bulk one
    assert key_client.get(f"{DELIVERIES}/{old}").json()["redeliveredTo"] == []
    assert "webhook.delivery.redeliver_all" in caplog.text
    assert "audit webhook.delivery.redeliver success" in caplog.text


def test_failed_deliveries_are_bounded(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver, settings: Any
) -> None:
    settings.MEET_WEBHOOK_FAILED_MAX = 2
    ids = [fail_one(receiver) for _ in range(3)]
    assert {d["id"] for d in key_deliveries("failed")} == set(ids[1:])
    assert key_client.get(f"{DELIVERIES}/{ids[0]}").json()["status"] == "failed"  # in the log
    settings.MEET_WEBHOOK_FAILED_RETENTION_DAYS = 0
    assert key_deliveries("failed") == []


def test_the_list_paginates_and_filters(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    for _ in range(3):
        send()
    fail_one(receiver)
    assert [d["status"] for d in key_deliveries("delivered")] == ["delivered"] * 3
    page = key_client.get(DELIVERIES, {"maxItems": 2}).json()
    assert len(page["deliveries"]) == 2
    assert page["pagination"] == {"isTruncated": True, "nextPageToken": "2", "maxItems": 2}
    rest = key_client.get(DELIVERIES, {"maxItems": 2, "nextPageToken": "2"}).json()
    assert len(rest["deliveries"]) == 2 and rest["pagination"]["isTruncated"] is False
    assert key_deliveries(since=now_ms() + 1000) == []


def test_unknown_and_unredeliverable_deliveries(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    for path in (f"{DELIVERIES}/nope", f"{DELIVERIES}/nope/redeliver"):
        method = key_client.get if not path.endswith("redeliver") else key_client.post
        response = method(path)
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json() == {
            "error": "Webhook Error",
            "message": "Webhook delivery 'nope' not found",
        }
    send()
    [delivered] = key_deliveries()
    response = key_client.post(f"{DELIVERIES}/{delivered['id']}/redeliver")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["error"] == "Webhook Error"


def test_redelivery_needs_webhooks_enabled(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    failed_id = fail_one(receiver)
    accounts_services.update_webhooks_config(enabled=False, url=None)
    response = key_client.post(f"{DELIVERIES}/{failed_id}/redeliver")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {
        "error": "Webhook Error",
        "message": "Webhooks are disabled: enable them before redelivering",
    }


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"status": "lost"}, "status", "Invalid enum value."),
        ({"since": "x"}, "since", "Expected number, received nan"),
        ({"since": "-1"}, "since", "since must be a non-negative number"),
        ({"maxItems": "0"}, "maxItems", "maxItems must be a positive number"),
        ({"nextPageToken": "abc"}, "nextPageToken", "Invalid page token"),
    ],
)
def test_list_query_validation(
    key_client: APIClient, query: dict[str, str], field: str, message: str
) -> None:
    response = key_client.get(DELIVERIES, query)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    [detail] = response.json()["details"]
    assert detail["field"] == field and detail["message"].startswith(message)


def test_redeliver_all_validation(key_client: APIClient) -> None:
    response = key_client.post(
        f"{DELIVERIES}/redeliver", {"since": "yesterday", "dryRun": "yes"}, format="json"
    )
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert [d["field"] for d in response.json()["details"]] == ["since", "dryRun"]


def test_delivery_records_stay_readable_by_the_service(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    send()
    assert services.recent_deliveries()[0].status == DeliveryStatus.DELIVERED


# --- manage.py redeliver_webhooks -------------------------------------------------------------


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("redeliver_webhooks", *args, stdout=out)
    return out.getvalue()


def test_the_command_redelivers_since_with_a_dry_run_first(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="meet.audit")
    old = fail_one(receiver)
    time.sleep(0.01)
    since = now_ms()
    recent = fail_one(receiver)
    count = len(receiver.received)
    dry = command("--since", str(since), "--dry-run")
    assert dry.splitlines()[0].startswith("Dry run: 1 failed deliveries since ")
    assert f"would redeliver {recent}" in dry and old not in dry
    assert len(receiver.received) == count
    done = command("--since", str(since))
    assert done.startswith("Redelivered 1 failed deliveries since ")
    assert f"{recent} -> " in done
    assert len(receiver.received) == count + 1
    assert verifies(receiver.received[-1], api_key)
    assert (
        "audit webhook.delivery.redeliver_all success by system:redeliver_webhooks" in caplog.text
    )
    assert command("--since", "1d").startswith("Redelivered 1 failed deliveries")  # the old one


def test_the_command_redelivers_by_id_and_reports_unknown_ids(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver
) -> None:
    failed_id = fail_one(receiver)
    assert command("--id", failed_id, "--dry-run") == f"would redeliver {failed_id} (failed)\n"
    assert command("--id", failed_id).startswith(f"Redelivered {failed_id} -> ")
    with pytest.raises(CommandError, match="Webhook delivery 'nope' not found"):
        command("--id", "nope")


@pytest.mark.parametrize("value", ["yesterday", "2x", "-5"])
def test_the_command_refuses_a_bad_since(initialized: None, value: str) -> None:
    with pytest.raises(CommandError, match="--since"):
        command("--since", value)


def test_since_accepts_iso_and_relative_times() -> None:
    assert parse_since("2026-01-01T00:00:00Z") == 1767225600000
    assert parse_since("2026-01-01T00:00:00") == 1767225600000
    assert parse_since("1767225600000") == 1767225600000
    assert parse_since("2h") == pytest.approx(now_ms() - 7_200_000, abs=1000)


# --- The receiver snippet of docs/webhook-signing.md ------------------------------------------


def test_the_documented_receiver_verifies_deliveries_during_and_after_a_rotation(
    key_client: APIClient, api_key: str, receiver: WebhookReceiver, settings: Any
) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "webhook-signing.md").read_text()
    [snippet] = re.findall(r"^```python\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)
    verify = namespace["verify"]
    settings.MEET_WEBHOOK_SIGNING_OVERLAP_SECONDS = 1
    key_client.put(SECRET_ROUTE, {"secret": A_SECRET}, format="json")
    send("meetingStarted", {"roomId": "Café"})
    time.sleep(1.1)
    send()
    during, after = receiver.received
    for request in (during, after):
        assert verify(request.headers, request.body, [A_SECRET])  # switched receivers
        assert not verify(request.headers, request.body, [ANOTHER_SECRET])
    assert verify(during.headers, during.body, [api_key])  # unchanged receivers, in the overlap
    assert not verify(after.headers, after.body, [api_key])  # ... and after it


# --- OpenAPI and scopes -----------------------------------------------------------------------


def test_the_routes_are_in_the_openapi_description_with_their_scopes(initialized: None) -> None:
    document = APIClient().get("/api/v1/docs/openapi.json").json()
    expected = {
        "/api/v1/webhooks/signing-secret": {"get", "put", "delete"},
        "/api/v1/webhooks/signing-secret/rotate": {"post"},
        "/api/v1/webhooks/deliveries": {"get"},
        "/api/v1/webhooks/deliveries/redeliver": {"post"},
        "/api/v1/webhooks/deliveries/{deliveryId}": {"get"},
        "/api/v1/webhooks/deliveries/{deliveryId}/redeliver": {"post"},
    }
    for path, methods in expected.items():
        assert set(document["paths"][path]) >= methods, path
    for view in (
        views.SigningSecretView,
        views.SigningSecretRotateView,
        views.DeliveryListView,
        views.DeliveryDetailView,
        views.DeliveryRedeliverView,
        views.DeliveryRedeliverAllView,
    ):
        methods = {name.upper() for name in ("get", "put", "post", "delete") if hasattr(view, name)}
        assert set(view.api_key_scopes) == methods, view
        assert all(scopes == ("config",) for scopes in view.api_key_scopes.values())
