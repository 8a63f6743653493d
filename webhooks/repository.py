"""The record of recent outgoing webhook deliveries, kept in Redis (the last 100)."""

from __future__ import annotations

import json
import logging
from typing import Any

from meet import redis_keys
from meet.redis_connection import RedisError, redis
from webhooks.domain import Delivery, DeliveryStatus, WebhookEvent

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
