"""Wire formats of the rooms API (api-contract.md §3.2-3.4, §4.1-4.8)."""

from __future__ import annotations

import math
import time
from typing import Any

from rest_framework import serializers

from meet.api.fields import (
    AnyField,
    BooleanField,
    CheckFailed,
    CoercedNumberField,
    EnumField,
    NumberField,
    StringField,
    ZodSerializer,
    max_length,
    zod_type,
)
from meet.api.pagination import select_fields
from rooms.domain import (
    AutoDeletionPolicy,
    RecordingConfig,
    Room,
    RoomConfig,
    sanitize_room_id,
    sanitize_room_name,
)
from rooms.repository import RoomRepository, config_to_json

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10
WITH_MEETING = ("force", "when_meeting_ends", "fail")
WITH_RECORDINGS = ("force", "close", "fail")


# --- Room ids ---------------------------------------------------------------------------------


def room_id_errors(value: Any, field: str) -> tuple[str | None, list[str]]:
    """The roomId rules of §3.1: (sanitised id, messages)."""
    if not isinstance(value, str):
        return None, [
            f"Expected string, received {'null' if value is None else type(value).__name__}"
        ]
    messages = []
    if len(value) < 1:
        messages.append(f"{field} is required and cannot be empty")
    if len(value) > 100:
        messages.append(f"{field} cannot exceed 100 characters")
    sanitized = sanitize_room_id(value)
    if not sanitized:
        messages.append(f"{field} cannot be empty after sanitization")
    return sanitized, messages


def validated_room_id(value: Any, *, field: str = "roomId", label: str = "roomId") -> str:
    sanitized, messages = room_id_errors(value, label)
    if messages or sanitized is None:
        raise serializers.ValidationError({field: messages})
    return sanitized


class RoomIdField(StringField):
    def __init__(self, label_name: str = "roomId", **kwargs: Any) -> None:
        self.label_name = label_name
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        sanitized, messages = room_id_errors(value, self.label_name)
        if messages:
            raise CheckFailed(messages)
        return str(sanitized)


# --- Config -----------------------------------------------------------------------------------


class EnabledSerializer(ZodSerializer):
    enabled = BooleanField()


class RecordingConfigSerializer(ZodSerializer):
    enabled = BooleanField()
    allowAccessTo = EnumField(
        ("admin", "admin_moderator", "admin_moderator_speaker"),
        source="allow_access_to",
        required=False,
    )

    def refine(self, values: dict[str, Any]) -> dict[str, list[str]]:
        if values.get("enabled") and not values.get("allow_access_to"):
            return {"allowAccessTo": ["allowAccessTo is required when recording is enabled"]}
        return {}


class RoomConfigSerializer(ZodSerializer):
    recording = RecordingConfigSerializer()
    chat = EnabledSerializer()
    virtualBackground = EnabledSerializer(source="virtual_background")


def config_from_validated(values: dict[str, Any]) -> RoomConfig:
    return RoomConfig(
        recording=RecordingConfig(
            enabled=values["recording"]["enabled"],
            allow_access_to=values["recording"].get("allow_access_to"),
        ),
        chat_enabled=values["chat"]["enabled"],
        virtual_background_enabled=values["virtual_background"]["enabled"],
    )


# --- Create -----------------------------------------------------------------------------------


class AutoDeletionPolicySerializer(ZodSerializer):
    withMeeting = EnumField(WITH_MEETING, source="with_meeting")
    withRecordings = EnumField(WITH_RECORDINGS, source="with_recordings")

    def refine(self, values: dict[str, Any]) -> dict[str, list[str]]:
        errors = {}
        if values.get("with_meeting") == "fail":
            errors["withMeeting"] = [
                "FAIL policy is not allowed for withMeeting auto-deletion policy"
            ]
        if values.get("with_recordings") == "fail":
            errors["withRecordings"] = [
                "FAIL policy is not allowed for withRecordings auto-deletion policy"
            ]
        return errors


def _at_least_one_hour_ahead(value: float) -> bool:
    return value >= time.time() * 1000 + 3600 * 1000


class RoomCreateSerializer(ZodSerializer):
    roomName = StringField(
        source="room_name",
        required=False,
        default="Room",
        checks=(max_length(50, "roomName cannot exceed 50 characters"),),
        transform=sanitize_room_name,
    )
    autoDeletionDate = NumberField(
        source="auto_deletion_date",
        required=False,
        checks=(
            (lambda value: value > 0, "autoDeletionDate must be a positive integer"),
            (_at_least_one_hour_ahead, "autoDeletionDate must be at least 1h in the future"),
        ),
    )
    autoDeletionPolicy = AutoDeletionPolicySerializer(source="auto_deletion_policy", required=False)
    config = RoomConfigSerializer(required=False)


def policy_from_validated(values: dict[str, Any] | None) -> AutoDeletionPolicy:
    if not values:
        return AutoDeletionPolicy()
    return AutoDeletionPolicy(
        with_meeting=values["with_meeting"], with_recordings=values["with_recordings"]
    )


class RoomConfigUpdateSerializer(ZodSerializer):
    config = RoomConfigSerializer()


class RoomStatusUpdateSerializer(ZodSerializer):
    status = EnumField(("open", "closed"))


# --- Queries ----------------------------------------------------------------------------------


def _page_size(value: float) -> int:
    return int(min(math.floor(value), MAX_PAGE_SIZE)) if math.isfinite(value) else MAX_PAGE_SIZE


class PaginationQuerySerializer(ZodSerializer):
    maxItems = CoercedNumberField(
        source="max_items",
        required=False,
        default=DEFAULT_PAGE_SIZE,
        checks=((lambda value: value > 0, "maxItems must be a positive number"),),
        transform=_page_size,
    )
    nextPageToken = StringField(source="next_page_token", required=False)
    fields = StringField(required=False)


class RoomListQuerySerializer(PaginationQuerySerializer):
    roomName = StringField(source="room_name", required=False, transform=sanitize_room_name)


class RoomDeleteQuerySerializer(ZodSerializer):
    withMeeting = EnumField(WITH_MEETING, source="with_meeting", required=False, default="fail")
    withRecordings = EnumField(
        WITH_RECORDINGS, source="with_recordings", required=False, default="fail"
    )


class BulkDeleteQuerySerializer(ZodSerializer):
    roomIds = AnyField(source="room_ids")
    withMeeting = EnumField(WITH_MEETING, source="with_meeting", required=False, default="fail")
    withRecordings = EnumField(
        WITH_RECORDINGS, source="with_recordings", required=False, default="fail"
    )

    def to_internal_value(self, data: Any) -> Any:
        values = super().to_internal_value(data)
        raw = values.get("room_ids")
        items = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else None
        if items is None:
            raise serializers.ValidationError(
                {"roomIds": [f"Expected array, received {zod_type(raw)}"]}
            )
        room_ids: list[str] = []
        for item in items:
            sanitized = sanitize_room_id(item.strip()) if isinstance(item, str) else ""
            if sanitized and sanitized not in room_ids:
                room_ids.append(sanitized)
        if not room_ids:
            raise serializers.ValidationError(
                {"roomIds": ["At least one valid roomId is required after sanitization"]}
            )
        values["room_ids"] = room_ids
        return values


def parse_fields(value: Any) -> list[str] | None:
    """``fields=a, b`` → ``["a", "b"]``; empty → None (all fields). Arrays work as lists."""
    if isinstance(value, list):
        names = [str(item).strip() for item in value]
    elif isinstance(value, str):
        names = [name.strip() for name in value.split(",")]
    else:
        return None
    names = [name for name in names if name]
    return names or None


# --- Output -----------------------------------------------------------------------------------


def room_body(
    room: Room, base_url: str, *, fields: list[str] | None = None, hide_moderator_url: bool = False
) -> dict[str, Any]:
    """The stored document with absolute links (the wire and the stored form differ only
    there), reduced to ``fields``; speakers never see the moderator link."""
    body = RoomRepository.to_json(room)
    body["moderatorUrl"] = f"{base_url}{body['moderatorUrl']}"
    body["speakerUrl"] = f"{base_url}{body['speakerUrl']}"
    body = select_fields(body, fields)
    if hide_moderator_url:
        body.pop("moderatorUrl", None)
    return body


def config_body(config: RoomConfig) -> dict[str, Any]:
    return config_to_json(config)
