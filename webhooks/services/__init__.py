"""Outgoing webhooks: the envelope, the signature, one delivery attempt, and the test route.

Wire format (api-contract.md §8): body = compact JSON ``{"event","creationDate","data"}`` in
that order; ``X-Timestamp`` = creationDate; ``X-Signature`` = hex HMAC-SHA256 keyed with the
API key over ``"{creationDate}.{body}"``. Sent only when webhooks are enabled and an API key
exists. Retries are the Celery task's job (webhooks/tasks.py), which makes them durable.

Ours: a signing secret can replace the API key, with rotation (``signing``); deliveries that
fail for good are kept and can be sent again (``redelivery``).
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import logging
import socket
import ssl
import time
import uuid
from typing import Any

import requests
from django.conf import settings

from accounts import services as accounts_services
from meet import metrics
from meet.clock import now_ms
from webhooks.domain import AttemptResult, Delivery, DeliveryStatus, WebhookEvent
from webhooks.errors import InvalidWebhookUrlError, NoApiKeyForWebhooksError
from webhooks.repository import DeliveryRepository
from webhooks.services import redelivery, signing

logger = logging.getLogger(__name__)

_deliveries = DeliveryRepository()


def webhook_body(event: str, data: dict[str, Any], creation_date: int) -> str:
    """Compact JSON as ``JSON.stringify`` writes it: no spaces, non-ASCII kept."""
    return json.dumps(
        {"event": event, "creationDate": creation_date, "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def signature(body: str, creation_date: int, api_key: str) -> str:
    message = f"{creation_date}.{body}".encode()
    return hmac.new(api_key.encode(), message, hashlib.sha256).hexdigest()


def _reason(error: BaseException) -> str:
    """The reference's words for a failed request (api-contract.md §8.4)."""
    if isinstance(error, requests.Timeout):
        return f"Request timed out after {settings.WEBHOOK_TIMEOUT_SECONDS} seconds"
    if isinstance(error, requests.exceptions.SSLError):
        return "SSL/TLS certificate error"
    if isinstance(error, requests.ConnectionError):
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, socket.gaierror) or "NameResolutionError" in type(cause).__name__:
                return "Domain name could not be resolved"
            if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == (
                errno.ECONNREFUSED
            ):
                return "Connection refused by server"
            if isinstance(cause, ConnectionResetError) or getattr(cause, "errno", None) == (
                errno.ECONNRESET
            ):
                return "Connection reset by server"
            if isinstance(cause, ssl.SSLError):
                return "SSL/TLS certificate error"
            cause = cause.__cause__ or cause.__context__ or _first_arg_exception(cause)
        return "Network error: fetch failed"
    return f"Connection failed: {error}"


def _first_arg_exception(error: BaseException) -> BaseException | None:
    for argument in getattr(error, "args", ()):
        if isinstance(argument, BaseException):
            return argument
    reason = getattr(error, "reason", None)
    return reason if isinstance(reason, BaseException) else None


def post_webhook(
    url: str, body: str, creation_date: int, api_key: str, *, next_secret: str | None = None
) -> AttemptResult:
    """One signed POST with the 5 s timeout. Never raises. ``api_key`` (the API key or the
    signing secret) signs ``X-Signature``; ``next_secret``, in a rotation, ``X-Signature-Next``."""
    headers = {
        "Content-Type": "application/json",
        "X-Timestamp": str(creation_date),
        "X-Signature": signature(body, creation_date, api_key),
    }
    if next_secret is not None:
        headers["X-Signature-Next"] = signature(body, creation_date, next_secret)
    try:
        response = requests.post(
            url,
            data=body.encode(),
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        return AttemptResult(ok=False, status_code=None, reason=_reason(error))
    except Exception as error:  # anything else the HTTP stack raises becomes a failed attempt
        return AttemptResult(ok=False, status_code=None, reason=_reason(error))
    status = response.status_code
    if 200 <= status < 300:
        return AttemptResult(ok=True, status_code=status, reason="")
    if status >= 500:
        reason = f"Server error ({status} {response.reason})"
    elif status >= 400:
        reason = f"Client error ({status} {response.reason})"
    else:
        reason = f"Unexpected response ({status})"
    return AttemptResult(ok=False, status_code=status, reason=reason)


def test_webhook_url(*, url: str) -> None:
    """``POST /config/webhooks/test``: one signed test event, whatever ``enabled`` says."""
    keys = signing.signing_keys()
    if keys.signature is None:
        raise NoApiKeyForWebhooksError()
    creation_date = now_ms()
    body = webhook_body(
        WebhookEvent.TEST, {"message": "This is a test webhook event"}, creation_date
    )
    result = post_webhook(url, body, creation_date, keys.signature, next_secret=keys.next)
    if not result.ok:
        raise InvalidWebhookUrlError(url, result.reason)


def attempt_delivery(
    *,
    delivery_id: str,
    event: str,
    data: dict[str, Any],
    creation_date: int,
    attempt: int,
    redelivery_of: str = "",
) -> Delivery:
    """Send ``event`` once, reading the config and key now; record and return the outcome.

    A delivery whose webhooks were disabled, or whose API key was deleted, in the meantime is
    ``dropped`` (the reference drops it too: it needs both; a signing secret replaces the key)."""
    config = accounts_services.get_global_config().webhooks
    keys = signing.signing_keys()
    api_key = keys.signature
    previous = _deliveries.get(delivery_id) if attempt > 1 else None
    base = previous or Delivery(
        id=delivery_id,
        event=WebhookEvent(event),
        url=config.url,
        status=DeliveryStatus.PENDING,
        attempts=0,
        creation_date=creation_date,
        updated_at=now_ms(),
        redelivery_of=redelivery_of,
    )
    if not config.enabled or not config.url or api_key is None:
        reason = "webhooks disabled" if not config.enabled or not config.url else "no API key"
        logger.info("Webhook %s not sent: %s", event, reason)
        delivery = Delivery(
            **{**_fields(base), "status": DeliveryStatus.DROPPED, "last_result": reason}
        )
        _deliveries.save(delivery)
        metrics.webhook_end("dropped")
        return delivery
    body = webhook_body(event, data, creation_date)
    started = time.perf_counter()
    result = post_webhook(config.url, body, creation_date, api_key, next_secret=keys.next)
    metrics.webhook_attempt(ok=result.ok, seconds=time.perf_counter() - started)
    if result.ok:
        status, outcome = DeliveryStatus.DELIVERED, f"{result.status_code}"
    else:
        status, outcome = DeliveryStatus.RETRYING, result.reason
        logger.warning(
            "Webhook %s to %s failed (attempt %d): %s", event, config.url, attempt, outcome
        )
    delivery = Delivery(
        **{
            **_fields(base),
            "url": config.url,
            "status": status,
            "attempts": attempt,
            "updated_at": now_ms(),
            "last_result": outcome,
            "last_status_code": result.status_code,
        }
    )
    _deliveries.save(delivery)
    return delivery


def give_up(delivery: Delivery, data: dict[str, Any] | None = None) -> None:
    """The last attempt failed: the delivery is ``failed``, and kept for redelivery."""
    failed = Delivery(**{**_fields(delivery), "status": DeliveryStatus.FAILED})
    _deliveries.save(failed)
    if data is not None:
        redelivery.keep_failed(failed, data)
    metrics.webhook_end("failed")
    logger.error(
        "Webhook %s to %s dropped after %d attempts",
        delivery.event,
        delivery.url,
        delivery.attempts,
    )


def new_delivery_id() -> str:
    return uuid.uuid4().hex


def recent_deliveries(limit: int = 20) -> list[Delivery]:
    return _deliveries.recent(limit)


def _fields(delivery: Delivery) -> dict[str, Any]:
    return {name: getattr(delivery, name) for name in Delivery.__dataclass_fields__}
