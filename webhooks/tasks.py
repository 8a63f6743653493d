"""Durable outgoing webhook delivery.

The reference retries in memory (lost on restart). Here each event is a Celery task: the first
run is attempt 1; a failure schedules a retry 300 ms, 600 ms, 1.2 s, 2.4 s, 4.8 s later (6
attempts, as the reference). The retry is a new broker message, and with late acks a worker that
stops between attempts hands the message back to the broker, so another worker delivers it.

When our own side fails during a delivery (storage or Redis cannot give the global config, the
API key or the delivery record), nothing was sent: the event is *deferred*, retried with its own
backoff (0.3 s doubling, at most 30 s apart, ``MAX_DEFERRALS`` times, about 10 minutes), and
the receiver's 6 attempts stay untouched. The reference loses such an event.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from meet.errors import ServiceUnavailableError
from meet.notifications import SEND_WEBHOOK_TASK
from webhooks import services
from webhooks.domain import DeliveryStatus

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
FIRST_DELAY_SECONDS = 0.3
MAX_DEFERRALS = 25
MAX_DEFERRAL_DELAY_SECONDS = 30


@shared_task(
    bind=True,
    name=SEND_WEBHOOK_TASK,
    max_retries=MAX_RETRIES + MAX_DEFERRALS,
    acks_late=True,
)
def send_webhook_task(
    self: Any,
    event: str,
    data: dict[str, Any],
    creation_date: int,
    delivery_id: str | None = None,
    deferred: int = 0,
    redelivery_of: str = "",
) -> str:
    delivery_id = delivery_id or self.request.id or services.new_delivery_id()
    attempt = self.request.retries - deferred + 1  # attempts that reached the receiver, + 1
    try:
        delivery = services.attempt_delivery(
            delivery_id=delivery_id,
            event=event,
            data=data,
            creation_date=creation_date,
            attempt=attempt,
            redelivery_of=redelivery_of,
        )
    except ServiceUnavailableError as error:
        if deferred >= MAX_DEFERRALS:
            logger.error("Webhook %s dropped: %s still failing (%s)", event, error.error, error)
            return str(DeliveryStatus.FAILED)
        logger.warning("Webhook %s deferred, %s: %s", event, error.error, error.message)
        raise self.retry(
            countdown=min(FIRST_DELAY_SECONDS * 2**deferred, MAX_DEFERRAL_DELAY_SECONDS),
            kwargs={
                "delivery_id": delivery_id,
                "deferred": deferred + 1,
                "redelivery_of": redelivery_of,
            },
        ) from error
    if delivery.status != DeliveryStatus.RETRYING:
        return str(delivery.status)
    if attempt > MAX_RETRIES:
        services.give_up(delivery, data)
        return str(DeliveryStatus.FAILED)
    raise self.retry(
        countdown=FIRST_DELAY_SECONDS * 2 ** (attempt - 1),
        kwargs={"delivery_id": delivery_id, "deferred": deferred, "redelivery_of": redelivery_of},
    )
