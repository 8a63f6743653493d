"""Named, scoped API keys (issue 13 item 1): ``/api/v1/api-keys`` and the ``X-API-KEY`` header."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from unittest.mock import patch

import pytest
import redis.exceptions
from redis import Redis
from redis.client import Pipeline
from rest_framework.test import APIClient

from accounts import services
from meet import local_cache
from meet.clock import now_ms
from tests.services import eventually

KEYS = "/api/v1/api-keys"
ROOMS = "/api/v1/rooms"
RECORDINGS = "/api/v1/recordings"
INVALID_KEY = {"error": "Authentication Error", "message": "Invalid API key"}
FORBIDDEN = {
    "error": "Authorization Error",
    "message": "Insufficient permissions to access this resource",
}
ALL_SCOPES = [
    "rooms:read",
    "rooms:write",
    "recordings:read",
    "recordings:write",
    "config",
    "audit:read",
    "keys",
]


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    services.reset_last_used_throttle()
    yield
    services.reset_last_used_throttle()


def _create(client: APIClient, **body: Any) -> Any:
    response = client.post(KEYS, {"name": "ci", "scopes": ["rooms:read"], **body}, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.content
    return response.json()


def _with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


def test_a_created_key_is_shown_once_and_only_its_hash_is_stored(
    admin_client: APIClient, key_client: APIClient, store: Any, api_key: str
) -> None:
    reference_before = store.get_json("api_keys.json")
    body = _create(admin_client, name="deploy bot", scopes=["rooms:write", "rooms:read"])
    assert re.fullmatch(r"ovmk_[0-9a-f]{48}", body["key"])
    assert body["name"] == "deploy bot"
    assert body["scopes"] == ["rooms:read", "rooms:write"]  # canonical order
    assert body["reference"] is False
    assert body["expiresAt"] is None and body["lastUsedAt"] is None
    assert body["hint"] == body["key"][-4:]
    stored = store.get_json("named-api-keys.json")
    raw = json.dumps(stored)
    assert body["key"] not in raw
    assert stored["keys"][0]["secretHash"] == hashlib.sha256(body["key"].encode()).hexdigest()
    assert store.get_json("api_keys.json") == reference_before  # the reference's object as is
    detail = admin_client.get(f"{KEYS}/{body['id']}").json()
    assert "key" not in detail
    assert detail == {k: v for k, v in body.items() if k != "key"}


def test_the_list_shows_the_reference_key_first_with_every_scope(
    admin_client: APIClient, api_key: str
) -> None:
    first = _create(admin_client, name="one")
    second = _create(admin_client, name="two", scopes=["recordings:read"])
    listed = admin_client.get(KEYS).json()
    assert [item["id"] for item in listed] == ["reference", first["id"], second["id"]]
    reference = listed[0]
    assert reference["reference"] is True
    assert reference["scopes"] == ALL_SCOPES
    assert all("key" not in item for item in listed)
    assert api_key not in json.dumps(listed)


def test_a_named_key_works_within_its_scopes_and_gets_403_outside(
    admin_client: APIClient,
) -> None:
    key = _create(admin_client, scopes=["rooms:read"])["key"]
    client = _with_key(key)
    assert client.get(ROOMS).status_code == HTTPStatus.OK
    for response in (
        client.post(ROOMS, {}, format="json"),
        client.get(RECORDINGS),
        client.get(KEYS),
    ):
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == FORBIDDEN


def test_a_wrong_named_key_is_the_usual_invalid_key(admin_client: APIClient, api_key: str) -> None:
    _create(admin_client)
    response = _with_key("ovmk_" + "0" * 48).get(ROOMS)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == INVALID_KEY


def test_named_keys_work_without_a_reference_key(admin_client: APIClient) -> None:
    key = _create(admin_client)["key"]
    assert _with_key(key).get(ROOMS).status_code == HTTPStatus.OK
    assert admin_client.get(KEYS).json()[0]["reference"] is False
    response = _with_key("not-a-key").get(ROOMS)
    assert response.json() == INVALID_KEY  # there are keys, so not "no API keys configured"


def test_the_reference_key_manages_named_keys(key_client: APIClient) -> None:
    body = _create(key_client, scopes=ALL_SCOPES)
    assert key_client.get(f"{KEYS}/{body['id']}").status_code == HTTPStatus.OK


def test_a_revoked_key_stops_at_once(admin_client: APIClient, api_key: str) -> None:
    body = _create(admin_client)
    client = _with_key(body["key"])
    assert client.get(ROOMS).status_code == HTTPStatus.OK
    response = admin_client.delete(f"{KEYS}/{body['id']}")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": "API key 'ci' revoked successfully"}
    refused = client.get(ROOMS)
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert refused.json() == INVALID_KEY
    missing = admin_client.get(f"{KEYS}/{body['id']}")
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert missing.json() == {
        "error": "API Key Error",
        "message": f"API key '{body['id']}' not found",
    }
    assert admin_client.delete(f"{KEYS}/{body['id']}").status_code == HTTPStatus.NOT_FOUND


def test_an_expired_key_is_an_invalid_key(admin_client: APIClient, api_key: str) -> None:
    body = _create(admin_client, expiresAt=now_ms() + 1500)
    client = _with_key(body["key"])
    assert client.get(ROOMS).status_code == HTTPStatus.OK
    time.sleep(1.6)
    refused = client.get(ROOMS)
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert refused.json() == INVALID_KEY
    assert admin_client.get(f"{KEYS}/{body['id']}").json()["expiresAt"] == body["expiresAt"]


def test_the_reference_key_cannot_be_revoked_here(admin_client: APIClient, api_key: str) -> None:
    response = admin_client.delete(f"{KEYS}/reference")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["error"] == "API Key Error"
    assert admin_client.get(f"{KEYS}/reference").json()["reference"] is True


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"scopes": ["rooms:read"]}, "name", "Required"),
        ({"name": "  ", "scopes": ["rooms:read"]}, "name", "name cannot be empty"),
        ({"name": "x" * 101, "scopes": ["rooms:read"]}, "name", "cannot exceed 100"),
        ({"name": "a"}, "scopes", "Required"),
        ({"name": "a", "scopes": []}, "scopes", "At least one scope is required"),
        ({"name": "a", "scopes": ["rooms:admin"]}, "scopes.0", "Invalid enum value"),
        ({"name": "a", "scopes": "rooms:read"}, "scopes", "Expected array, received string"),
        ({"name": "a", "scopes": ["keys"], "expiresAt": 1000}, "expiresAt", "in the future"),
        ({"name": "a", "scopes": ["keys"], "expiresAt": "soon"}, "expiresAt", "Expected number"),
    ],
)
def test_bad_input_is_a_422(
    admin_client: APIClient, body: dict[str, Any], field: str, message: str
) -> None:
    response = admin_client.post(KEYS, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY, response.content
    payload = response.json()
    assert payload["error"] == "Unprocessable Entity"
    assert payload["message"] == "Invalid request"
    assert any(
        item["field"] == field and message in item["message"] for item in payload["details"]
    ), payload


def test_the_number_of_keys_is_limited(admin_client: APIClient, settings: Any) -> None:
    settings.MEET_API_KEYS_MAX = 2
    _create(admin_client, name="a")
    _create(admin_client, name="b")
    response = admin_client.post(KEYS, {"name": "c", "scopes": ["keys"]}, format="json")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {
        "error": "API Key Error",
        "message": "The maximum number of API keys (2) has been reached",
    }


def test_names_are_unique(admin_client: APIClient) -> None:
    _create(admin_client, name="a")
    response = admin_client.post(KEYS, {"name": "a", "scopes": ["keys"]}, format="json")
    assert response.status_code == HTTPStatus.CONFLICT


def test_a_key_with_the_keys_scope_cannot_grant_more_than_it_holds(
    admin_client: APIClient,
) -> None:
    manager = _with_key(_create(admin_client, name="mgr", scopes=["keys", "rooms:read"])["key"])
    wider = manager.post(KEYS, {"name": "w", "scopes": ["rooms:write"]}, format="json")
    assert wider.status_code == HTTPStatus.FORBIDDEN
    assert wider.json() == FORBIDDEN
    narrower = manager.post(KEYS, {"name": "n", "scopes": ["rooms:read"]}, format="json")
    assert narrower.status_code == HTTPStatus.CREATED


def test_the_last_use_is_recorded_throttled(admin_client: APIClient, settings: Any) -> None:
    settings.MEET_API_KEY_LAST_USED_INTERVAL_SECONDS = 60
    body = _create(admin_client)
    client = _with_key(body["key"])
    before = now_ms()
    assert client.get(ROOMS).status_code == HTTPStatus.OK
    first = admin_client.get(f"{KEYS}/{body['id']}").json()["lastUsedAt"]
    assert first is not None and first >= before
    time.sleep(0.01)
    assert client.get(ROOMS).status_code == HTTPStatus.OK
    assert admin_client.get(f"{KEYS}/{body['id']}").json()["lastUsedAt"] == first
    settings.MEET_API_KEY_LAST_USED_INTERVAL_SECONDS = 0
    time.sleep(0.01)
    assert client.get(ROOMS).status_code == HTTPStatus.OK
    assert admin_client.get(KEYS).json()[-1]["lastUsedAt"] > first


def test_redis_down_does_not_fail_a_named_key_request(admin_client: APIClient) -> None:
    key = _create(admin_client)["key"]
    client = _with_key(key)
    with patch("accounts.repository.redis", side_effect=redis.exceptions.ConnectionError("down")):
        assert client.get(ROOMS).status_code == HTTPStatus.OK
        listed = admin_client.get(KEYS)
    assert listed.status_code == HTTPStatus.OK
    assert listed.json()[-1]["lastUsedAt"] is None


def test_creation_and_revocation_are_audited(admin_client: APIClient) -> None:
    body = _create(admin_client, name="audited")
    admin_client.delete(f"{KEYS}/{body['id']}")

    response = admin_client.get("/api/v1/audit-log", {"targetId": body["id"]})
    events = response.json()["events"]
    assert [(event["action"], event["actor"]["name"]) for event in events] == [
        ("api_key.revoke", "admin"),
        ("api_key.create", "admin"),
    ]
    assert body["key"] not in response.content.decode()


@pytest.fixture
def redis_calls_of_this_thread(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Redis commands this thread sends (the test client runs requests in it); background
    threads (cache listener, Celery) are not counted. Calls go through to Redis unchanged."""
    calls: list[str] = []
    thread = threading.get_ident()
    send = Redis.execute_command
    run_pipeline = Pipeline.execute

    def execute_command(self: Any, *args: Any, **options: Any) -> Any:
        if threading.get_ident() == thread:
            calls.append(" ".join(str(arg) for arg in args[:2]))
        return send(self, *args, **options)

    def execute(self: Any, *args: Any, **options: Any) -> Any:
        if threading.get_ident() == thread:
            calls.append("PIPELINE")
        return run_pipeline(self, *args, **options)

    monkeypatch.setattr(Redis, "execute_command", execute_command)
    monkeypatch.setattr(Pipeline, "execute", execute)
    return calls


def _warm(client: APIClient, path: str) -> None:
    """The process's copies loaded, after the room creation's own invalidation (published on
    the events channel, so it may reach this process's listener a moment later) was heard."""
    assert client.get(path).status_code == HTTPStatus.OK
    time.sleep(0.5)
    assert client.get(path).status_code == HTTPStatus.OK


def test_the_reference_key_costs_no_redis_round_trip(
    admin_client: APIClient, key_client: APIClient, redis_calls_of_this_thread: list[str]
) -> None:
    _create(admin_client)  # named keys exist: the reference key is still matched first
    local_cache.get("probe", lambda: None)
    eventually(local_cache.is_subscribed)
    room = key_client.post(ROOMS, {"roomName": "hot"}, format="json").json()
    path = f"{ROOMS}/{room['roomId']}"
    _warm(key_client, path)
    redis_calls_of_this_thread.clear()
    for _ in range(20):
        assert key_client.get(path).status_code == HTTPStatus.OK
    assert redis_calls_of_this_thread == []


def test_a_named_key_costs_a_redis_write_at_most_once_per_interval(
    admin_client: APIClient, redis_calls_of_this_thread: list[str]
) -> None:
    client = _with_key(_create(admin_client)["key"])
    local_cache.get("probe", lambda: None)
    eventually(local_cache.is_subscribed)
    assert client.get(ROOMS).status_code == HTTPStatus.OK
    room = admin_client.post(ROOMS, {"roomName": "hot"}, format="json").json()
    path = f"{ROOMS}/{room['roomId']}"
    _warm(client, path)
    redis_calls_of_this_thread.clear()
    for _ in range(20):
        assert client.get(path).status_code == HTTPStatus.OK
    assert redis_calls_of_this_thread == []


def test_the_routes_are_in_the_openapi_description(api_client: APIClient) -> None:
    paths = api_client.get("/api/v1/docs/openapi.json").json()["paths"]
    assert set(paths["/api/v1/api-keys"]) >= {"get", "post"}
    assert set(paths["/api/v1/api-keys/{keyId}"]) >= {"get", "delete"}
    properties = paths["/api/v1/api-keys"]["post"]["requestBody"]["content"]["application/json"]
    assert properties
