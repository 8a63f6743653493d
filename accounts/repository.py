"""Users, API keys and the global config as JSON objects, cached in Redis like the reference.

Keys: ``users/{username}.json``, ``api_keys.json``, ``global-config.json`` (behavior.md §1.2);
Redis cache keys ``ov_meet:user:{username}``, ``ov_meet:api_keys:``, ``ov_meet:global_config``.
The API keys and the global config, read on nearly every request, are also kept in the process
for a few seconds (``meet.local_cache``: dropped everywhere the moment they change).
"""

from __future__ import annotations

import builtins
from typing import Any

from accounts.domain import (
    THEME_COLOUR_WIRE_NAMES,
    ApiKey,
    AuthenticationConfig,
    AuthMethodType,
    AuthModeToAccessRoom,
    AuthTransportMode,
    BaseTheme,
    GlobalConfig,
    NamedApiKey,
    Theme,
    User,
    UserRole,
    WebhooksConfig,
)
from meet import cache, local_cache, redis_keys
from meet.redis_connection import redis
from meet.storage import get_object_store, keys


def _read_cached(cache_key: str, storage_key: str) -> Any | None:
    cached = cache.get_json(cache_key)
    if cached is not None:
        return cached
    raw = get_object_store().get_json(storage_key)
    if raw is not None:
        cache.backfill_json(cache_key, raw)
    return raw


def _write_cached(cache_key: str, storage_key: str, raw: Any) -> None:
    cache.invalidate(cache_key)
    get_object_store().put_json(storage_key, raw)
    cache.set_json(cache_key, raw)


def _delete_cached(cache_key: str, storage_key: str) -> None:
    cache.invalidate(cache_key)
    get_object_store().delete(storage_key)
    cache.forget(cache_key)


def theme_to_json(theme: Theme) -> dict[str, Any]:
    """A theme as the stored document carries it (colours only when set)."""
    body: dict[str, Any] = {
        "name": theme.name,
        "enabled": theme.enabled,
        "baseTheme": theme.base_theme,
    }
    for attribute, wire in THEME_COLOUR_WIRE_NAMES:
        value = getattr(theme, attribute)
        if value is not None:
            body[wire] = value
    return body


class UserRepository:
    @staticmethod
    def _to_json(user: User) -> dict[str, Any]:
        return {
            "username": user.username,
            "passwordHash": user.password_hash,
            "roles": list(user.roles),
        }

    @staticmethod
    def _from_json(raw: dict[str, Any]) -> User:
        return User(
            username=str(raw["username"]),
            password_hash=str(raw.get("passwordHash", "")),
            roles=tuple(UserRole(str(role)) for role in raw.get("roles", [])),
        )

    def get(self, username: str) -> User | None:
        if not _is_safe_username(username):
            return None
        raw = _read_cached(redis_keys.user(username), keys.user_key(username))
        return None if raw is None else self._from_json(raw)

    def save(self, user: User) -> None:
        _write_cached(
            redis_keys.user(user.username), keys.user_key(user.username), self._to_json(user)
        )


def _is_safe_username(username: str) -> bool:
    return bool(username) and "/" not in username and username not in (".", "..")


class ApiKeyRepository:
    CACHE_KEY = redis_keys.API_KEYS

    @staticmethod
    def _to_json(api_keys: list[ApiKey]) -> list[dict[str, Any]]:
        return [{"key": item.key, "creationDate": item.creation_date} for item in api_keys]

    @staticmethod
    def _from_json(raw: Any) -> list[ApiKey]:
        if not isinstance(raw, list):
            return []
        return [
            ApiKey(key=str(item["key"]), creation_date=item.get("creationDate", 0))
            for item in raw
            if isinstance(item, dict) and item.get("key")
        ]

    def list(self) -> list[ApiKey]:
        stored = local_cache.get(self.CACHE_KEY, self._load)
        return [] if stored is None else list(stored)

    def _load(self) -> tuple[ApiKey, ...] | None:
        raw = _read_cached(self.CACHE_KEY, keys.API_KEYS)
        # No document is kept as "no keys" too, so a deployment with named keys only does not
        # look for the reference's key in Redis on every request.
        return () if raw is None else tuple(self._from_json(raw))

    def replace(self, api_keys: builtins.list[ApiKey]) -> None:
        try:
            _write_cached(self.CACHE_KEY, keys.API_KEYS, self._to_json(api_keys))
        finally:
            local_cache.invalidate(self.CACHE_KEY)

    def delete_all(self) -> None:
        try:
            _delete_cached(self.CACHE_KEY, keys.API_KEYS)
        finally:
            local_cache.invalidate(self.CACHE_KEY)


class NamedApiKeyRepository:
    """The scoped API keys (ours): one document ``named-api-keys.json`` beside the reference's
    ``api_keys.json`` (which is never touched), ``{"keys": [...]}`` with only the SHA-256 of
    each secret; cached in Redis and in the process like the reference's keys. The last-used
    times live in the Redis hash ``ov_meet:named_api_keys:last_used`` (id -> epoch ms)."""

    CACHE_KEY = redis_keys.NAMED_API_KEYS

    @staticmethod
    def _to_json(items: builtins.list[NamedApiKey]) -> dict[str, Any]:
        return {
            "keys": [
                {
                    "id": item.key_id,
                    "name": item.name,
                    "scopes": list(item.scopes),
                    "secretHash": item.secret_hash,
                    "hint": item.hint,
                    "createdAt": item.created_at,
                    "expiresAt": item.expires_at,
                }
                for item in items
            ]
        }

    @staticmethod
    def _from_json(raw: Any) -> builtins.list[NamedApiKey]:
        items = raw.get("keys") if isinstance(raw, dict) else None
        if not isinstance(items, builtins.list):
            return []
        result = []
        for item in items:
            if not isinstance(item, dict) or not item.get("id") or not item.get("secretHash"):
                continue
            expires = item.get("expiresAt")
            result.append(
                NamedApiKey(
                    key_id=str(item["id"]),
                    name=str(item.get("name", "")),
                    scopes=tuple(str(scope) for scope in item.get("scopes") or ()),
                    secret_hash=str(item["secretHash"]),
                    hint=str(item.get("hint", "")),
                    created_at=int(item.get("createdAt") or 0),
                    expires_at=int(expires) if isinstance(expires, int | float) else None,
                )
            )
        return result

    def list(self) -> builtins.list[NamedApiKey]:
        stored = local_cache.get(self.CACHE_KEY, self._load)
        return [] if stored is None else builtins.list(stored)

    def list_fresh(self) -> builtins.list[NamedApiKey]:
        """Past the in-process copy (read-modify-write under a lock)."""
        return builtins.list(self._load() or ())

    def _load(self) -> tuple[NamedApiKey, ...] | None:
        raw = _read_cached(self.CACHE_KEY, keys.NAMED_API_KEYS)
        # An absent document is kept as "no keys" too: the lookup of a wrong ``ovmk_`` key
        # then costs no Redis round trip either.
        return tuple(self._from_json(raw)) if raw is not None else ()

    def replace(self, items: builtins.list[NamedApiKey]) -> None:
        try:
            _write_cached(self.CACHE_KEY, keys.NAMED_API_KEYS, self._to_json(items))
        finally:
            local_cache.invalidate(self.CACHE_KEY)

    # --- last-used times (Redis only; callers handle Redis failures) -----------------------

    @staticmethod
    def set_last_used(key_id: str, at_ms: int) -> None:
        redis().hset(redis_keys.NAMED_API_KEYS_LAST_USED, key_id, str(at_ms))

    @staticmethod
    def last_used() -> dict[str, int]:
        raw = redis().hgetall(redis_keys.NAMED_API_KEYS_LAST_USED)
        result = {}
        for key, value in raw.items():
            try:
                result[key.decode() if isinstance(key, bytes) else str(key)] = int(value)
            except (TypeError, ValueError):
                continue
        return result

    @staticmethod
    def forget_last_used(key_id: str) -> None:
        redis().hdel(redis_keys.NAMED_API_KEYS_LAST_USED, key_id)


class GlobalConfigRepository:
    CACHE_KEY = redis_keys.GLOBAL_CONFIG

    @staticmethod
    def _theme_from_json(raw: dict[str, Any]) -> Theme:
        return Theme(
            name=str(raw.get("name", "")),
            enabled=bool(raw.get("enabled", False)),
            base_theme=BaseTheme(str(raw.get("baseTheme", "light"))),
            **{
                attribute: raw[wire]
                for attribute, wire in THEME_COLOUR_WIRE_NAMES
                if isinstance(raw.get(wire), str)
            },
        )

    def to_json(self, config: GlobalConfig) -> dict[str, Any]:
        authentication = config.authentication
        return {
            "projectId": config.project_id,
            "webhooksConfig": {"enabled": config.webhooks.enabled, "url": config.webhooks.url},
            "securityConfig": {
                "authentication": {
                    "authMethod": {"type": authentication.auth_method_type},
                    "authModeToAccessRoom": authentication.auth_mode_to_access_room,
                    "authTransportMode": authentication.auth_transport_mode,
                }
            },
            "roomsConfig": {
                "appearance": {"themes": [theme_to_json(theme) for theme in config.themes]}
            },
        }

    def from_json(self, raw: dict[str, Any]) -> GlobalConfig:
        raw = self._upgrade(raw)
        webhooks = raw.get("webhooksConfig") or {}
        authentication = (raw.get("securityConfig") or {}).get("authentication") or {}
        themes = ((raw.get("roomsConfig") or {}).get("appearance") or {}).get("themes") or []
        return GlobalConfig(
            project_id=str(raw.get("projectId", "")),
            webhooks=WebhooksConfig(
                enabled=bool(webhooks.get("enabled", False)), url=str(webhooks.get("url") or "")
            ),
            authentication=AuthenticationConfig(
                auth_method_type=AuthMethodType(
                    str((authentication.get("authMethod") or {}).get("type"))
                    if authentication.get("authMethod")
                    else "single_user"
                ),
                auth_mode_to_access_room=AuthModeToAccessRoom(
                    str(authentication.get("authModeToAccessRoom", "none"))
                ),
                auth_transport_mode=AuthTransportMode(str(authentication["authTransportMode"])),
            ),
            themes=tuple(self._theme_from_json(t) for t in themes if isinstance(t, dict)),
        )

    @staticmethod
    def _upgrade(raw: dict[str, Any]) -> dict[str, Any]:
        """The reference's only migration: ``authTransportMode`` added as ``header``."""
        authentication = (raw.get("securityConfig") or {}).get("authentication")
        if isinstance(authentication, dict) and "authTransportMode" not in authentication:
            raw = {
                **raw,
                "securityConfig": {
                    **raw["securityConfig"],
                    "authentication": {**authentication, "authTransportMode": "header"},
                },
            }
        elif not isinstance(authentication, dict):
            raw = {
                **raw,
                "securityConfig": {
                    "authentication": {
                        "authMethod": {"type": "single_user"},
                        "authModeToAccessRoom": "none",
                        "authTransportMode": "header",
                    }
                },
            }
        return raw

    def needs_upgrade(self, raw: dict[str, Any]) -> bool:
        return self._upgrade(raw) is not raw

    def get_raw_from_storage(self) -> dict[str, Any] | None:
        """Bypass the cache (initialisation must see what storage really holds)."""
        raw = get_object_store().get_json(keys.GLOBAL_CONFIG)
        return raw if isinstance(raw, dict) else None

    def get_raw(self) -> dict[str, Any] | None:
        raw = _read_cached(self.CACHE_KEY, keys.GLOBAL_CONFIG)
        return raw if isinstance(raw, dict) else None

    def get(self, *, fresh: bool = False) -> GlobalConfig | None:
        """The config; ``fresh`` skips the in-process copy (read-modify-write under a lock)."""
        if fresh:
            return self._load()
        return local_cache.get(self.CACHE_KEY, self._load)

    def _load(self) -> GlobalConfig | None:
        raw = self.get_raw()
        return None if raw is None else self.from_json(raw)

    def save(self, config: GlobalConfig) -> None:
        try:
            _write_cached(self.CACHE_KEY, keys.GLOBAL_CONFIG, self.to_json(config))
        finally:
            local_cache.invalidate(self.CACHE_KEY)
