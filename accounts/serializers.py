"""Wire formats of the auth, user and global-config routes (zod rules of the reference)."""

from __future__ import annotations

from typing import Any

from accounts.domain import API_KEY_SCOPES, THEME_COLOUR_WIRE_NAMES, BaseTheme, Theme
from meet.api import output
from meet.api.fields import (
    ArrayField,
    BooleanField,
    EnumField,
    NumberField,
    StringField,
    ZodSerializer,
    is_url,
    matches,
    max_length,
    min_length,
)
from meet.clock import now_ms

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


class AuthMethodInputSerializer(ZodSerializer):
    type = EnumField(("single_user",))


class AuthenticationInputSerializer(ZodSerializer):
    authMethod = AuthMethodInputSerializer(source="auth_method")
    # Values in the contract's order: zod lists them in its messages.
    authTransportMode = EnumField(("cookie", "header"), source="auth_transport_mode")
    authModeToAccessRoom = EnumField(
        ("none", "moderators_only", "all_users"), source="auth_mode_to_access_room"
    )


class SecurityConfigUpdateSerializer(ZodSerializer):
    authentication = AuthenticationInputSerializer()


def _colour(source: str) -> StringField:
    return StringField(
        source=source,
        required=False,
        checks=(matches(_HEX_COLOUR, "Must be a valid hex color code (with or without alpha)"),),
    )


class ThemeInputSerializer(ZodSerializer):
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


class AppearanceInputSerializer(ZodSerializer):
    themes = ArrayField(
        child=ThemeInputSerializer(), length=(1, "There must be exactly one theme defined")
    )


class RoomsAppearanceUpdateSerializer(ZodSerializer):
    appearance = AppearanceInputSerializer()


def theme_from_validated(values: dict[str, Any]) -> Theme:
    return Theme(**{**values, "base_theme": BaseTheme(values["base_theme"])})


# --- Output -----------------------------------------------------------------------------------


class AuthTokensSerializer(output.OutputSerializer):
    """Login and refresh: the tokens are in the body only in header mode (cookies otherwise)."""

    message = output.Text()
    accessToken = output.Text(source="access_token", required=False)
    refreshToken = output.Text(source="refresh_token", required=False)
    omit_when_none = frozenset({"accessToken", "refreshToken"})


class AccessTokenSerializer(output.OutputSerializer):
    """Refresh: the new access token is in the body only in header mode."""

    message = output.Text()
    accessToken = output.Text(source="access_token", required=False)
    omit_when_none = frozenset({"accessToken"})


class ApiKeySerializer(output.OutputSerializer):
    key = output.Text()
    creationDate = output.Number(source="creation_date")


class ApiKeyCreateSerializer(ZodSerializer):
    """``POST /api/v1/api-keys`` (ours): a named key with scopes and an optional expiry."""

    name = StringField(
        trim=True,
        checks=(
            min_length(1, "name cannot be empty"),
            max_length(100, "name cannot exceed 100 characters"),
        ),
    )
    scopes = ArrayField(child=EnumField(API_KEY_SCOPES))
    expiresAt = NumberField(
        source="expires_at",
        required=False,
        allow_null=True,
        checks=(
            (lambda value: value == int(value), "expiresAt must be an integer (epoch ms)"),
            (lambda value: value > now_ms(), "expiresAt must be a date in the future"),
        ),
    )

    def refine(self, values: dict[str, Any]) -> dict[str, list[str]]:
        scopes = values.get("scopes")
        if isinstance(scopes, list) and not scopes:
            return {"scopes": ["At least one scope is required"]}
        return {}


class ApiKeyInfoSerializer(output.OutputSerializer):
    """A key as ``/api/v1/api-keys`` shows it: ``key`` (the secret) only when just created."""

    id = output.Text(source="key_id")
    name = output.Text()
    scopes = output.TextList()
    reference = output.Flag()
    hint = output.Text()
    createdAt = output.Number(source="created_at")
    expiresAt = output.Number(source="expires_at", allow_null=True)
    lastUsedAt = output.Number(source="last_used_at", allow_null=True)
    key = output.Text(required=False)
    omit_when_none = frozenset({"key"})


class ProfileSerializer(output.OutputSerializer):
    username = output.Text()
    roles = output.TextList()


class WebhooksConfigSerializer(output.OutputSerializer):
    enabled = output.Flag()
    url = output.Text(allow_null=True)


class AuthMethodSerializer(output.OutputSerializer):
    type = output.Text(source="auth_method_type")


class AuthenticationSerializer(output.OutputSerializer):
    authMethod = AuthMethodSerializer(source="*")
    authModeToAccessRoom = output.Text(source="auth_mode_to_access_room")
    authTransportMode = output.Text(source="auth_transport_mode")


class SecurityConfigSerializer(output.OutputSerializer):
    authentication = AuthenticationSerializer()


class ThemeSerializer(output.OutputSerializer):
    """A theme; its colours only when set."""

    name = output.Text()
    enabled = output.Flag()
    baseTheme = output.Text(source="base_theme")
    backgroundColor = output.Text(source="background_color", required=False)
    primaryColor = output.Text(source="primary_color", required=False)
    secondaryColor = output.Text(source="secondary_color", required=False)
    accentColor = output.Text(source="accent_color", required=False)
    surfaceColor = output.Text(source="surface_color", required=False)
    omit_when_none = frozenset(wire for _attribute, wire in THEME_COLOUR_WIRE_NAMES)


class AppearanceSerializer(output.OutputSerializer):
    themes = ThemeSerializer(many=True)


class AppearanceConfigSerializer(output.OutputSerializer):
    appearance = AppearanceSerializer(source="*")
