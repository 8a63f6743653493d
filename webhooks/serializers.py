"""Wire formats of the webhook routes of ours: the signing secret and the delivery log."""

from __future__ import annotations

import math
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meet.api import output
from meet.api.fields import (
    BooleanField,
    CoercedNumberField,
    EnumField,
    NumberField,
    StringField,
    ZodSerializer,
    matches,
    max_length,
    min_length,
)
from meet.api.pagination import PaginationSerializer
from webhooks.domain import DeliveryStatus
from webhooks.services.signing import MAX_LENGTH, MIN_LENGTH

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


# --- Signing secret ---------------------------------------------------------------------------


class SigningSecretInputSerializer(ZodSerializer):
    secret = StringField(
        checks=(
            min_length(MIN_LENGTH, f"Secret must be at least {MIN_LENGTH} characters long"),
            max_length(MAX_LENGTH, f"Secret must be at most {MAX_LENGTH} characters long"),
            matches(r"^[\x21-\x7e]*$", "Secret must be visible ASCII characters without spaces"),
        )
    )


class SigningSecretStatusSerializer(output.OutputSerializer):
    source = output.Text()  # type: ignore[assignment]  # the wire name
    createdAt = output.Number(source="created_at")
    overlapSeconds = output.Number(source="overlap_seconds")
    rotating = output.Flag()
    previousSource = output.Text(source="previous_source")
    overlapEndsAt = output.Number(source="overlap_ends_at")
    secret = output.Text(required=False)
    omit_when_none = frozenset({"secret"})


# --- Deliveries -------------------------------------------------------------------------------


def _page_size(value: float) -> int:
    return int(min(math.floor(value), MAX_PAGE_SIZE)) if math.isfinite(value) else MAX_PAGE_SIZE


class DeliveryListQuerySerializer(ZodSerializer):
    status = EnumField(tuple(str(status) for status in DeliveryStatus), required=False)
    since = CoercedNumberField(
        required=False,
        default=0,
        checks=((lambda value: value >= 0, "since must be a non-negative number"),),
        transform=lambda value: int(value) if math.isfinite(value) else 0,
    )
    maxItems = CoercedNumberField(
        source="max_items",
        required=False,
        default=DEFAULT_PAGE_SIZE,
        checks=((lambda value: value > 0, "maxItems must be a positive number"),),
        transform=_page_size,
    )
    nextPageToken = StringField(
        source="next_page_token",
        required=False,
        checks=(matches(r"^\d{1,9}$", "Invalid page token"),),
    )


class RedeliverAllInputSerializer(ZodSerializer):
    since = NumberField(
        required=False,
        default=0,
        checks=((lambda value: value >= 0, "since must be a non-negative number"),),
    )
    dryRun = BooleanField(source="dry_run", required=False, default=False)


@extend_schema_field(OpenApiTypes.OBJECT)
class _Payload(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return value


class DeliverySerializer(output.OutputSerializer):
    id = output.Text(source="delivery.id")
    event = output.Text(source="delivery.event")
    url = output.Text(source="delivery.url")
    status = output.Text(source="delivery.status")
    attempts = output.Number(source="delivery.attempts")
    creationDate = output.Number(source="delivery.creation_date")
    updatedAt = output.Number(source="delivery.updated_at")
    lastResult = output.Text(source="delivery.last_result")
    lastStatusCode = output.Number(source="delivery.last_status_code")
    redeliveryOf = output.Text(source="delivery.redelivery_of")
    failedAt = output.Number(source="failed_at")
    redeliveredTo = output.TextList(source="redelivered_to")


class DeliveryDetailSerializer(DeliverySerializer):
    data = _Payload()  # type: ignore[assignment]  # the wire name
    omit_when_none = frozenset({"data"})


class DeliveryListSerializer(output.OutputSerializer):
    deliveries = DeliverySerializer(many=True)
    pagination = PaginationSerializer()


class RedeliveredSerializer(output.OutputSerializer):
    message = output.Text()
    delivery = DeliverySerializer()


class RedeliveryOutcomeSerializer(output.OutputSerializer):
    since = output.Number()
    dryRun = output.Flag(source="dry_run")
    matched = output.Number()
    redelivered = output.Number()
    skipped = output.Number()
    sourceIds = output.TextList(source="source_ids")
    deliveryIds = output.TextList(source="delivery_ids")
    failedIds = output.TextList(source="failed_ids")
