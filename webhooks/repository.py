"""Outgoing webhooks' records: recent deliveries and failed ones (Redis), the signing secret
(object store)."""

from __future__ import annotations

import json
import logging
from typing import Any

from meet import redis_keys
from meet.redis_connection import RedisError, redis
from meet.storage import get_object_store, keys
from webhooks.domain import (
    Delivery,
    DeliveryStatus,
    FailedDelivery,
    PreviousSecret,
    SecretSource,
    SigningSecretDocument,
    StoredSecret,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

INDEX_KEY = redis_keys.WEBHOOK_DELIVERIES
RECORDS_KEY = redis_keys.WEBHOOK_DELIVERY_RECORDS
KEEP = 100


class DeliveryRepository:
    @staticmethod
    def _to_json(delivery: Delivery) -> dict[str, Any]:
        return {
            "id": delivery.id,
            "event": delivery.event,
            "url": delivery.url,
            "status": delivery.status,
            "attempts": delivery.attempts,
            "creationDate": delivery.creation_date,
            "updatedAt": delivery.updated_at,
            "lastResult": delivery.last_result,
            "lastStatusCode": delivery.last_status_code,
            "redeliveryOf": delivery.redelivery_of,
        }

    @staticmethod
    def _from_json(raw: dict[str, Any]) -> Delivery:
        return Delivery(
            id=str(raw["id"]),
            event=WebhookEvent(str(raw.get("event", ""))),
            url=str(raw.get("url", "")),
            status=DeliveryStatus(str(raw.get("status", ""))),
            attempts=int(raw.get("attempts", 0)),
            creation_date=int(raw.get("creationDate", 0)),
            updated_at=int(raw.get("updatedAt", 0)),
            last_result=str(raw.get("lastResult", "")),
            last_status_code=(
                int(raw["lastStatusCode"]) if raw.get("lastStatusCode") is not None else None
            ),
            redelivery_of=str(raw.get("redeliveryOf") or ""),
        )

    def save(self, delivery: Delivery) -> None:
        """Best effort: the record is for operators, it must never fail a delivery."""
        try:
            client = redis()
            pipe = client.pipeline()
            pipe.hset(RECORDS_KEY, delivery.id, json.dumps(self._to_json(delivery)))
            pipe.zadd(INDEX_KEY, {delivery.id: delivery.creation_date})
            pipe.execute()
            stale = client.zrange(INDEX_KEY, 0, -(KEEP + 1))
            if stale:
                client.zrem(INDEX_KEY, *stale)
                client.hdel(RECORDS_KEY, *stale)
        except RedisError as error:
            logger.warning("Could not record webhook delivery %s: %s", delivery.id, error)

    def get(self, delivery_id: str) -> Delivery | None:
        raw = redis().hget(RECORDS_KEY, delivery_id)
        return None if raw is None else self._from_json(json.loads(raw))

    def recent(self, limit: int = 20) -> list[Delivery]:
        client = redis()
        ids = client.zrevrange(INDEX_KEY, 0, limit - 1)
        if not ids:
            return []
        raws = client.hmget(RECORDS_KEY, ids)
        return [self._from_json(json.loads(raw)) for raw in raws if raw is not None]


class FailedDeliveryRepository:
    """Failed deliveries with their payload, newest last in a sorted set scored by failure time.

    Bounded twice: older than ``retention_ms`` and beyond ``keep`` (the oldest go first); both
    are applied on every write and before every read."""

    INDEX_KEY = redis_keys.WEBHOOK_FAILED_DELIVERIES
    RECORDS_KEY = redis_keys.WEBHOOK_FAILED_DELIVERY_RECORDS

    @staticmethod
    def _to_json(failed: FailedDelivery) -> dict[str, Any]:
        return {
            **DeliveryRepository._to_json(failed.delivery),
            "data": failed.data,
            "failedAt": failed.failed_at,
            "redeliveredTo": list(failed.redelivered_to),
        }

    @staticmethod
    def _from_json(raw: dict[str, Any]) -> FailedDelivery:
        data = raw.get("data")
        return FailedDelivery(
            delivery=DeliveryRepository._from_json(raw),
            data=data if isinstance(data, dict) else {},
            failed_at=int(raw.get("failedAt", 0)),
            redelivered_to=tuple(str(item) for item in raw.get("redeliveredTo") or ()),
        )

    def save(self, failed: FailedDelivery, *, keep: int, oldest: int) -> None:
        client = redis()
        pipe = client.pipeline()
        pipe.hset(self.RECORDS_KEY, failed.delivery.id, json.dumps(self._to_json(failed)))
        pipe.zadd(self.INDEX_KEY, {failed.delivery.id: failed.failed_at})
        pipe.execute()
        self.trim(keep=keep, oldest=oldest)

    def trim(self, *, keep: int, oldest: int) -> int:
        """Drop records that failed before ``oldest`` (epoch ms) or beyond the newest ``keep``."""
        client = redis()
        stale = list(client.zrangebyscore(self.INDEX_KEY, "-inf", f"({oldest}"))
        stale += client.zrange(self.INDEX_KEY, 0, -(keep + 1))  # keep=0: all of them
        stale = list(dict.fromkeys(stale))
        if stale:
            pipe = client.pipeline()
            pipe.zrem(self.INDEX_KEY, *stale)
            pipe.hdel(self.RECORDS_KEY, *stale)
            pipe.execute()
        return len(stale)

    def get(self, delivery_id: str) -> FailedDelivery | None:
        raw = redis().hget(self.RECORDS_KEY, delivery_id)
        return None if raw is None else self._from_json(json.loads(raw))

    def since(
        self, since: int, *, offset: int = 0, limit: int | None = None
    ) -> list[FailedDelivery]:
        """Failed at or after ``since`` (epoch ms), newest first."""
        client = redis()
        ids = client.zrevrangebyscore(
            self.INDEX_KEY,
            "+inf",
            since,
            start=offset,
            num=limit if limit is not None else -1,
        )
        if not ids:
            return []
        raws = client.hmget(self.RECORDS_KEY, ids)
        return [self._from_json(json.loads(raw)) for raw in raws if raw is not None]

    def count_since(self, since: int) -> int:
        return int(redis().zcount(self.INDEX_KEY, since, "+inf"))


class SigningSecretRepository:
    """``webhooks/signing-secret.json`` beside the other JSON documents (ours; the reference
    never reads it). Read on every delivery: one small GET."""

    @staticmethod
    def _to_json(document: SigningSecretDocument) -> dict[str, Any]:
        current = document.current
        previous = document.previous
        return {
            "current": (
                None
                if current is None
                else {"secret": current.secret, "createdAt": current.created_at}
            ),
            "previous": (
                None
                if previous is None
                else {
                    "source": str(previous.source),
                    "secret": previous.secret,
                    "until": previous.until,
                }
            ),
        }

    @staticmethod
    def _from_json(raw: dict[str, Any]) -> SigningSecretDocument:
        current = raw.get("current")
        previous = raw.get("previous")
        return SigningSecretDocument(
            current=(
                StoredSecret(
                    secret=str(current.get("secret", "")),
                    created_at=int(current.get("createdAt", 0)),
                )
                if isinstance(current, dict) and current.get("secret")
                else None
            ),
            previous=(
                PreviousSecret(
                    source=SecretSource(str(previous.get("source", SecretSource.STORED))),
                    secret=str(previous.get("secret") or ""),
                    until=int(previous.get("until", 0)),
                )
                if isinstance(previous, dict)
                else None
            ),
        )

    def get(self) -> SigningSecretDocument:
        raw = get_object_store().get_json(keys.WEBHOOK_SIGNING_SECRET)
        return self._from_json(raw) if isinstance(raw, dict) else SigningSecretDocument()

    def save(self, document: SigningSecretDocument) -> None:
        if document.current is None and document.previous is None:
            get_object_store().delete(keys.WEBHOOK_SIGNING_SECRET)
            return
        get_object_store().put_json(keys.WEBHOOK_SIGNING_SECRET, self._to_json(document))
