"""Wire formats of the rooms API (api-contract.md §3.2-3.4, §4.1-4.8)."""

from __future__ import annotations

import math
import time
from typing import Any

from rest_framework import serializers

from meet.api import output
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
from meet.api.pagination import PaginationSerializer, select_fields
from rooms.domain import (
    AutoDeletionPolicy,
    RecordingAccess,
    RecordingConfig,
    Room,
    RoomConfig,
    RoomLimits,
    WithMeeting,
    WithRecordings,
    path_of,
    sanitize_room_id,
    sanitize_room_name,
)

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


class EnabledInputSerializer(ZodSerializer):
    enabled = BooleanField()


MAX_RETENTION_DAYS = 36500
MAX_PARTICIPANTS = 10000
MAX_DURATION_MINUTES = 43200


def whole_number_field(
    name: str, minimum: int, maximum: int, *, source: str, **kwargs: Any
) -> NumberField:
    """An optional whole number in [minimum, maximum]; ``null`` clears it (ours, no zod
    original: docs/policies.md)."""
    return NumberField(
        source=source,
        required=False,
        allow_null=True,
        checks=(
            (lambda value: float(value).is_integer(), f"{name} must be an integer"),
            (
                lambda value: minimum <= value <= maximum,
                f"{name} must be between {minimum} and {maximum}",
            ),
        ),
        **kwargs,
    )


class RecordingConfigInputSerializer(ZodSerializer):
    enabled = BooleanField()
    allowAccessTo = EnumField(
        ("admin", "admin_moderator", "admin_moderator_speaker"),
        source="allow_access_to",
        required=False,
    )
    retentionDays = whole_number_field(
        "retentionDays", 0, MAX_RETENTION_DAYS, source="retention_days"
    )

    def refine(self, values: dict[str, Any]) -> dict[str, list[str]]:
        if values.get("enabled") and not values.get("allow_access_to"):
            return {"allowAccessTo": ["allowAccessTo is required when recording is enabled"]}
        return {}


class RoomLimitsInputSerializer(ZodSerializer):
    maxParticipants = whole_number_field(
        "maxParticipants", 1, MAX_PARTICIPANTS, source="max_participants"
    )
    maxDurationMinutes = whole_number_field(
        "maxDurationMinutes", 1, MAX_DURATION_MINUTES, source="max_duration_minutes"
    )


class RoomConfigInputSerializer(ZodSerializer):
    recording = RecordingConfigInputSerializer()
    chat = EnabledInputSerializer()
    virtualBackground = EnabledInputSerializer(source="virtual_background")
    limits = RoomLimitsInputSerializer(required=False, allow_null=True)


def _access(value: str | None) -> RecordingAccess | None:
    return None if value is None else RecordingAccess(value)


def _whole(value: Any) -> int | None:
    return None if value is None else int(value)


def _limits(values: dict[str, Any], current: RoomLimits | None) -> RoomLimits | None:
    """Given keys replace the current limits, absent keys keep them, ``null`` clears."""
    if "limits" not in values:
        return current
    given = values["limits"]
    if given is None:
        return None
    current = current or RoomLimits()
    limits = RoomLimits(
        max_participants=_whole(given["max_participants"])
        if "max_participants" in given
        else current.max_participants,
        max_duration_minutes=_whole(given["max_duration_minutes"])
        if "max_duration_minutes" in given
        else current.max_duration_minutes,
    )
    return None if limits.is_empty else limits


def config_from_validated(values: dict[str, Any], current: RoomConfig | None = None) -> RoomConfig:
    """The config a create or update asks for. Our own fields (``recording.retentionDays``,
    ``limits``) are optional: absent, they keep ``current``'s values, so a client that only
    knows the reference's fields (e.g. the Meet front end) never clears them; ``null`` clears."""
    recording = values["recording"]
    retention_days = (
        _whole(recording["retention_days"])
        if "retention_days" in recording
        else (current.recording.retention_days if current else None)
    )
    return RoomConfig(
        recording=RecordingConfig(
            enabled=recording["enabled"],
            allow_access_to=_access(recording.get("allow_access_to")),
            retention_days=retention_days,
        ),
        chat_enabled=values["chat"]["enabled"],
        virtual_background_enabled=values["virtual_background"]["enabled"],
        limits=_limits(values, current.limits if current else None),
    )


# --- Create -----------------------------------------------------------------------------------


class AutoDeletionPolicyInputSerializer(ZodSerializer):
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
    autoDeletionPolicy = AutoDeletionPolicyInputSerializer(
        source="auto_deletion_policy", required=False
    )
    config = RoomConfigInputSerializer(required=False)


def policy_from_validated(values: dict[str, Any] | None) -> AutoDeletionPolicy:
    if not values:
        return AutoDeletionPolicy()
    return AutoDeletionPolicy(
        with_meeting=WithMeeting(values["with_meeting"]),
        with_recordings=WithRecordings(values["with_recordings"]),
    )


class RoomConfigUpdateSerializer(ZodSerializer):
    config = RoomConfigInputSerializer()


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
    # The wire name; DRF's metaclass moves declared fields off the class, so it shadows nothing.
    fields = StringField(required=False)  # type: ignore[assignment]


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


class RoomLinkField(output.Text):
    """A stored room link (``/room/{id}?secret=…``) made absolute with the context's
    ``base_url``."""

    def to_representation(self, value: Any) -> str:
        return f"{self.context['base_url']}{path_of(str(value))}"


class EnabledSerializer(output.OutputSerializer):
    enabled = output.Flag()


class ChatConfigSerializer(output.OutputSerializer):
    enabled = output.Flag(source="chat_enabled")


class VirtualBackgroundConfigSerializer(output.OutputSerializer):
    enabled = output.Flag(source="virtual_background_enabled")


class RecordingConfigSerializer(output.OutputSerializer):
    enabled = output.Flag()
    allowAccessTo = output.Text(source="allow_access_to", required=False)
    retentionDays = output.Number(source="retention_days", required=False)
    omit_when_none = frozenset({"allowAccessTo", "retentionDays"})


class RoomLimitsSerializer(output.OutputSerializer):
    maxParticipants = output.Number(source="max_participants", required=False)
    maxDurationMinutes = output.Number(source="max_duration_minutes", required=False)
    omit_when_none = frozenset({"maxParticipants", "maxDurationMinutes"})


class RoomConfigSerializer(output.OutputSerializer):
    recording = RecordingConfigSerializer()
    chat = ChatConfigSerializer(source="*")
    virtualBackground = VirtualBackgroundConfigSerializer(source="*")
    limits = RoomLimitsSerializer(required=False)
    omit_when_none = frozenset({"limits"})


class AutoDeletionPolicySerializer(output.OutputSerializer):
    withMeeting = output.Text(source="with_meeting")
    withRecordings = output.Text(source="with_recordings")


class RoomSerializer(output.OutputSerializer):
    """A room with absolute links (context ``base_url``); reduced to the context's ``fields``
    (in their order) and without ``moderatorUrl`` when the context says ``hide_moderator_url``
    (speakers never see it)."""

    roomId = output.Text(source="room_id")
    roomName = output.Text(source="room_name")
    creationDate = output.Number(source="creation_date")
    autoDeletionDate = output.Number(source="auto_deletion_date", required=False)
    autoDeletionPolicy = AutoDeletionPolicySerializer(source="auto_deletion_policy")
    config = RoomConfigSerializer()
    moderatorUrl = RoomLinkField(source="moderator_url", required=False)
    speakerUrl = RoomLinkField(source="speaker_url")
    status = output.Text()
    meetingEndAction = output.Text(source="meeting_end_action")
    omit_when_none = frozenset({"autoDeletionDate"})

    def to_representation(self, instance: Any) -> dict[str, Any]:
        body = select_fields(super().to_representation(instance), self.context.get("fields"))
        if self.context.get("hide_moderator_url"):
            body.pop("moderatorUrl", None)
        return body


class RoomListSerializer(output.OutputSerializer):
    rooms = RoomSerializer(many=True)
    pagination = PaginationSerializer()


class RoomMessageSerializer(output.OutputSerializer):
    message = output.Text()
    room = RoomSerializer()


class RoleLiveKitPermissionsSerializer(output.OutputSerializer):
    roomJoin = output.Flag()
    room = output.Text()
    canPublish = output.Flag()
    canSubscribe = output.Flag()
    canPublishData = output.Flag()
    canUpdateOwnMetadata = output.Flag()


class RoleOpenViduPermissionsSerializer(output.OutputSerializer):
    canRecord = output.Flag()
    canChat = output.Flag()
    canChangeVirtualBackground = output.Flag()


class RolePermissionsSerializer(output.OutputSerializer):
    livekit = RoleLiveKitPermissionsSerializer()
    openvidu = RoleOpenViduPermissionsSerializer()


class RoomRoleSerializer(output.OutputSerializer):
    role = output.Text()
    permissions = RolePermissionsSerializer()


def room_body(
    room: Room, base_url: str, *, fields: list[str] | None = None, hide_moderator_url: bool = False
) -> dict[str, Any]:
    """``RoomSerializer``'s body (also the ``data`` of the meeting webhooks)."""
    return dict(
        output.render(
            RoomSerializer,
            room,
            base_url=base_url,
            fields=fields,
            hide_moderator_url=hide_moderator_url,
        )
    )
