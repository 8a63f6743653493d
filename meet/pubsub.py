"""Cross-instance events over Redis pub/sub (channel ``ov_meet_channel``).

Messages are ``{"eventType": ..., "payload": {...}}`` as in the reference, so instances of both
servers can share one Redis. A waiter subscribes *before* it triggers the action it waits for.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from meet import metrics
from meet.breaker import redis_breaker
from meet.redis_connection import redis, redis_errors_as_503

logger = logging.getLogger(__name__)


def publish(event_type: str, payload: dict[str, Any]) -> None:
    message = json.dumps({"eventType": event_type, "payload": payload}, separators=(",", ":"))
    with redis_errors_as_503():
        redis().publish(settings.EVENTS_CHANNEL, message)
    metrics.event_published(event_type)


class Subscription:
    def __init__(self, pubsub: Any, event_type: str) -> None:
        self._pubsub = pubsub
        self._event_type = event_type

    def wait(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float
    ) -> dict[str, Any] | None:
        """The payload of the first matching event, or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            if redis_breaker.is_down:
                # An idle read "succeeds" even on a frozen Redis, which would tell the breaker
                # Redis is back: wait without reading while it is marked down.
                time.sleep(min(remaining, 0.1))
                continue
            with redis_errors_as_503():
                message = self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=min(remaining, 1.0)
                )
            if message is None or message.get("type") != "message":
                continue
            try:
                event = json.loads(message["data"])
            except ValueError:
                continue
            if event.get("eventType") == self._event_type and predicate(event.get("payload", {})):
                return dict(event["payload"])
        return None


@contextmanager
def subscribe(event_type: str) -> Iterator[Subscription]:
    with redis_errors_as_503():
        pubsub = redis().pubsub()
        pubsub.subscribe(settings.EVENTS_CHANNEL)
        # Wait for the subscription confirmation so no event published afterwards is missed.
        pubsub.get_message(timeout=1.0)
    try:
        yield Subscription(pubsub, event_type)
    finally:
        try:
            pubsub.close()
        except Exception:  # closing a broken connection must not hide the real outcome
            logger.debug("pubsub close failed", exc_info=True)
