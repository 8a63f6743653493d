"""Users, API keys and the global config: golden files from the reference, and the Redis cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
import redis.exceptions

from accounts.domain import ApiKey, GlobalConfig, User
from accounts.repository import ApiKeyRepository, GlobalConfigRepository, UserRepository
from accounts.services import check_password
from meet.errors import RedisUnavailableError
from meet.redis_connection import redis as redis_client

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "storage"


def golden(key: str) -> bytes:
    return (FIXTURES / key).read_bytes()


def load_golden(store: Any, key: str) -> bytes:
    raw = golden(key)
    store.put_bytes(key, raw)
    return raw


def stored(store: Any, key: str) -> bytes | None:
    return store.get_bytes(key)


def cached(cache_key: str) -> bytes | None:
    value = redis_client().get(cache_key)
    return None if value is None else bytes(value)


REFERENCE_ADMIN = User(
    username="admin",
    password_hash="$2b$10$7ns1OodLPV7bXzh99VHn/udNpUF9rbiS7DsVAGm3qtTE9Cn5Q6t8C",
    roles=("admin", "user"),
)
REFERENCE_API_KEYS = [ApiKey(key="meet-api-key", creation_date=1795435927695)]
REFERENCE_CONFIG = GlobalConfig(project_id="openviduMeet")


@dataclass(frozen=True)
class Aggregate:
    storage_key: str
    cache_key: str
    read: Callable[[], Any]
    save: Callable[[Any], None]
    golden_value: Any
    other_value: Any


AGGREGATES = {
    "user": Aggregate(
        storage_key="users/admin.json",
        cache_key="ov_meet:user:admin",
        read=lambda: UserRepository().get("admin"),
        save=lambda user: UserRepository().save(user),
        golden_value=REFERENCE_ADMIN,
        other_value=User(username="admin", password_hash="$2b$04$x", roles=()),
    ),
    "api keys": Aggregate(
        storage_key="api_keys.json",
        cache_key="ov_meet:api_keys:",
        read=lambda: ApiKeyRepository().list(),
        save=lambda api_keys: ApiKeyRepository().replace(api_keys),
        golden_value=REFERENCE_API_KEYS,
        other_value=[ApiKey(key="ovmeet-new", creation_date=1)],
    ),
    "global config": Aggregate(
        storage_key="global-config.json",
        cache_key="ov_meet:global_config",
        read=lambda: GlobalConfigRepository().get(),
        save=lambda config: GlobalConfigRepository().save(config),
        golden_value=REFERENCE_CONFIG,
        other_value=GlobalConfig(project_id="changed"),
    ),
}


@pytest.fixture
def redis_down() -> Any:
    with patch("meet.cache.redis", side_effect=redis.exceptions.ConnectionError("down")):
        yield


# --- Golden files -------------------------------------------------------------------------------


def test_the_reference_admin_user_is_read_and_written_back_unchanged(store: Any) -> None:
    raw = load_golden(store, "users/admin.json")

    user = UserRepository().get("admin")

    assert user == REFERENCE_ADMIN
    UserRepository().save(user)
    assert json.loads(stored(store, "users/admin.json")) == json.loads(raw)
    assert stored(store, "users/admin.json") == raw


def test_the_reference_admin_hash_verifies_the_default_password(store: Any) -> None:
    load_golden(store, "users/admin.json")

    user = UserRepository().get("admin")

    assert user.password_hash.startswith("$2b$10$")
    assert check_password("admin", user.password_hash) is True
    assert check_password("Admin", user.password_hash) is False


def test_the_reference_api_keys_are_read_and_written_back_unchanged(store: Any) -> None:
    raw = load_golden(store, "api_keys.json")

    api_keys = ApiKeyRepository().list()

    assert api_keys == REFERENCE_API_KEYS
    ApiKeyRepository().replace(api_keys)
    assert json.loads(stored(store, "api_keys.json")) == json.loads(raw)
    assert stored(store, "api_keys.json") == raw


def test_a_fractional_creation_date_round_trips_exactly(store: Any) -> None:
    raw = b'[{"key":"ovmeet-0123","creationDate":1796040728113.747}]'
    store.put_bytes("api_keys.json", raw)

    api_keys = ApiKeyRepository().list()
    ApiKeyRepository().replace(api_keys)

    assert api_keys[0].creation_date == 1796040728113.747
    assert stored(store, "api_keys.json") == raw


def test_the_reference_global_config_is_read_and_written_back_unchanged(store: Any) -> None:
    raw = load_golden(store, "global-config.json")

    config = GlobalConfigRepository().get()

    assert config == REFERENCE_CONFIG
    GlobalConfigRepository().save(config)
    assert json.loads(stored(store, "global-config.json")) == json.loads(raw)
    assert stored(store, "global-config.json") == raw


def test_a_global_config_with_themes_and_webhooks_round_trips(store: Any) -> None:
    document = json.loads(golden("global-config.json"))
    document["webhooksConfig"] = {"enabled": True, "url": "https://hooks.example/ü"}
    document["securityConfig"]["authentication"] = {
        "authMethod": {"type": "single_user"},
        "authModeToAccessRoom": "moderators_only",
        "authTransportMode": "cookie",
    }
    document["roomsConfig"]["appearance"]["themes"] = [
        {
            "name": "corporate",
            "enabled": True,
            "baseTheme": "dark",
            "backgroundColor": "#000000",
            "primaryColor": "#112233",
            "accentColor": "#ffcc00",
        }
    ]
    raw = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    store.put_bytes("global-config.json", raw)

    GlobalConfigRepository().save(GlobalConfigRepository().get())

    assert json.loads(stored(store, "global-config.json")) == document
    assert stored(store, "global-config.json") == raw


def test_a_global_config_without_auth_transport_mode_is_upgraded_to_header_on_read(
    store: Any,
) -> None:
    document = json.loads(golden("global-config.json"))
    del document["securityConfig"]["authentication"]["authTransportMode"]
    store.put_json("global-config.json", document)
    repository = GlobalConfigRepository()

    config = repository.get()

    assert config.authentication.auth_transport_mode == "header"
    assert repository.needs_upgrade(repository.get_raw()) is True
    repository.save(config)
    assert stored(store, "global-config.json") == golden("global-config.json")
    assert repository.needs_upgrade(repository.get_raw()) is False


def test_a_crafted_username_never_addresses_another_object(store: Any) -> None:
    load_golden(store, "api_keys.json")

    for username in ("../api_keys", "..", ".", "", "x/../../api_keys"):
        assert UserRepository().get(username) is None


# --- Redis cache --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", AGGREGATES)
def test_a_read_back_fills_the_reference_cache_key_with_the_same_json(
    store: Any, name: str
) -> None:
    aggregate = AGGREGATES[name]
    raw = load_golden(store, aggregate.storage_key)

    assert aggregate.read() == aggregate.golden_value
    assert cached(aggregate.cache_key) == raw


@pytest.mark.parametrize("name", AGGREGATES)
def test_a_save_writes_the_same_json_to_the_cache_and_to_storage(store: Any, name: str) -> None:
    aggregate = AGGREGATES[name]
    raw = golden(aggregate.storage_key)
    redis_client().set(aggregate.cache_key, b'{"stale":true}')

    aggregate.save(aggregate.golden_value)

    assert cached(aggregate.cache_key) == raw
    assert stored(store, aggregate.storage_key) == raw


@pytest.mark.parametrize("name", AGGREGATES)
def test_a_second_read_is_served_from_redis_without_touching_storage(store: Any, name: str) -> None:
    aggregate = AGGREGATES[name]
    load_golden(store, aggregate.storage_key)

    with patch.object(store, "get_bytes", wraps=store.get_bytes) as get_bytes:
        first = aggregate.read()
        second = aggregate.read()

    assert [call.args for call in get_bytes.call_args_list] == [(aggregate.storage_key,)]
    assert first == second == aggregate.golden_value


@pytest.mark.parametrize("name", AGGREGATES)
def test_a_read_when_redis_is_down_falls_back_to_storage(
    store: Any, name: str, redis_down: None
) -> None:
    aggregate = AGGREGATES[name]
    load_golden(store, aggregate.storage_key)

    assert aggregate.read() == aggregate.golden_value


@pytest.mark.parametrize("name", AGGREGATES)
def test_a_save_when_redis_is_down_fails_and_writes_nothing(
    store: Any, name: str, redis_down: None
) -> None:
    aggregate = AGGREGATES[name]

    with pytest.raises(RedisUnavailableError) as raised:
        aggregate.save(aggregate.other_value)

    assert raised.value.status_code == 503
    assert stored(store, aggregate.storage_key) is None


@pytest.mark.parametrize("name", AGGREGATES)
def test_a_save_when_redis_is_down_leaves_the_stored_document_as_it_was(
    store: Any, name: str
) -> None:
    aggregate = AGGREGATES[name]
    raw = load_golden(store, aggregate.storage_key)

    with (
        patch("meet.cache.redis", side_effect=redis.exceptions.ConnectionError("down")),
        pytest.raises(RedisUnavailableError),
    ):
        aggregate.save(aggregate.other_value)

    assert stored(store, aggregate.storage_key) == raw


def test_deleting_the_api_keys_removes_the_object_and_the_cache_entry(store: Any) -> None:
    load_golden(store, "api_keys.json")
    ApiKeyRepository().list()

    ApiKeyRepository().delete_all()

    assert stored(store, "api_keys.json") is None
    assert cached("ov_meet:api_keys:") is None
    assert ApiKeyRepository().list() == []
