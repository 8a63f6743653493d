"""Fixtures shared by every test: real Redis (flushed per test), moto S3 server, clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from moto.server import ThreadedMotoServer
from rest_framework.test import APIClient

from meet import local_cache
from meet.redis_connection import redis
from meet.storage import get_object_store

pytest_plugins = ["tests.livekit_fixtures"]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{server._server.server_port}"
    server.stop()


@pytest.fixture(autouse=True)
def _isolated_backends(
    moto_endpoint: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    settings.MEET_S3_SERVICE_ENDPOINT = moto_endpoint
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    store = get_object_store()  # kept across tests: building a boto3 client is slow
    reset_breakers(store)
    store.ensure_bucket()  # type: ignore[attr-defined]
    redis().flushdb()
    local_cache.clear()  # in-process copies of what the flush and the moto reset removed
    yield
    # A test that changed the storage settings leaves a store of its own behind: drop it.
    current = get_object_store()
    endpoint = getattr(getattr(current, "storage", None), "endpoint_url", None)
    if endpoint != moto_endpoint or getattr(current, "bucket", None) != "meet-test":
        get_object_store.cache_clear()


FRONTEND_BUILD = Path(__file__).resolve().parent / "fixtures" / "frontend"


@pytest.fixture
def frontend_build(settings: Any) -> Path:
    """A small front-end build laid out as the reference's ``public/`` (MEET_FRONTEND_DIR)."""
    settings.MEET_FRONTEND_DIR = str(FRONTEND_BUILD)
    return FRONTEND_BUILD


def reset_breakers(store: Any) -> None:
    """A dependency an earlier test took down is not "down" for this one (meet/breaker.py)."""
    from meet import livekit
    from meet.breaker import redis_breaker

    redis_breaker.reset()
    livekit.breaker.reset()
    breaker = getattr(store, "breaker", None)
    if breaker is not None:
        breaker.reset()


@pytest.fixture
def store() -> Any:
    return get_object_store()


@pytest.fixture
def initialized(settings: Any) -> None:
    from accounts.services import initialize_storage

    initialize_storage()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_tokens(initialized: None, api_client: APIClient) -> dict[str, str]:
    response = api_client.post(
        "/internal-api/v1/auth/login", {"username": "admin", "password": "admin"}, format="json"
    )
    assert response.status_code == 200, response.content
    redis().delete(*redis().keys("ov_meet:rate_limit:*") or ["-"])
    return {"access": response.json()["accessToken"], "refresh": response.json()["refreshToken"]}


@pytest.fixture
def admin_client(admin_tokens: dict[str, str]) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {admin_tokens['access']}")
    return client


@pytest.fixture
def api_key(initialized: None) -> str:
    from accounts.services import create_api_key

    return create_api_key().key


@pytest.fixture
def key_client(api_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client
