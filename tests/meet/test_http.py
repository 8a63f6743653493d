"""Cross-cutting HTTP conventions of the reference (api-contract.md §1, §2.12, §7)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
import redis as redis_library
from redis.backoff import NoBackoff
from redis.retry import Retry
from rest_framework.test import APIClient

from meet.storage import get_object_store

NOT_FOUND = {"error": "Path Not Found", "message": "API path not implemented"}


@pytest.mark.parametrize("method", ["get", "post", "put", "delete", "patch"])
def test_health_answers_any_method(method: str) -> None:
    response = getattr(APIClient(), method)("/health")
    assert response.status_code == HTTPStatus.OK
    assert response.content == b"OK"
    assert response["Content-Type"].startswith("text/html")


def test_health_answers_sub_paths() -> None:
    assert APIClient().get("/health/anything/below").content == b"OK"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/unknown"),
        ("get", "/internal-api/v1/unknown/route"),
        ("delete", "/internal-api/v1/auth/login"),  # wrong method on a known path
        ("post", "/some/page"),  # non-GET outside the APIs
        ("get", "/prefix/api/v1/x"),
    ],
)
def test_unknown_paths_get_the_json_404(initialized: None, method: str, path: str) -> None:
    response = getattr(APIClient(), method)(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == NOT_FOUND
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_malformed_json_to_an_unknown_path_is_400(initialized: None) -> None:
    # Express' JSON parser runs before the routes and the catch-all (api-contract.md §1.1).
    response = APIClient().post("/internal-api/v1/nothing", b"{x", content_type="application/json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "Bad Request", "message": "Malformed body"}


# "/" redirects to the operator console (tests/console/test_views.py). The front end's page is
# the configured build's (tests/meet/test_frontend.py has the answers without one).
@pytest.mark.parametrize("path", ["/room/abc-123", "/login", "/api"])
def test_get_outside_the_apis_serves_the_front_end_page(path: str, frontend_build: Any) -> None:
    response = APIClient().get(path)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "path", ["/INTERNAL-API/V1/CONFIG/SECURITY", "/internal-api/v1/config/security/"]
)
def test_routes_match_case_insensitively_with_a_trailing_slash(
    initialized: None, path: str
) -> None:
    response = APIClient().get(path)
    assert response.status_code == HTTPStatus.OK
    assert "authentication" in response.json()


def test_cors_defaults_to_any_origin_with_credentials(initialized: None) -> None:
    response = APIClient().get(
        "/internal-api/v1/config/security", HTTP_ORIGIN="https://app.example"
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Credentials"] == "true"


def test_cors_preflight(initialized: None) -> None:
    response = APIClient().options(
        "/api/v1/rooms",
        HTTP_ORIGIN="https://app.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-api-key",
    )
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response["Access-Control-Allow-Methods"] == "GET,HEAD,PUT,PATCH,POST,DELETE"
    assert response["Access-Control-Allow-Headers"] == "content-type,x-api-key"


def test_cors_with_a_configured_origin(initialized: None, settings: Any) -> None:
    settings.SERVER_CORS_ORIGIN = "https://app.example"
    response = APIClient().get(
        "/internal-api/v1/config/security", HTTP_ORIGIN="https://app.example"
    )
    assert response["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Origin" in response["Vary"]


def test_cors_disabled_by_an_empty_origin(initialized: None, settings: Any) -> None:
    settings.SERVER_CORS_ORIGIN = ""
    response = APIClient().get(
        "/internal-api/v1/config/security", HTTP_ORIGIN="https://app.example"
    )
    assert "Access-Control-Allow-Origin" not in response


def test_api_docs_are_served_without_a_cdn() -> None:
    page = APIClient().get("/api/v1/docs")
    assert page.status_code == HTTPStatus.OK
    assert b"cdn." not in page.content.lower()
    schema = APIClient().get("/api/v1/docs/openapi.json")
    assert schema.status_code == HTTPStatus.OK
    paths = schema.json()["paths"]
    assert "/internal-api/v1/auth/login" in paths


def test_storage_outage_is_a_503_with_the_reference_body(initialized: None, settings: Any) -> None:
    settings.MEET_S3_SERVICE_ENDPOINT = "http://127.0.0.1:9"
    get_object_store.cache_clear()
    from meet.redis_connection import redis

    redis().flushdb()
    response = APIClient().get("/internal-api/v1/config/security")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = response.json()
    assert body["error"] == "S3 Error"
    assert body["message"].startswith("S3 is not available")


@pytest.fixture
def redis_down(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = redis_library.Redis(
        host="127.0.0.1", port=9, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    for module in ("meet.cache", "meet.locks", "meet.ratelimit", "meet.pubsub"):
        monkeypatch.setattr(f"{module}.redis", lambda: dead)


def test_redis_outage_fails_login_with_a_503(initialized: None, redis_down: None) -> None:
    response = APIClient().post(
        "/internal-api/v1/auth/login", {"username": "admin", "password": "admin"}, format="json"
    )
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["error"] == "Redis Error"
    assert response.json()["message"].startswith("Redis is not available")


def test_redis_outage_writes_nothing(admin_client: APIClient, store: Any, request: Any) -> None:
    before = store.get_json("global-config.json")
    request.getfixturevalue("redis_down")
    response = admin_client.put(
        "/internal-api/v1/config/webhooks",
        {"enabled": True, "url": "https://x.example/h"},
        format="json",
    )
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert store.get_json("global-config.json") == before


def test_unexpected_errors_are_500_with_the_operation(
    admin_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("accounts.services.list_api_keys", explode)
    response = admin_client.get("/internal-api/v1/auth/api-keys")
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.json() == {
        "error": "Internal Server Error",
        "message": "Unexpected error while getting API keys",
    }


def test_json_responses_ignore_the_accept_header(initialized: None) -> None:
    response = APIClient().get("/internal-api/v1/config/security", HTTP_ACCEPT="text/html")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_the_api_description_generates_without_warnings() -> None:
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
