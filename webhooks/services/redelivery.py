"""Failed deliveries kept for redelivery, and sending them again (ours).

A delivery whose last attempt failed is kept in Redis with its payload for
``MEET_WEBHOOK_FAILED_RETENTION_DAYS`` and at most ``MEET_WEBHOOK_FAILED_MAX`` of them (the
oldest go first). Redelivering one queues a *new* delivery of the same event and data through
the normal path (the Celery task, its retries, the delivery log): it is signed afresh, with the
current time as ``creationDate``/``X-Timestamp`` and the current secret, and sent to the URL
configured now. The failed record remembers the deliveries that redelivered it; "redeliver all
since" skips those already redelivered.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings

from accounts import services as accounts_services
from audit.domain import Actor
from audit.services import record_event
from meet import locks
from meet.clock import now_ms
from meet.errors import RedisUnavailableError
from meet.redis_connection import RedisError, redis_errors_as_503
from webhooks.domain import (
    Delivery,
    DeliveryDetail,
    DeliveryPage,
    DeliveryStatus,
    FailedDelivery,
    RedeliveryOutcome,
)
from webhooks.errors import (
    DeliveryNotFoundError,
    DeliveryNotRedeliverableError,
    NoSigningSecretError,
    WebhooksDisabledError,
)
from webhooks.repository import KEEP, DeliveryRepository, FailedDeliveryRepository
from webhooks.services import signing

logger = logging.getLogger(__name__)

_deliveries = DeliveryRepository()
_failed = FailedDeliveryRepository()
DAY_MS = 86_400_000


def _bounds() -> dict[str, int]:
    return {
        "keep": settings.MEET_WEBHOOK_FAILED_MAX,
        "oldest": now_ms() - settings.MEET_WEBHOOK_FAILED_RETENTION_DAYS * DAY_MS,
    }


def keep_failed(delivery: Delivery, data: dict[str, Any]) -> None:
    """Best effort, like the delivery log: it never fails the task that gave up."""
    try:
        _failed.save(FailedDelivery(delivery=delivery, data=data, failed_at=now_ms()), **_bounds())
    except RedisError as error:
        logger.warning("Could not keep failed webhook delivery %s: %s", delivery.id, error)


def _detail(failed: FailedDelivery, *, with_data: bool) -> DeliveryDetail:
    return DeliveryDetail(
        delivery=failed.delivery,
        failed_at=failed.failed_at,
        redelivered_to=failed.redelivered_to,
        data=failed.data if with_data else None,
    )


def list_deliveries(
    *, status: str | None = None, since: int = 0, limit: int = 100, offset: int = 0
) -> DeliveryPage:
    """``status=failed``: the kept failed deliveries that failed at or after ``since``.
    Otherwise the delivery log (the last 100), created at or after ``since``, of ``status`` if
    given. Newest first."""
    with redis_errors_as_503():
        if status == DeliveryStatus.FAILED:
            _failed.trim(**_bounds())
            rows = [
                _detail(failed, with_data=False)
                for failed in _failed.since(since, offset=offset, limit=limit + 1)
            ]
        else:
            rows = []
            for delivery in _deliveries.recent(KEEP):
                if delivery.creation_date < since or (status and delivery.status != status):
                    continue
                failed = (
                    _failed.get(delivery.id) if delivery.status == DeliveryStatus.FAILED else None
                )
                rows.append(
                    _detail(failed, with_data=False)
                    if failed is not None
                    else DeliveryDetail(delivery=delivery)
                )
            rows = rows[offset : offset + limit + 1]
    truncated = len(rows) > limit
    return DeliveryPage(
        items=rows[:limit],
        is_truncated=truncated,
        next_page_token=str(offset + limit) if truncated else None,
    )


def get_delivery(delivery_id: str) -> DeliveryDetail:
    with redis_errors_as_503():
        failed = _failed.get(delivery_id)
        if failed is not None:
            return _detail(failed, with_data=True)
        delivery = _deliveries.get(delivery_id)
    if delivery is None:
        raise DeliveryNotFoundError(delivery_id)
    return DeliveryDetail(delivery=delivery)


def _check_can_send() -> str:
    config = accounts_services.get_global_config().webhooks
    if not config.enabled or not config.url:
        raise WebhooksDisabledError()
    if signing.signing_keys().signature is None:
        raise NoSigningSecretError()
    return config.url


def _enqueue(failed: FailedDelivery, url: str) -> Delivery:
    """Queue a new delivery of ``failed``'s event; record it pending first (an eager task
    records its own outcome over it), and on the failed record once queued."""
    from webhooks.tasks import send_webhook_task  # tasks import the services

    original = failed.delivery
    creation_date = now_ms()
    pending = Delivery(
        id=uuid.uuid4().hex,
        event=original.event,
        url=url,
        status=DeliveryStatus.PENDING,
        attempts=0,
        creation_date=creation_date,
        updated_at=creation_date,
        redelivery_of=original.id,
    )
    _deliveries.save(pending)
    try:
        send_webhook_task.apply_async(
            args=[str(original.event), failed.data, creation_date],
            kwargs={"delivery_id": pending.id, "redelivery_of": original.id},
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0.1, "interval_step": 0.2},
        )
    except Exception as error:  # the broker (this Redis) cannot be reached
        _deliveries.save(
            Delivery(
                **{
                    **{name: getattr(pending, name) for name in Delivery.__dataclass_fields__},
                    "status": DeliveryStatus.DROPPED,
                    "last_result": "could not be queued",
                }
            )
        )
        raise RedisUnavailableError(str(error)) from error
    latest = _failed.get(original.id) or failed
    _failed.save(
        FailedDelivery(
            delivery=latest.delivery,
            data=latest.data,
            failed_at=latest.failed_at,
            redelivered_to=(*latest.redelivered_to, pending.id),
        ),
        **_bounds(),
    )
    return pending


def redeliver(*, delivery_id: str, actor: Actor) -> Delivery:
    """Send failed delivery ``delivery_id`` again (a new delivery, signed afresh)."""
    with redis_errors_as_503():
        failed = _failed.get(delivery_id)
        if failed is None:
            if _deliveries.get(delivery_id) is not None:
                raise DeliveryNotRedeliverableError(delivery_id)
            raise DeliveryNotFoundError(delivery_id)
        url = _check_can_send()
        delivery = _enqueue(failed, url)
    record_event(
        "webhook.delivery.redeliver",
        actor=actor,
        target_type="webhook_delivery",
        target_id=delivery_id,
        details={"event": str(failed.delivery.event), "deliveryId": delivery.id, "url": url},
    )
    return delivery


def redeliver_since(*, since: int, dry_run: bool, actor: Actor) -> RedeliveryOutcome:
    """Every kept failed delivery that failed at or after ``since`` and was not redelivered
    yet, oldest first. A dry run only counts them."""
    with redis_errors_as_503():
        _failed.trim(**_bounds())
        matched = _failed.since(since)
        todo = [failed for failed in reversed(matched) if not failed.redelivered_to]
        if dry_run:
            return RedeliveryOutcome(
                since=since,
                dry_run=True,
                matched=len(matched),
                redelivered=0,
                skipped=len(matched) - len(todo),
                source_ids=tuple(failed.delivery.id for failed in todo),
            )
        url = _check_can_send()
        sources: list[str] = []
        sent: list[str] = []
        failed_ids: list[str] = []
        with locks.held("webhook_redelivery", ttl_seconds=60, wait_seconds=10):
            for failed in todo:
                current = _failed.get(failed.delivery.id)
                if current is None or current.redelivered_to:  # another run got it first
                    continue
                try:
                    sent.append(_enqueue(current, url).id)
                    sources.append(current.delivery.id)
                except RedisUnavailableError:
                    failed_ids.append(failed.delivery.id)
    outcome = RedeliveryOutcome(
        since=since,
        dry_run=False,
        matched=len(matched),
        redelivered=len(sent),
        skipped=len(matched) - len(todo),
        source_ids=tuple(sources),
        delivery_ids=tuple(sent),
        failed_ids=tuple(failed_ids),
    )
    if sent or failed_ids:
        record_event(
            "webhook.delivery.redeliver_all",
            actor=actor,
            target_type="webhook_delivery",
            details={
                "since": since,
                "redelivered": len(sent),
                "redeliveredFrom": sources,
                "deliveryIds": sent,
                "notQueued": failed_ids,
            },
            outcome="success" if not failed_ids else "failure",
        )
    return outcome
