"""Durable outgoing webhook delivery.

The reference retries in memory (lost on restart). Here each event is a Celery task: the first
run is attempt 1; a failure schedules a retry 300 ms, 600 ms, 1.2 s, 2.4 s, 4.8 s later (6
attempts, as the reference). The retry is a new broker message, and with late acks a worker that
stops between attempts hands the message back to the broker, so another worker delivers it.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from meet.notifications import SEND_WEBHOOK_TASK
from webhooks import services
from webhooks.domain import DeliveryStatus

MAX_RETRIES = 5
FIRST_DELAY_SECONDS = 0.3


@shared_task(bind=True, name=SEND_WEBHOOK_TASK, max_retries=MAX_RETRIES, acks_late=True)
def send_webhook_task(
    self: Any,
    event: str,
    data: dict[str, Any],
    creation_date: int,
    delivery_id: str | None = None,
) -> str:
    delivery_id = delivery_id or self.request.id or services.new_delivery_id()
    attempt = self.request.retries + 1
    delivery = services.attempt_delivery(
        delivery_id=delivery_id,
        event=event,
        data=data,
        creation_date=creation_date,
        attempt=attempt,
    )
    if delivery.status != DeliveryStatus.RETRYING:
        return str(delivery.status)
    if self.request.retries >= MAX_RETRIES:
        services.give_up(delivery)
        return str(DeliveryStatus.FAILED)
    raise self.retry(
        countdown=FIRST_DELAY_SECONDS * 2**self.request.retries,
        kwargs={"delivery_id": delivery_id},
    )
