"""``GET /api/v1/audit-log``: its query and its body."""

from __future__ import annotations

import math
from typing import Any

from rest_framework import serializers

from audit.services import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from meet.api import output
from meet.api.fields import CoercedNumberField, EnumField, StringField, ZodSerializer
from meet.api.pagination import PaginationSerializer, pagination

ACTOR_KINDS = ("user", "api_key", "participant", "anonymous", "system", "livekit")


def _page_size(value: float) -> int:
    return int(min(math.floor(value), MAX_PAGE_SIZE)) if math.isfinite(value) else MAX_PAGE_SIZE


def _epoch_ms(value: float) -> int:
    return int(value)


_POSITIVE = ((lambda value: value > 0, "maxItems must be a positive number"),)
_NOT_NEGATIVE = ((lambda value: value >= 0, "Must be epoch milliseconds (>= 0)"),)


class AuditLogQuerySerializer(ZodSerializer):
    action = StringField(required=False, help_text="Action prefix, e.g. `room.` or `auth.login`")
    actorKind = EnumField(ACTOR_KINDS, source="actor_kind", required=False)
    actor = StringField(required=False, help_text="Actor name: username, API key name...")
    targetType = StringField(source="target_type", required=False)
    targetId = StringField(source="target_id", required=False)
    since = CoercedNumberField(
        required=False, checks=_NOT_NEGATIVE, transform=_epoch_ms, help_text="Epoch ms, inclusive"
    )
    until = CoercedNumberField(
        required=False, checks=_NOT_NEGATIVE, transform=_epoch_ms, help_text="Epoch ms, inclusive"
    )
    maxItems = CoercedNumberField(
        source="max_items",
        required=False,
        default=DEFAULT_PAGE_SIZE,
        checks=_POSITIVE,
        transform=_page_size,
        help_text=f"Default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}",
    )
    nextPageToken = StringField(source="next_page_token", required=False)


class AuditActorSerializer(output.OutputSerializer):
    kind = output.Text()
    name = output.Text()
    role = output.Text()
    ip = output.Text()


class AuditEventSerializer(output.OutputSerializer):
    id = output.Text()
    timestamp = output.Number()
    action = output.Text()
    actor = AuditActorSerializer()
    targetType = output.Text(source="target_type")
    targetId = output.Text(source="target_id")
    details = serializers.DictField()
    outcome = output.Text()


class AuditLogSerializer(output.OutputSerializer):
    events = AuditEventSerializer(many=True)
    pagination = PaginationSerializer()


def body(page: Any, max_items: int) -> dict[str, Any]:
    return {"events": page.items, "pagination": pagination(page, max_items)}
