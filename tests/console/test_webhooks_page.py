"""The console's webhooks page: signing secret and failed deliveries, through Django's test
client and end to end in headless Chromium (screenshots in ``test-artifacts/console/``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client

from accounts import services as accounts_services
from meet.celery import app as celery_app
from meet.clock import now_ms
from tests.console.conftest import sign_in
from tests.console.test_views import messages_of, signed_in
from tests.webhook_receiver import Received, WebhookReceiver, verify_signature
from webhooks.domain import SecretSource
from webhooks.services import redelivery, signing
from webhooks.tasks import send_webhook_task

Shoot = Callable[[Any, str], None]
A_SECRET = "c" * 40


@pytest.fixture
def receiver(initialized: None) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    url = receiver.start()
    accounts_services.create_api_key()
    accounts_services.update_webhooks_config(enabled=True, url=url)
    celery_app.conf.task_always_eager = True
    yield receiver
    celery_app.conf.task_always_eager = False
    receiver.stop()


def fail_one(receiver: WebhookReceiver, event: str = "recordingEnded") -> str:
    receiver.statuses = [503]
    assert send_webhook_task.apply(args=[event, {"n": 1}, now_ms()]).get() == "failed"
    receiver.statuses = [200]
    return redelivery.list_deliveries(status="failed", limit=1).items[0].delivery.id


def verifies(request: Received, secret: str, header: str = "X-Signature") -> bool:
    renamed = Received({**request.headers, "X-Signature": request.headers[header]}, request.body)
    return verify_signature(renamed, secret)


def test_the_page_needs_a_signed_in_admin(initialized: None) -> None:
    response = Client().get("/console/webhooks/")
    assert response.status_code == HTTPStatus.FOUND
    assert "/console/login/" in response["Location"]


def test_set_rotate_and_clear_the_secret(receiver: WebhookReceiver) -> None:
    console = signed_in()
    page = console.get("/console/webhooks/")
    assert page.context["status"].source == SecretSource.API_KEY
    response = console.post("/console/webhooks/secret/", {"secret": A_SECRET}, follow=True)
    assert messages_of(response)[0].startswith("Signing secret saved.")
    assert signing.signing_secret_status().source == SecretSource.STORED
    assert A_SECRET.encode() not in response.content
    response = console.post("/console/webhooks/secret/rotate/", follow=True)
    revealed = response.context["revealed"]
    assert revealed.startswith("whsec_") and revealed.encode() in response.content
    assert console.get("/console/webhooks/").context["revealed"] is None
    response = console.post("/console/webhooks/secret/clear/", follow=True)
    assert messages_of(response)[0].startswith("Signing secret cleared: the API key signs.")


def test_a_bad_secret_is_refused_on_the_page(receiver: WebhookReceiver) -> None:
    response = signed_in().post("/console/webhooks/secret/", {"secret": "short"})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Secret must be at least 32 characters long" in response.content.decode()
    assert signing.signing_secret_status().source == SecretSource.API_KEY


def test_redeliver_one_and_all_since(receiver: WebhookReceiver) -> None:
    console = signed_in()
    first = fail_one(receiver)
    second = fail_one(receiver)
    listed = [item.delivery.id for item in console.get("/console/webhooks/").context["failed"]]
    assert listed == [second, first]
    count = len(receiver.received)
    response = console.post(f"/console/webhooks/deliveries/{first}/redeliver/", follow=True)
    assert messages_of(response)[0].startswith(f"Delivery {first} queued again as ")
    assert len(receiver.received) == count + 1
    response = console.post("/console/webhooks/redeliver/", {"dry_run": "on"}, follow=True)
    assert messages_of(response) == [
        "Dry run: 1 failed deliveries would be redelivered (1 already redelivered)."
    ]
    response = console.post("/console/webhooks/redeliver/", {}, follow=True)
    assert messages_of(response) == ["1 failed deliveries queued again (1 already redelivered)."]
    assert len(receiver.received) == count + 2
    response = console.post("/console/webhooks/redeliver/", {"since": "not a date"}, follow=True)
    assert messages_of(response) == ["Failed since (UTC): Enter a valid date/time."]


def test_redelivering_an_unknown_delivery_shows_the_error(receiver: WebhookReceiver) -> None:
    response = signed_in().post("/console/webhooks/deliveries/nope/redeliver/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Webhook delivery &#x27;nope&#x27; not found" in response.content.decode()


@pytest.mark.browser
def test_the_webhooks_page_in_a_browser(page: Any, shoot: Shoot, receiver: WebhookReceiver) -> None:
    failed_id = fail_one(receiver)
    sign_in(page)
    page.get_by_role("link", name="Webhooks", exact=True).click()
    page.wait_for_url("**/console/webhooks/")
    assert "the API key" in page.get_by_test_id("signing-source").inner_text()
    row = page.locator(f"tr[data-delivery='{failed_id}']")
    assert "recordingEnded" in row.inner_text() and "503" in row.inner_text()
    shoot(page, "20-webhooks")

    page.get_by_label("New signing secret").fill("short")
    page.get_by_role("button", name="Set secret").click()
    page.get_by_text("Secret must be at least 32 characters long").first.wait_for()
    page.get_by_label("New signing secret").fill(A_SECRET)
    page.get_by_role("button", name="Set secret").click()
    page.get_by_text("Signing secret saved.", exact=False).wait_for()
    assert "in overlap until" in page.get_by_test_id("signing-rotation").inner_text()

    page.get_by_role("button", name="Rotate (generate)").click()
    page.get_by_text("Your new signing secret").wait_for()
    revealed = page.locator("#new-secret").input_value()
    assert revealed.startswith("whsec_")
    shoot(page, "21-webhooks-rotated")

    count = len(receiver.received)
    row.get_by_role("button", name="Redeliver").click()
    page.get_by_text(re.compile(f"Delivery {failed_id} queued again as ")).wait_for()
    receiver.wait_for(count + 1)
    redelivered = receiver.received[-1]
    # Still in the overlap: the API key signs X-Signature, the generated secret X-Signature-Next.
    assert verifies(redelivered, accounts_services.list_api_keys()[0].key)
    assert verifies(redelivered, revealed, "X-Signature-Next")
    assert failed_id in page.locator("tr[data-delivery]").first.get_attribute("data-delivery")
    assert "—" not in page.locator(f"tr[data-delivery='{failed_id}'] td").nth(4).inner_text()

    fail_one(receiver, "meetingEnded")
    page.reload()
    page.get_by_label("Dry run (only count)").check()
    page.get_by_role("button", name="Redeliver all since").click()
    page.get_by_text("Dry run: 1 failed deliveries would be redelivered").wait_for()
    page.get_by_role("button", name="Redeliver all since").click()
    page.get_by_text("1 failed deliveries queued again (1 already redelivered).").wait_for()
    shoot(page, "22-webhooks-redelivered")

    page.get_by_role("button", name="Clear").click()
    page.get_by_text("Signing secret cleared", exact=False).wait_for()
