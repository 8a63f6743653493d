"""Users, API keys, the global config, and the principal a request authenticates as.

Timestamps stay epoch-millisecond numbers as the reference stores them (they can be fractional
there), so a document read from a bucket written by the reference is written back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class UserRole(StrEnum):
    ADMIN = "admin"
    USER = "user"
    APP = "app"


class AuthModeToAccessRoom(StrEnum):
    NONE = "none"
    MODERATORS_ONLY = "moderators_only"
    ALL_USERS = "all_users"


class AuthTransportMode(StrEnum):
    HEADER = "header"
    COOKIE = "cookie"


class AuthMethodType(StrEnum):
    SINGLE_USER = "single_user"


class BaseTheme(StrEnum):
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    username: str
    password_hash: str
    roles: tuple[UserRole, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKey:
    key: str
    creation_date: int | float


# Scopes of a named API key (not in the reference). The reference's key has every one.
API_KEY_SCOPES = (
    "rooms:read",
    "rooms:write",
    "recordings:read",
    "recordings:write",
    "config",
    "audit:read",
    "keys",
)
NAMED_API_KEY_PREFIX = "ovmk_"
REFERENCE_KEY_ID = "reference"


@dataclass(frozen=True, slots=True, kw_only=True)
class NamedApiKey:
    """A scoped API key. Only the SHA-256 of the secret is kept (``secret_hash``, hex);
    ``hint`` is its last four characters, to tell keys apart in a list."""

    key_id: str
    name: str
    scopes: tuple[str, ...]
    secret_hash: str
    hint: str
    created_at: int
    expires_at: int | None = None

    def expired(self, now_ms: int) -> bool:
        return self.expires_at is not None and now_ms >= self.expires_at


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKeyView:
    """A key as the API lists it: a named key, or the reference's key (every scope)."""

    key_id: str
    name: str
    scopes: tuple[str, ...]
    created_at: int | float
    expires_at: int | None = None
    last_used_at: int | None = None
    reference: bool = False
    hint: str = ""
    key: str | None = None  # the secret: only in the answer to its creation


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthenticationConfig:
    auth_method_type: AuthMethodType = AuthMethodType.SINGLE_USER
    auth_mode_to_access_room: AuthModeToAccessRoom = AuthModeToAccessRoom.NONE
    auth_transport_mode: AuthTransportMode = AuthTransportMode.HEADER


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhooksConfig:
    enabled: bool = False
    url: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Theme:
    name: str
    enabled: bool
    base_theme: BaseTheme
    background_color: str | None = None
    primary_color: str | None = None
    secondary_color: str | None = None
    accent_color: str | None = None
    surface_color: str | None = None


THEME_COLOUR_WIRE_NAMES = (
    ("background_color", "backgroundColor"),
    ("primary_color", "primaryColor"),
    ("secondary_color", "secondaryColor"),
    ("accent_color", "accentColor"),
    ("surface_color", "surfaceColor"),
)
THEME_COLOURS = tuple(attribute for attribute, _wire in THEME_COLOUR_WIRE_NAMES)


@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalConfig:
    project_id: str
    webhooks: WebhooksConfig = field(default_factory=WebhooksConfig)
    authentication: AuthenticationConfig = field(default_factory=AuthenticationConfig)
    themes: tuple[Theme, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who a request acts as. ``kind`` tells which validator of the chain accepted it."""

    kind: str  # "api_key" | "user" | "participant" | "recording" | "anonymous"
    username: str
    roles: tuple[str, ...]
    claims: dict[str, Any] = field(default_factory=dict)
    selected_role: str | None = None
    is_authenticated: bool = True
    # For ``kind == "api_key"``: the key's name ("" for the reference's single key).
    key_name: str = ""
    # For ``kind == "api_key"``: a named key's scopes; None for the reference's key (all).
    api_key_scopes: tuple[str, ...] | None = None

    @property
    def room_id(self) -> str | None:
        video = self.claims.get("video") or {}
        room = video.get("room") if isinstance(video, dict) else None
        return room if isinstance(room, str) else None

    @property
    def metadata(self) -> Any:
        return self.claims.get("_metadata")


API_USER = Principal(kind="api_key", username="api-user", roles=(UserRole.APP,))
ANONYMOUS = Principal(kind="anonymous", username="anonymous", roles=(UserRole.USER,))
