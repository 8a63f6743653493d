"""The console's forms. Each builds the request body the API would receive and validates it with
the API's own serializer, so the console enforces exactly the API's rules and messages; the
Django form only turns HTML inputs (checkboxes, dates, selects) into that body."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from rest_framework.serializers import Serializer

from accounts.domain import AuthModeToAccessRoom, AuthTransportMode, GlobalConfig, Theme
from accounts.serializers import (
    ChangePasswordSerializer,
    LoginSerializer,
    RoomsAppearanceUpdateSerializer,
    SecurityConfigUpdateSerializer,
    WebhooksConfigUpdateSerializer,
    WebhookTestSerializer,
    theme_from_validated,
)
from meet.api.exception_handler import flatten_validation_errors
from recordings.serializers.public import RecordingIdsQuerySerializer
from rooms.domain import RecordingAccess, RoomConfig, WithMeeting, WithRecordings
from rooms.serializers import (
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
ACCESS_LABELS = {
    RecordingAccess.ADMIN: "Admins only",
    RecordingAccess.ADMIN_MODERATOR: "Admins and moderators",
    RecordingAccess.ADMIN_MODERATOR_SPEAKER: "Admins, moderators and speakers",
}
ROOM_ACCESS_LABELS = {
    AuthModeToAccessRoom.NONE: "Anyone with the room link",
    AuthModeToAccessRoom.MODERATORS_ONLY: "Moderators must sign in",
    AuthModeToAccessRoom.ALL_USERS: "Everybody must sign in",
}
TRANSPORT_LABELS = {
    AuthTransportMode.HEADER: "Header (Authorization: Bearer …)",
    AuthTransportMode.COOKIE: "Cookie",
}
THEME_COLOURS = (
    ("background_color", "backgroundColor", "Background"),
    ("primary_color", "primaryColor", "Primary"),
    ("secondary_color", "secondaryColor", "Secondary"),
    ("accent_color", "accentColor", "Accent"),
    ("surface_color", "surfaceColor", "Surface"),
)


def _choices(labels: dict[Any, str], allowed: tuple[str, ...] | None = None) -> list[Any]:
    return [
        (str(value), label) for value, label in labels.items() if not allowed or value in allowed
    ]


class SerializerForm(forms.Form):
    """A form validated a second time by an API serializer.

    ``payload()`` builds the wire body from ``cleaned_data``; the serializer's errors come back
    on the form field named in ``error_fields`` (wire path → field), else as non-field errors.
    ``validated`` holds the serializer's ``validated_data``.
    """

    serializer_class: ClassVar[type[Serializer]]  # type: ignore[type-arg]
    error_fields: ClassVar[dict[str, str]] = {}
    # HTML ids are ``{id_prefix}_{field}``: forms sharing a page need distinct prefixes.
    id_prefix: ClassVar[str] = "id"

    validated: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        serializer = self.serializer_class(data=self.payload(cleaned))
        if serializer.is_valid():
            self.validated = serializer.validated_data
            return cleaned
        for item in flatten_validation_errors(serializer.errors):
            name = self.error_fields.get(item["field"], item["field"])
            self.add_error(name if name in self.fields else None, item["message"])
        return cleaned


# --- Account ----------------------------------------------------------------------------------


class LoginForm(SerializerForm):
    serializer_class = LoginSerializer
    username = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {"username": cleaned["username"], "password": cleaned["password"]}


class ChangePasswordForm(SerializerForm):
    serializer_class = ChangePasswordSerializer
    error_fields = {"currentPassword": "current_password", "newPassword": "new_password"}
    current_password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    confirm_password = forms.CharField(
        label="Repeat the new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        if cleaned["new_password"] != cleaned["confirm_password"]:
            self.add_error("confirm_password", "The two passwords differ")
        return {
            "currentPassword": cleaned["current_password"],
            "newPassword": cleaned["new_password"],
        }


# --- Rooms ------------------------------------------------------------------------------------


class RoomConfigFields(forms.Form):
    """The ``config`` object: recording (and who may see recordings), chat, virtual background."""

    recording_enabled = forms.BooleanField(label="Recording", required=False, initial=True)
    allow_access_to = forms.ChoiceField(
        label="Who can watch recordings",
        choices=_choices(ACCESS_LABELS),
        initial=RecordingAccess.ADMIN_MODERATOR_SPEAKER,
    )
    chat_enabled = forms.BooleanField(label="Chat", required=False, initial=True)
    virtual_background_enabled = forms.BooleanField(
        label="Virtual background", required=False, initial=True
    )
    config_error_fields: ClassVar[dict[str, str]] = {
        "config.recording.enabled": "recording_enabled",
        "config.recording.allowAccessTo": "allow_access_to",
        "config.chat.enabled": "chat_enabled",
        "config.virtualBackground.enabled": "virtual_background_enabled",
    }

    @staticmethod
    def config_payload(cleaned: dict[str, Any]) -> dict[str, Any]:
        return {
            "recording": {
                "enabled": cleaned["recording_enabled"],
                "allowAccessTo": cleaned["allow_access_to"],
            },
            "chat": {"enabled": cleaned["chat_enabled"]},
            "virtualBackground": {"enabled": cleaned["virtual_background_enabled"]},
        }

    @staticmethod
    def initial_for(config: RoomConfig) -> dict[str, Any]:
        return {
            "recording_enabled": config.recording.enabled,
            "allow_access_to": config.recording.allow_access_to
            or RecordingAccess.ADMIN_MODERATOR_SPEAKER,
            "chat_enabled": config.chat_enabled,
            "virtual_background_enabled": config.virtual_background_enabled,
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
        choices=_choices(WITH_MEETING_LABELS, (WithMeeting.WHEN_MEETING_ENDS, WithMeeting.FORCE)),
        initial=WithMeeting.WHEN_MEETING_ENDS,
    )
    with_recordings = forms.ChoiceField(
        label="If it has recordings then",
        choices=_choices(WITH_RECORDINGS_LABELS, (WithRecordings.CLOSE, WithRecordings.FORCE)),
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
        choices=_choices(WITH_MEETING_LABELS),
        initial=WithMeeting.FAIL,
    )
    with_recordings = forms.ChoiceField(
        label="If it has recordings",
        choices=_choices(WITH_RECORDINGS_LABELS),
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
        self.fields["room_ids"].choices = [(value, value) for value in chosen]

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {
            "roomIds": ",".join(cleaned.get("room_ids") or []),
            "withMeeting": cleaned["with_meeting"],
            "withRecordings": cleaned["with_recordings"],
        }


# --- Recordings -------------------------------------------------------------------------------


class RecordingIdsForm(SerializerForm):
    serializer_class = RecordingIdsQuerySerializer
    error_fields = {"recordingIds": "recording_ids"}
    recording_ids = forms.CharField(required=False)  # comma-separated, as the API's query

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {"recordingIds": cleaned.get("recording_ids") or ""}

    @classmethod
    def from_request(cls, data: Any) -> RecordingIdsForm:
        """Ids from checkboxes (``recording_ids`` repeated) or one comma-separated value."""
        values = data.getlist("recording_ids") if hasattr(data, "getlist") else []
        return cls({"recording_ids": ",".join(values)})


# --- Global config ----------------------------------------------------------------------------


class SecurityForm(SerializerForm):
    serializer_class = SecurityConfigUpdateSerializer
    id_prefix = "security"
    error_fields = {
        "authentication.authModeToAccessRoom": "auth_mode_to_access_room",
        "authentication.authTransportMode": "auth_transport_mode",
    }
    auth_mode_to_access_room = forms.ChoiceField(
        label="Room access", choices=_choices(ROOM_ACCESS_LABELS)
    )
    auth_transport_mode = forms.ChoiceField(
        label="Token transport", choices=_choices(TRANSPORT_LABELS)
    )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {
            "authentication": {
                "authMethod": {"type": "single_user"},
                "authModeToAccessRoom": cleaned["auth_mode_to_access_room"],
                "authTransportMode": cleaned["auth_transport_mode"],
            }
        }

    @staticmethod
    def initial_for(config: GlobalConfig) -> dict[str, Any]:
        return {
            "auth_mode_to_access_room": config.authentication.auth_mode_to_access_room,
            "auth_transport_mode": config.authentication.auth_transport_mode,
        }


class WebhooksForm(SerializerForm):
    serializer_class = WebhooksConfigUpdateSerializer
    id_prefix = "webhooks"
    enabled = forms.BooleanField(label="Send webhooks", required=False)
    url = forms.CharField(
        label="URL",
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhook"}),
    )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"enabled": cleaned["enabled"]}
        if cleaned.get("url"):
            body["url"] = cleaned["url"]
        return body


class WebhookTestForm(SerializerForm):
    serializer_class = WebhookTestSerializer
    url = forms.CharField(label="URL", max_length=2000)

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {"url": cleaned["url"]}


class AppearanceForm(SerializerForm):
    serializer_class = RoomsAppearanceUpdateSerializer
    id_prefix = "theme"
    error_fields = {
        "appearance.themes.0.name": "name",
        "appearance.themes.0.enabled": "enabled",
        "appearance.themes.0.baseTheme": "base_theme",
        **{f"appearance.themes.0.{wire}": name for name, wire, _label in THEME_COLOURS},
    }
    name = forms.CharField(label="Theme name", max_length=200, initial="custom")
    enabled = forms.BooleanField(label="Use this theme in rooms", required=False)
    base_theme = forms.ChoiceField(
        label="Base theme", choices=[("light", "Light"), ("dark", "Dark")], initial="light"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, _wire, label in THEME_COLOURS:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=9,
                widget=forms.TextInput(
                    attrs={"placeholder": "#rrggbb", "data-colour": "", "spellcheck": "false"}
                ),
            )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        theme: dict[str, Any] = {
            "name": cleaned["name"],
            "enabled": cleaned["enabled"],
            "baseTheme": cleaned["base_theme"],
        }
        for name, wire, _label in THEME_COLOURS:
            if cleaned.get(name):
                theme[wire] = cleaned[name]
        return {"appearance": {"themes": [theme]}}

    def theme(self) -> Theme:
        return theme_from_validated(self.validated["appearance"]["themes"][0])

    @staticmethod
    def initial_for(config: GlobalConfig) -> dict[str, Any]:
        if not config.themes:
            return {}
        theme = config.themes[0]
        initial: dict[str, Any] = {
            "name": theme.name,
            "enabled": theme.enabled,
            "base_theme": theme.base_theme,
        }
        for name, _wire, _label in THEME_COLOURS:
            initial[name] = getattr(theme, name) or ""
        return initial
