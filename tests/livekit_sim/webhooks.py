"""Webhook emission: build, sign, record and deliver ``WebhookEvent``s in order.

Like LiveKit's Go notifier the body is ``protojson`` of the event (camelCase names, int64 as
strings, enums by name, defaults omitted), sent as ``Content-Type: application/webhook+json``
with ``Authorization: <bare JWT>`` carrying ``sha256 = base64(sha256(body))``. Delivery happens
on one background thread, in emission order, with a few retries; a Twirp reply never waits.
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from livekit.protocol import webhook as webhook_pb

from tests.livekit_sim.auth import webhook_token

logger = logging.getLogger(__name__)

_ALPHANUMERIC = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """LiveKit-style id: prefix + 12 random alphanumerics (``EG_``, ``RM_``, ``PA_``, ``EV_``)."""
    return prefix + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(12))


@dataclass
class RecordedEvent:
    """One emitted webhook, with what happened to its delivery."""

    id: str
    event: str
    body: bytes
    payload: dict[str, Any]
    url: str | None
    attempts: int = 0
    status: int | None = None  # last HTTP status received
    error: str = ""  # last transport error
    delivered: bool | None = None  # None: not sent (no URL) or still pending
    authorization: str = ""  # the Authorization header of the last attempt
    generation: int = 0
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event,
            "url": self.url,
            "attempts": self.attempts,
            "status": self.status,
            "error": self.error,
            "delivered": self.delivered,
            "payload": self.payload,
        }


class WebhookDispatcher:
    def __init__(
        self,
        api_key: str,
        api_secret: str,
        url: str | None,
        *,
        retries: int = 3,
        retry_delay: float = 0.2,
        timeout: float = 5.0,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.url = url
        self.retries = retries
        self.retry_delay = retry_delay
        self.timeout = timeout
        self._events: list[RecordedEvent] = []
        self._events_lock = threading.Condition()
        self._queue: queue.Queue[RecordedEvent | None] = queue.Queue()
        self._generation = 0  # bumped by reset(): queued events of older generations are dropped
        self._thread = threading.Thread(target=self._run, name="livekit-sim-webhooks", daemon=True)
        self._thread.start()

    # emission (called with the simulator lock held, so the order is the order of state changes)
    def emit(self, event: webhook_pb.WebhookEvent) -> RecordedEvent:
        event.id = new_id("EV_")
        event.created_at = int(time.time())
        payload = json_format.MessageToDict(event)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        record = RecordedEvent(
            id=event.id,
            event=event.event,
            body=body,
            payload=payload,
            url=self.url,
            generation=self._generation,
        )
        with self._events_lock:
            self._events.append(record)
            self._events_lock.notify_all()
        logger.debug("webhook %s %s", event.event, event.id)
        if self.url:
            self._queue.put(record)
        else:
            record.done.set()
        return record

    def events(self) -> list[RecordedEvent]:
        with self._events_lock:
            return list(self._events)

    def wait_for(self, predicate: Any, timeout: float) -> RecordedEvent | None:
        """First recorded event matching ``predicate(record)``, waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._events_lock:
            while True:
                for record in self._events:
                    if predicate(record):
                        return record
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._events_lock.wait(remaining)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once every event emitted so far has been delivered or given up on."""
        deadline = time.monotonic() + timeout
        for record in self.events():
            if not record.done.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True

    def reset(self) -> None:
        with self._events_lock:
            self._generation += 1
            for record in self._events:
                record.done.set()
            self._events.clear()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    # delivery
    def _run(self) -> None:
        while True:
            record = self._queue.get()
            if record is None:
                return
            try:
                self._deliver(record)
            except Exception:  # never let the sender thread die
                logger.exception("webhook delivery of %s crashed", record.id)
            finally:
                record.done.set()

    def _deliver(self, record: RecordedEvent) -> None:
        for attempt in range(self.retries + 1):
            if record.generation != self._generation or not record.url:
                return
            if attempt:
                time.sleep(self.retry_delay * (2 ** (attempt - 1)))
            record.attempts += 1
            if self._post(record):
                record.delivered = True
                return
        record.delivered = False
        logger.warning(
            "webhook %s %s to %s dropped after %d attempts (status=%s error=%s)",
            record.event,
            record.id,
            record.url,
            record.attempts,
            record.status,
            record.error,
        )

    def _post(self, record: RecordedEvent) -> bool:
        assert record.url
        record.authorization = webhook_token(record.body, self.api_key, self.api_secret)
        request = urllib.request.Request(
            record.url,
            data=record.body,
            method="POST",
            headers={
                "Content-Type": "application/webhook+json",
                "Authorization": record.authorization,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                record.status = response.status
                response.read()
                return 200 <= response.status < 300
        except urllib.error.HTTPError as exc:
            record.status = exc.code
            record.error = f"HTTP {exc.code}"
            return False
        except (urllib.error.URLError, OSError) as exc:
            record.error = str(exc)
            return False
