"""Settings: security, webhooks (and their test), rooms appearance."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.domain import AuthModeToAccessRoom, AuthTransportMode, GlobalConfig, Theme
from accounts.serializers import (
    RoomsAppearanceUpdateSerializer,
    SecurityConfigUpdateSerializer,
    WebhooksConfigUpdateSerializer,
    WebhookTestSerializer,
    theme_from_validated,
)
from console.forms.base import SerializerForm, choices

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


class SecurityForm(SerializerForm):
    serializer_class = SecurityConfigUpdateSerializer
    id_prefix = "security"
    error_fields = {
        "authentication.authModeToAccessRoom": "auth_mode_to_access_room",
        "authentication.authTransportMode": "auth_transport_mode",
    }
    auth_mode_to_access_room = forms.ChoiceField(
        label="Room access", choices=choices(ROOM_ACCESS_LABELS)
    )
    auth_transport_mode = forms.ChoiceField(
        label="Token transport", choices=choices(TRANSPORT_LABELS)
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
