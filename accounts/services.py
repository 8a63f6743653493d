"""Users, API keys, the global config and storage initialisation."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass

import bcrypt
from django.conf import settings

from accounts.domain import (
    API_KEY_SCOPES,
    NAMED_API_KEY_PREFIX,
    REFERENCE_KEY_ID,
    THEME_COLOURS,
    ApiKey,
    ApiKeyView,
    AuthenticationConfig,
    AuthMethodType,
    AuthModeToAccessRoom,
    AuthTransportMode,
    GlobalConfig,
    NamedApiKey,
    Theme,
    User,
    UserRole,
    WebhooksConfig,
)
from accounts.errors import (
    ApiKeyLimitError,
    ApiKeyNameTakenError,
    ApiKeyNotFoundError,
    InvalidCredentialsError,
    InvalidCurrentPasswordError,
    InvalidRefreshTokenError,
    InvalidTokenError,
    InvalidTokenSubjectError,
    ReferenceApiKeyError,
    UserNotFoundError,
)
from accounts.repository import (
    ApiKeyRepository,
    GlobalConfigRepository,
    NamedApiKeyRepository,
    UserRepository,
)
from accounts.tokens import issue_token, verify_session_token
from meet import locks
from meet.breaker import redis_breaker
from meet.clock import now_ms
from meet.redis_connection import RedisError

logger = logging.getLogger(__name__)

_users = UserRepository()
_api_keys = ApiKeyRepository()
_named_keys = NamedApiKeyRepository()
_global_config = GlobalConfigRepository()
# Compared against when the user does not exist, so both failures take the same time.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(4))


# --- Global config ----------------------------------------------------------------------------


def default_global_config() -> GlobalConfig:
    return GlobalConfig(
        project_id=settings.MEET_NAME_ID,
        webhooks=WebhooksConfig(
            enabled=bool(settings.MEET_INITIAL_WEBHOOK_ENABLED and settings.MEET_INITIAL_API_KEY),
            url=settings.MEET_INITIAL_WEBHOOK_URL,
        ),
        authentication=AuthenticationConfig(),
        themes=(),
    )


def get_global_config(*, fresh: bool = False) -> GlobalConfig:
    """The stored config; on a miss the defaults are written, as the reference does.
    ``fresh``: read past the in-process copy (for read-modify-write)."""
    config = _global_config.get(fresh=fresh)
    if config is None:
        config = default_global_config()
        _global_config.save(config)
    return config


def update_webhooks_config(*, enabled: bool, url: str | None) -> GlobalConfig:
    with _config_lock():
        config = get_global_config(fresh=True)
        webhooks = WebhooksConfig(enabled=enabled, url=config.webhooks.url if url is None else url)
        config = dataclasses.replace(config, webhooks=webhooks)
        _global_config.save(config)
    return config


def update_security_config(
    *, auth_method_type: str, auth_mode_to_access_room: str, auth_transport_mode: str
) -> GlobalConfig:
    with _config_lock():
        config = dataclasses.replace(
            get_global_config(fresh=True),
            authentication=AuthenticationConfig(
                auth_method_type=AuthMethodType(auth_method_type),
                auth_mode_to_access_room=AuthModeToAccessRoom(auth_mode_to_access_room),
                auth_transport_mode=AuthTransportMode(auth_transport_mode),
            ),
        )
        _global_config.save(config)
    return config


def update_rooms_appearance(*, theme: Theme) -> GlobalConfig:
    """Replace the theme list with ``theme``; colours it leaves missing or empty are taken
    from the stored first theme (whatever its name), as the reference does."""
    with _config_lock():
        config = get_global_config(fresh=True)
        if config.themes:
            previous = config.themes[0]
            theme = dataclasses.replace(
                theme,
                **{
                    colour: getattr(theme, colour) or getattr(previous, colour)
                    for colour in THEME_COLOURS
                },
            )
        config = dataclasses.replace(config, themes=(theme,))
        _global_config.save(config)
    return config


def _config_lock() -> AbstractContextManager[locks.Lock]:
    """Serialise read-modify-write of the global config across processes."""
    return locks.held("global_config", ttl_seconds=10, wait_seconds=10)


# --- Users ------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    salt = bcrypt.gensalt(settings.PASSWORD_HASH_ROUNDS, prefix=b"2b")
    return bcrypt.hashpw(password.encode(), salt).decode()


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False


def find_user(username: str) -> User | None:
    return _users.get(username)


def authenticate_user(*, username: str, password: str) -> User:
    user = _users.get(username)
    if user is None:
        bcrypt.checkpw(password.encode(), _DUMMY_HASH)
        raise InvalidCredentialsError()
    if not check_password(password, user.password_hash):
        raise InvalidCredentialsError()
    return user


def change_password(*, username: str, current_password: str, new_password: str) -> None:
    user = _users.get(username)
    if user is None or not check_password(current_password, user.password_hash):
        raise InvalidCurrentPasswordError()
    _users.save(dataclasses.replace(user, password_hash=hash_password(new_password)))


def reset_password(*, username: str, new_password: str) -> None:
    user = _users.get(username)
    if user is None:
        raise UserNotFoundError(username)
    _users.save(dataclasses.replace(user, password_hash=hash_password(new_password)))


# --- Tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionTokens:
    access_token: str
    refresh_token: str


def _user_token(user: User, ttl_seconds: int) -> str:
    return issue_token(
        ttl_seconds=ttl_seconds, metadata={"roles": list(user.roles)}, identity=user.username
    )


def login(*, username: str, password: str) -> tuple[User, SessionTokens]:
    user = authenticate_user(username=username, password=password)
    return user, SessionTokens(
        access_token=_user_token(user, settings.ACCESS_TOKEN_TTL_SECONDS),
        refresh_token=_user_token(user, settings.REFRESH_TOKEN_TTL_SECONDS),
    )


def refresh_access_token(*, refresh_token: str) -> tuple[User, str]:
    try:
        claims = verify_session_token(refresh_token)
    except InvalidTokenError as error:
        raise InvalidRefreshTokenError() from error
    user = _users.get(str(claims.get("sub") or ""))
    if user is None:
        raise InvalidTokenSubjectError()
    return user, _user_token(user, settings.ACCESS_TOKEN_TTL_SECONDS)


# --- API keys ---------------------------------------------------------------------------------


def list_api_keys() -> list[ApiKey]:
    return _api_keys.list()


def create_api_key() -> ApiKey:
    """A new ``ovmeet-`` + 32 hex key that replaces any existing one (only one key exists)."""
    api_key = ApiKey(key=f"ovmeet-{secrets.token_hex(16)}", creation_date=now_ms())
    _api_keys.replace([api_key])
    return api_key


def delete_api_keys() -> None:
    _api_keys.delete_all()


def find_api_key(candidate: str) -> bool | None:
    """True if ``candidate`` is the stored key, False if not, None when no key exists.

    Compared in constant time."""
    stored = _api_keys.list()
    if not stored:
        return None
    matched = False
    for api_key in stored:
        matched |= secrets.compare_digest(api_key.key.encode(), candidate.encode())
    return matched


# --- Named (scoped) API keys: not in the reference -----------------------------------------


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _reference_view(api_key: ApiKey) -> ApiKeyView:
    return ApiKeyView(
        key_id=REFERENCE_KEY_ID,
        name="reference",
        scopes=API_KEY_SCOPES,
        created_at=api_key.creation_date,
        reference=True,
    )


def _named_view(
    item: NamedApiKey, last_used: dict[str, int], *, secret: str | None = None
) -> ApiKeyView:
    return ApiKeyView(
        key_id=item.key_id,
        name=item.name,
        scopes=item.scopes,
        created_at=item.created_at,
        expires_at=item.expires_at,
        last_used_at=last_used.get(item.key_id),
        hint=item.hint,
        key=secret,
    )


def _last_used_times() -> dict[str, int]:
    """Shown in lists; an unreachable Redis shows none instead of failing the page."""
    if redis_breaker.is_down:
        return {}
    try:
        return _named_keys.last_used()
    except RedisError as error:
        logger.warning("Could not read the API keys' last-used times: %s", error)
        return {}


def list_all_api_keys() -> list[ApiKeyView]:
    """The reference's key first (when one exists, every scope, no secret), then named keys
    oldest first."""
    views = [_reference_view(item) for item in _api_keys.list()[:1]]
    last_used = _last_used_times()
    views += [_named_view(item, last_used) for item in _named_keys.list()]
    return views


def get_api_key_view(key_id: str) -> ApiKeyView:
    if key_id == REFERENCE_KEY_ID:
        reference = _api_keys.list()[:1]
        if reference:
            return _reference_view(reference[0])
        raise ApiKeyNotFoundError(key_id)
    for item in _named_keys.list():
        if item.key_id == key_id:
            return _named_view(item, _last_used_times())
    raise ApiKeyNotFoundError(key_id)


def create_named_api_key(
    *, name: str, scopes: tuple[str, ...], expires_at: int | None
) -> ApiKeyView:
    """A new key; the answer carries its secret, which is never stored or shown again."""
    secret = NAMED_API_KEY_PREFIX + secrets.token_hex(24)
    ordered = tuple(scope for scope in API_KEY_SCOPES if scope in scopes)
    with _named_keys_lock():
        stored = _named_keys.list_fresh()
        if len(stored) >= settings.MEET_API_KEYS_MAX:
            raise ApiKeyLimitError(settings.MEET_API_KEYS_MAX)
        if any(item.name == name for item in stored):
            raise ApiKeyNameTakenError(name)
        item = NamedApiKey(
            key_id=secrets.token_hex(8),
            name=name,
            scopes=ordered,
            secret_hash=hash_secret(secret),
            hint=secret[-4:],
            created_at=now_ms(),
            expires_at=expires_at,
        )
        _named_keys.replace([*stored, item])
    return _named_view(item, {}, secret=secret)


def revoke_named_api_key(key_id: str) -> ApiKeyView:
    """Delete a named key: every process of every instance refuses it at once."""
    if key_id == REFERENCE_KEY_ID:
        raise ReferenceApiKeyError()
    with _named_keys_lock():
        stored = _named_keys.list_fresh()
        found = [item for item in stored if item.key_id == key_id]
        if not found:
            raise ApiKeyNotFoundError(key_id)
        _named_keys.replace([item for item in stored if item.key_id != key_id])
    try:
        _named_keys.forget_last_used(key_id)
    except RedisError as error:
        logger.warning("Could not forget the last-used time of API key %s: %s", key_id, error)
    return _named_view(found[0], {})


def list_named_api_keys() -> list[NamedApiKey]:
    return _named_keys.list()


def find_named_api_key(candidate: str) -> NamedApiKey | None:
    """The named key whose secret is ``candidate``, unless expired (then it does not exist)."""
    if not candidate.startswith(NAMED_API_KEY_PREFIX):
        return None
    digest = hash_secret(candidate).encode()
    found = None
    for item in _named_keys.list():
        if secrets.compare_digest(item.secret_hash.encode(), digest):
            found = item
    if found is None or found.expired(now_ms()):
        return None
    return found


_last_used_lock = threading.Lock()
_last_used_written: dict[str, float] = {}


def touch_named_api_key(key_id: str) -> None:
    """Record that the key was used: at most once per ``MEET_API_KEY_LAST_USED_INTERVAL_SECONDS``
    per key and process (the throttle is in the process, so most requests cost nothing);
    best effort: Redis being down never fails the request."""
    now = time.monotonic()
    interval = settings.MEET_API_KEY_LAST_USED_INTERVAL_SECONDS
    with _last_used_lock:
        previous = _last_used_written.get(key_id)
        if previous is not None and now - previous < interval:
            return
        _last_used_written[key_id] = now
    if redis_breaker.is_down:
        return
    try:
        _named_keys.set_last_used(key_id, now_ms())
    except RedisError as error:
        logger.warning("Could not record the last use of API key %s: %s", key_id, error)


def reset_last_used_throttle() -> None:
    with _last_used_lock:
        _last_used_written.clear()


def _named_keys_lock() -> AbstractContextManager[locks.Lock]:
    return locks.held("named_api_keys", ttl_seconds=10, wait_seconds=10)


# --- Initialisation ---------------------------------------------------------------------------


def initialize_storage() -> str:
    """Idempotent first-start initialisation (behavior.md §1.7). Returns what it did:
    ``"initialized"``, ``"migrated"`` or ``"up to date"``.

    Runs under the ``storage_initialization`` lock; processes starting together wait for it, so
    exactly one writes. The global config (the "initialised" marker) is written last, so a crash
    half-way leaves storage that the next start initialises again.
    """
    with locks.held(
        "storage_initialization",
        ttl_seconds=settings.STORAGE_INIT_LOCK_SECONDS,
        wait_seconds=settings.STORAGE_INIT_LOCK_SECONDS + 5,
    ):
        # Storage, not the cache, says whether this deployment is initialised: a Redis kept
        # across a storage wipe must not hide a missing admin user.
        raw = _global_config.get_raw_from_storage()
        if raw is not None and raw.get("projectId") == settings.MEET_NAME_ID:
            if _global_config.needs_upgrade(raw):
                _global_config.save(_global_config.from_json(raw))
                return "migrated"
            return "up to date"
        _users.save(
            User(
                username=settings.MEET_INITIAL_ADMIN_USER,
                password_hash=hash_password(settings.MEET_INITIAL_ADMIN_PASSWORD),
                roles=(UserRole.ADMIN, UserRole.USER),
            )
        )
        if settings.MEET_INITIAL_API_KEY:
            _api_keys.replace([ApiKey(key=settings.MEET_INITIAL_API_KEY, creation_date=now_ms())])
        _global_config.save(default_global_config())
        logger.info("Storage initialised for project %s", settings.MEET_NAME_ID)
        return "initialized"
