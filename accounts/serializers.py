"""Wire formats of the auth, user and global-config routes (zod rules of the reference)."""

from __future__ import annotations

from typing import Any

from accounts.domain import GlobalConfig, Theme, theme_as_json
from meet.api.fields import (
    ArrayField,
    BooleanField,
    EnumField,
    StringField,
    ZodSerializer,
    is_url,
    matches,
    max_length,
    min_length,
)

_HEX_COLOUR = r"^#([0-9A-Fa-f]{8}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{4}|[0-9A-Fa-f]{3})$"
_URL_CHECKS = (
    (is_url, "Must be a valid URL"),
    matches(r"^https?://", "URL must start with http:// or https://"),
)


class LoginSerializer(ZodSerializer):
    username = StringField(checks=(min_length(4, "Username must be at least 4 characters long"),))
    password = StringField(checks=(min_length(4, "Password must be at least 4 characters long"),))


class ChangePasswordSerializer(ZodSerializer):
    currentPassword = StringField(source="current_password")
    newPassword = StringField(
        source="new_password",
        checks=(min_length(5, "New password must be at least 5 characters long"),),
    )


class WebhooksConfigUpdateSerializer(ZodSerializer):
    enabled = BooleanField()
    url = StringField(required=False, checks=_URL_CHECKS)

    def refine(self, values: dict[str, Any]) -> dict[str, list[str]]:
        if values.get("enabled") and not values.get("url"):
            return {"url": ["URL is required when webhooks are enabled"]}
        return {}


class WebhookTestSerializer(ZodSerializer):
    url = StringField(checks=_URL_CHECKS)


class AuthMethodSerializer(ZodSerializer):
    type = EnumField(("single_user",))


class AuthenticationSerializer(ZodSerializer):
    authMethod = AuthMethodSerializer(source="auth_method")
    # Values in the contract's order (api-contract.md §5.7e): zod lists them in its messages.
    authTransportMode = EnumField(("cookie", "header"), source="auth_transport_mode")
    authModeToAccessRoom = EnumField(
        ("none", "moderators_only", "all_users"), source="auth_mode_to_access_room"
    )


class SecurityConfigUpdateSerializer(ZodSerializer):
    authentication = AuthenticationSerializer()


def _colour(source: str) -> StringField:
    return StringField(
        source=source,
        required=False,
        checks=(matches(_HEX_COLOUR, "Must be a valid hex color code (with or without alpha)"),),
    )


class ThemeSerializer(ZodSerializer):
    name = StringField(
        checks=(
            min_length(1, "Theme name cannot be empty"),
            max_length(50, "Theme name cannot exceed 50 characters"),
            matches(
                r"^[a-zA-Z0-9_-]+$",
                "Theme name can only contain letters, numbers, hyphens and underscores",
            ),
        )
    )
    enabled = BooleanField()
    baseTheme = EnumField(("light", "dark"), source="base_theme")
    backgroundColor = _colour("background_color")
    primaryColor = _colour("primary_color")
    secondaryColor = _colour("secondary_color")
    accentColor = _colour("accent_color")
    surfaceColor = _colour("surface_color")


class AppearanceSerializer(ZodSerializer):
    themes = ArrayField(
        child=ThemeSerializer(), length=(1, "There must be exactly one theme defined")
    )


class RoomsAppearanceUpdateSerializer(ZodSerializer):
    appearance = AppearanceSerializer()


def theme_from_validated(values: dict[str, Any]) -> Theme:
    return Theme(**values)


def security_config_body(config: GlobalConfig) -> dict[str, Any]:
    authentication = config.authentication
    return {
        "authentication": {
            "authMethod": {"type": authentication.auth_method_type},
            "authModeToAccessRoom": authentication.auth_mode_to_access_room,
            "authTransportMode": authentication.auth_transport_mode,
        }
    }


def webhooks_config_body(config: GlobalConfig) -> dict[str, Any]:
    return {"enabled": config.webhooks.enabled, "url": config.webhooks.url}


def appearance_body(config: GlobalConfig) -> dict[str, Any]:
    return {"appearance": {"themes": [theme_as_json(theme) for theme in config.themes]}}
