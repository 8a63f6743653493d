"""Emit an outgoing webhook event from any app without importing the webhooks app.

Rooms and recordings sit below ``webhooks`` in the dependency order, so they hand the event to
the ``webhooks.send_webhook`` Celery task by name, with a primitive payload. Emitting never fails
or delays the caller: a broker that cannot be reached is logged and the event is lost, like the
reference's fire-and-forget sends.
"""

from __future__ import annotations

import logging
from typing import Any

from meet.clock import now_ms

logger = logging.getLogger(__name__)

SEND_WEBHOOK_TASK = "webhooks.send_webhook"


def emit(event: str, data: dict[str, Any]) -> None:
    from meet.breaker import redis_breaker
    from meet.celery import app

    if redis_breaker.is_down:  # the broker is this Redis: publishing would wait in vain
        logger.error("Webhook event %s not enqueued: Redis is down", event)
        return
    creation_date = now_ms()
    options: dict[str, Any] = {
        "retry": True,
        "retry_policy": {"max_retries": 1, "interval_start": 0.1, "interval_step": 0.2},
    }
    try:
        task = app.tasks.get(SEND_WEBHOOK_TASK)
        if task is not None:  # registered in this process: apply_async honours eager mode
            task.apply_async(args=[event, data, creation_date], **options)
        else:
            app.send_task(SEND_WEBHOOK_TASK, args=[event, data, creation_date], **options)
    except Exception:  # the triggering flow must go on whatever happens to the broker
        logger.exception("Could not enqueue webhook event %s", event)
