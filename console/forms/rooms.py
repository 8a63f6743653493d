"""Rooms: create, config, status, delete (one or several)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms

from console.forms.base import ACCESS_LABELS, SerializerForm, choices
from rooms.domain import RecordingAccess, RoomConfig, WithMeeting, WithRecordings
from rooms.serializers.public import (
    MAX_DURATION_MINUTES,
    MAX_PARTICIPANTS,
    MAX_RETENTION_DAYS,
    BulkDeleteQuerySerializer,
    RoomConfigUpdateSerializer,
    RoomCreateSerializer,
    RoomDeleteQuerySerializer,
    RoomStatusUpdateSerializer,
    config_from_validated,
    policy_from_validated,
)
from rooms.services import RoomOptions

WITH_MEETING_LABELS = {
    WithMeeting.WHEN_MEETING_ENDS: "When the meeting ends",
    WithMeeting.FORCE: "Force: end the meeting now",
    WithMeeting.FAIL: "Fail if a meeting is live",
}
WITH_RECORDINGS_LABELS = {
    WithRecordings.CLOSE: "Close the room instead, keep recordings",
    WithRecordings.FORCE: "Force: delete its recordings too",
    WithRecordings.FAIL: "Fail if it has recordings",
}


def _number_input(minimum: int, maximum: int) -> forms.NumberInput:
    return forms.NumberInput(attrs={"min": minimum, "max": maximum, "step": 1})


class RoomConfigFields(forms.Form):
    """The ``config`` object: recording (and who may see recordings), chat, virtual background."""

    recording_enabled = forms.BooleanField(label="Recording", required=False, initial=True)
    allow_access_to = forms.ChoiceField(
        label="Who can watch recordings",
        choices=choices(ACCESS_LABELS),
        initial=RecordingAccess.ADMIN_MODERATOR_SPEAKER,
    )
    chat_enabled = forms.BooleanField(label="Chat", required=False, initial=True)
    virtual_background_enabled = forms.BooleanField(
        label="Virtual background", required=False, initial=True
    )
    # Policies (ours, docs/policies.md): empty = not set. The serializer checks the ranges.
    retention_days = forms.IntegerField(
        label="Keep recordings for (days)",
        required=False,
        widget=_number_input(0, MAX_RETENTION_DAYS),
        help_text="After a recording ends. Empty: server default; 0: forever.",
    )
    max_participants = forms.IntegerField(
        label="Maximum participants",
        required=False,
        widget=_number_input(1, MAX_PARTICIPANTS),
        help_text="Empty: no limit. From the next meeting.",
    )
    max_duration_minutes = forms.IntegerField(
        label="Maximum meeting length (minutes)",
        required=False,
        widget=_number_input(1, MAX_DURATION_MINUTES),
        help_text="Then the meeting ends. Empty: no limit.",
    )
    config_error_fields: ClassVar[dict[str, str]] = {
        "config.recording.enabled": "recording_enabled",
        "config.recording.allowAccessTo": "allow_access_to",
        "config.recording.retentionDays": "retention_days",
        "config.chat.enabled": "chat_enabled",
        "config.virtualBackground.enabled": "virtual_background_enabled",
        "config.limits.maxParticipants": "max_participants",
        "config.limits.maxDurationMinutes": "max_duration_minutes",
    }

    @staticmethod
    def config_payload(cleaned: dict[str, Any]) -> dict[str, Any]:
        """Every field, the policies too: an empty one is ``null`` (cleared)."""
        return {
            "recording": {
                "enabled": cleaned["recording_enabled"],
                "allowAccessTo": cleaned["allow_access_to"],
                "retentionDays": cleaned.get("retention_days"),
            },
            "chat": {"enabled": cleaned["chat_enabled"]},
            "virtualBackground": {"enabled": cleaned["virtual_background_enabled"]},
            "limits": {
                "maxParticipants": cleaned.get("max_participants"),
                "maxDurationMinutes": cleaned.get("max_duration_minutes"),
            },
        }

    @staticmethod
    def initial_for(config: RoomConfig) -> dict[str, Any]:
        limits = config.limits
        return {
            "recording_enabled": config.recording.enabled,
            "allow_access_to": config.recording.allow_access_to
            or RecordingAccess.ADMIN_MODERATOR_SPEAKER,
            "chat_enabled": config.chat_enabled,
            "virtual_background_enabled": config.virtual_background_enabled,
            "retention_days": config.recording.retention_days,
            "max_participants": limits.max_participants if limits else None,
            "max_duration_minutes": limits.max_duration_minutes if limits else None,
        }


class RoomCreateForm(RoomConfigFields, SerializerForm):
    serializer_class = RoomCreateSerializer
    error_fields = {
        "roomName": "room_name",
        "autoDeletionDate": "auto_deletion_date",
        "autoDeletionPolicy.withMeeting": "with_meeting",
        "autoDeletionPolicy.withRecordings": "with_recordings",
        **RoomConfigFields.config_error_fields,
    }
    room_name = forms.CharField(
        label="Room name",
        required=False,
        max_length=200,  # the serializer reports "cannot exceed 50 characters"
        help_text="Letters, digits, spaces, - and _. Empty: “Room”.",
    )
    auto_deletion_date = forms.DateTimeField(
        label="Delete automatically on",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="At least one hour from now. Empty: never.",
    )
    # Minutes as JavaScript's getTimezoneOffset() (UTC = local + offset); set by console.js so
    # the date is read in the operator's time zone. Without JavaScript the date is UTC.
    timezone_offset = forms.IntegerField(
        required=False, min_value=-900, max_value=900, widget=forms.HiddenInput
    )
    with_meeting = forms.ChoiceField(
        label="If a meeting is live then",
        choices=choices(WITH_MEETING_LABELS, (WithMeeting.WHEN_MEETING_ENDS, WithMeeting.FORCE)),
        initial=WithMeeting.WHEN_MEETING_ENDS,
    )
    with_recordings = forms.ChoiceField(
        label="If it has recordings then",
        choices=choices(WITH_RECORDINGS_LABELS, (WithRecordings.CLOSE, WithRecordings.FORCE)),
        initial=WithRecordings.CLOSE,
    )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "autoDeletionPolicy": {
                "withMeeting": cleaned["with_meeting"],
                "withRecordings": cleaned["with_recordings"],
            },
            "config": self.config_payload(cleaned),
        }
        if cleaned.get("room_name"):
            body["roomName"] = cleaned["room_name"]
        when: dt.datetime | None = cleaned.get("auto_deletion_date")
        if when is not None:
            offset_minutes = cleaned.get("timezone_offset") or 0
            naive = when.replace(tzinfo=dt.UTC)  # the wall-clock time the operator typed
            body["autoDeletionDate"] = int(naive.timestamp() * 1000) + offset_minutes * 60_000
        return body

    def options(self) -> RoomOptions:
        data = self.validated
        return RoomOptions(
            room_name=data["room_name"],
            auto_deletion_date=data.get("auto_deletion_date"),
            auto_deletion_policy=policy_from_validated(data.get("auto_deletion_policy")),
            config=config_from_validated(data["config"]),
        )


class RoomConfigForm(RoomConfigFields, SerializerForm):
    serializer_class = RoomConfigUpdateSerializer
    id_prefix = "config"
    error_fields = RoomConfigFields.config_error_fields

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {"config": self.config_payload(cleaned)}

    def config(self) -> RoomConfig:
        return config_from_validated(self.validated["config"])


class RoomStatusForm(SerializerForm):
    serializer_class = RoomStatusUpdateSerializer
    id_prefix = "status"
    status = forms.ChoiceField(
        label="Room status", choices=[("open", "Open"), ("closed", "Closed")]
    )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {"status": cleaned["status"]}


class DeletionPolicyFields(forms.Form):
    with_meeting = forms.ChoiceField(
        label="If a meeting is live",
        choices=choices(WITH_MEETING_LABELS),
        initial=WithMeeting.FAIL,
    )
    with_recordings = forms.ChoiceField(
        label="If it has recordings",
        choices=choices(WITH_RECORDINGS_LABELS),
        initial=WithRecordings.FAIL,
    )
    policy_error_fields: ClassVar[dict[str, str]] = {
        "withMeeting": "with_meeting",
        "withRecordings": "with_recordings",
    }


class RoomDeleteForm(DeletionPolicyFields, SerializerForm):
    serializer_class = RoomDeleteQuerySerializer
    id_prefix = "delete"
    error_fields = DeletionPolicyFields.policy_error_fields

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {
            "withMeeting": cleaned["with_meeting"],
            "withRecordings": cleaned["with_recordings"],
        }


class RoomBulkDeleteForm(DeletionPolicyFields, SerializerForm):
    serializer_class = BulkDeleteQuerySerializer
    error_fields = {**DeletionPolicyFields.policy_error_fields, "roomIds": "room_ids"}
    room_ids = forms.MultipleChoiceField(required=False)  # any id: the serializer checks them

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.data.getlist("room_ids") if hasattr(self.data, "getlist") else []
        room_ids = self.fields["room_ids"]
        assert isinstance(room_ids, forms.MultipleChoiceField)
        room_ids.choices = [(value, value) for value in chosen]

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {
            "roomIds": ",".join(cleaned.get("room_ids") or []),
            "withMeeting": cleaned["with_meeting"],
            "withRecordings": cleaned["with_recordings"],
        }
