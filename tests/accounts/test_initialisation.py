"""First-start storage initialisation (behavior.md §1.7), including ten processes at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from accounts.services import check_password, initialize_storage
from meet.redis_connection import redis as redis_client

BASE_DIR = Path(__file__).resolve().parent.parent.parent
FIXTURES = BASE_DIR / "tests" / "fixtures" / "storage"
DEFAULT_CONFIG = {
    "projectId": "openviduMeet",
    "webhooksConfig": {"enabled": False, "url": ""},
    "securityConfig": {
        "authentication": {
            "authMethod": {"type": "single_user"},
            "authModeToAccessRoom": "none",
            "authTransportMode": "header",
        }
    },
    "roomsConfig": {"appearance": {"themes": []}},
}


def now_ms() -> int:
    return int(time.time() * 1000)


def stored(store: Any, key: str) -> Any:
    return store.get_json(key)


def test_initialisation_writes_the_admin_user_with_a_bcrypt_hash(store: Any, settings: Any) -> None:
    settings.MEET_INITIAL_ADMIN_PASSWORD = "s3cret-pass"

    assert initialize_storage() == "initialized"

    user = stored(store, "users/admin.json")
    assert list(user) == ["username", "passwordHash", "roles"]
    assert user["username"] == "admin"
    assert user["roles"] == ["admin", "user"]
    assert user["passwordHash"].startswith("$2b$")
    assert check_password("s3cret-pass", user["passwordHash"]) is True
    assert check_password("admin", user["passwordHash"]) is False


def test_initialisation_uses_the_configured_admin_username(store: Any, settings: Any) -> None:
    settings.MEET_INITIAL_ADMIN_USER = "boss"

    initialize_storage()

    assert stored(store, "users/boss.json")["username"] == "boss"
    assert stored(store, "users/admin.json") is None


def test_initialisation_writes_the_default_global_config_as_the_reference_does(
    store: Any,
) -> None:
    initialize_storage()

    assert stored(store, "global-config.json") == DEFAULT_CONFIG
    assert store.get_bytes("global-config.json") == (FIXTURES / "global-config.json").read_bytes()


def test_without_an_initial_api_key_no_api_keys_object_is_written(store: Any) -> None:
    initialize_storage()

    assert stored(store, "api_keys.json") is None


def test_the_initial_api_key_is_stored_verbatim_with_its_creation_date(
    store: Any, settings: Any
) -> None:
    settings.MEET_INITIAL_API_KEY = "meet-api-key"
    before = now_ms()

    initialize_storage()

    [api_key] = stored(store, "api_keys.json")
    assert list(api_key) == ["key", "creationDate"]
    assert api_key["key"] == "meet-api-key"
    assert isinstance(api_key["creationDate"], int)
    assert before <= api_key["creationDate"] <= now_ms()


@pytest.mark.parametrize(
    ("webhook_enabled", "api_key", "expected"),
    [(True, "meet-api-key", True), (True, "", False), (False, "meet-api-key", False)],
)
def test_webhooks_start_enabled_only_with_the_flag_and_an_initial_api_key(
    store: Any, settings: Any, webhook_enabled: bool, api_key: str, expected: bool
) -> None:
    settings.MEET_INITIAL_WEBHOOK_ENABLED = webhook_enabled
    settings.MEET_INITIAL_API_KEY = api_key
    settings.MEET_INITIAL_WEBHOOK_URL = "https://hooks.example/meet"

    initialize_storage()

    assert stored(store, "global-config.json")["webhooksConfig"] == {
        "enabled": expected,
        "url": "https://hooks.example/meet",
    }


def test_a_second_initialisation_is_up_to_date_and_rewrites_nothing(
    store: Any, settings: Any
) -> None:
    settings.MEET_INITIAL_API_KEY = "meet-api-key"
    initialize_storage()
    first = {key: store.get_bytes(key) for key in ("users/admin.json", "api_keys.json")}
    time.sleep(0.01)  # a rewrite would now get another creationDate (and a new salt)

    assert initialize_storage() == "up to date"

    assert {key: store.get_bytes(key) for key in first} == first


def test_later_changes_to_the_initial_values_are_not_applied(store: Any, settings: Any) -> None:
    initialize_storage()
    settings.MEET_INITIAL_ADMIN_PASSWORD = "changed-password"
    settings.MEET_INITIAL_API_KEY = "another-key"

    assert initialize_storage() == "up to date"

    assert check_password("admin", stored(store, "users/admin.json")["passwordHash"]) is True
    assert stored(store, "api_keys.json") is None


def test_another_project_id_initialises_again_and_resets_the_admin_password(
    store: Any, settings: Any
) -> None:
    initialize_storage()
    store.put_json(
        "users/admin.json",
        {"username": "admin", "passwordHash": "$2b$04$changed", "roles": ["admin", "user"]},
    )
    settings.MEET_NAME_ID = "otherProject"

    assert initialize_storage() == "initialized"

    assert stored(store, "global-config.json")["projectId"] == "otherProject"
    assert check_password("admin", stored(store, "users/admin.json")["passwordHash"]) is True


def test_a_stored_config_without_auth_transport_mode_is_migrated(store: Any) -> None:
    config = json.loads((FIXTURES / "global-config.json").read_bytes())
    del config["securityConfig"]["authentication"]["authTransportMode"]
    config["webhooksConfig"] = {"enabled": True, "url": "https://hooks.example/kept"}
    store.put_json("global-config.json", config)
    admin = (FIXTURES / "users" / "admin.json").read_bytes()
    store.put_bytes("users/admin.json", admin)

    assert initialize_storage() == "migrated"

    migrated = stored(store, "global-config.json")
    assert migrated["securityConfig"]["authentication"]["authTransportMode"] == "header"
    assert migrated["webhooksConfig"] == {"enabled": True, "url": "https://hooks.example/kept"}
    assert json.loads(redis_client().get("ov_meet:global_config")) == migrated
    assert store.get_bytes("users/admin.json") == admin
    assert initialize_storage() == "up to date"


def test_initialisation_leaves_no_lock_behind(store: Any) -> None:
    initialize_storage()

    assert redis_client().keys("ov_meet_lock*") == []


@pytest.mark.slow
def test_ten_processes_starting_together_initialise_storage_exactly_once(
    store: Any, moto_endpoint: str
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "meet.settings",
        "MEET_BLOB_STORAGE_MODE": "s3",
        "MEET_S3_SERVICE_ENDPOINT": moto_endpoint,
        "MEET_S3_BUCKET": "meet-test",
        "MEET_S3_ACCESS_KEY": "testing",
        "MEET_S3_SECRET_KEY": "testing",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "MEET_REDIS_HOST": "127.0.0.1",
        "MEET_REDIS_PORT": str(django_settings.REDIS_PORT),
        "MEET_REDIS_PASSWORD": "",
        "MEET_REDIS_DB": str(django_settings.REDIS_DB),
        "MEET_INITIAL_API_KEY": "meet-api-key",
        "LIVEKIT_API_KEY": "devkey",
        "LIVEKIT_API_SECRET": "secret",
    }
    before = now_ms()

    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "init_storage"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(10)
    ]
    results = [process.communicate(timeout=100) for process in processes]

    assert [process.returncode for process in processes] == [0] * 10, results
    outcomes = sorted(stdout.strip().splitlines()[-1] for stdout, _stderr in results)
    assert outcomes == ["storage: initialized"] + ["storage: up to date"] * 9, results
    [api_key] = stored(store, "api_keys.json")
    assert api_key["key"] == "meet-api-key"
    assert before <= api_key["creationDate"] <= now_ms()
    user = stored(store, "users/admin.json")
    assert user["passwordHash"].startswith("$2b$10$")
    assert check_password("admin", user["passwordHash"]) is True
    assert stored(store, "global-config.json") == DEFAULT_CONFIG
    # The cache holds what the winner wrote to storage, byte for byte.
    for storage_key, cache_key in [
        ("users/admin.json", "ov_meet:user:admin"),
        ("api_keys.json", "ov_meet:api_keys:"),
        ("global-config.json", "ov_meet:global_config"),
    ]:
        assert redis_client().get(cache_key) == store.get_bytes(storage_key)
