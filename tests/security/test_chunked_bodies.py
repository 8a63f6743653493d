"""A chunked request body (no Content-Length) is parsed and held to the 100 kB limit, as
Express' body parser does, under gunicorn as ``bin/run`` serves the app. Before, it was
silently read as ``{}`` (a room created with defaults) and any size was accepted."""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
import requests

from tests.processes import Process, gunicorn
from tests.services import meet_env

pytestmark = pytest.mark.slow

API_KEY = "chunked-test-key"


@pytest.fixture(scope="module")
def server(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    log = tmp_path_factory.mktemp("chunked") / "server.log"
    with gunicorn(meet_env(moto_endpoint, MEET_LOG_LEVEL="warn"), log, threads=4) as process:
        yield process


@pytest.fixture
def api_key(initialized: None) -> str:
    from accounts.domain import ApiKey
    from accounts.repository import ApiKeyRepository

    ApiKeyRepository().replace([ApiKey(key=API_KEY, creation_date=1)])
    return API_KEY


def chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def post_chunked(server: Process, path: str, data: bytes, **headers: str) -> Any:
    return requests.post(
        f"{server.url}{path}",
        data=chunks(data),  # a generator: requests sends Transfer-Encoding: chunked
        headers={"Content-Type": "application/json", "X-API-KEY": API_KEY, **headers},
        timeout=30,
    )


def test_a_chunked_json_body_is_parsed(server: Process, api_key: str) -> None:
    response = post_chunked(server, "/api/v1/rooms", b'{"roomName": "Chunky"}')

    assert response.status_code == HTTPStatus.CREATED, response.text
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.json()["roomName"] == "Chunky"


def test_a_chunked_body_over_100_kb_is_413(server: Process, api_key: str) -> None:
    body = b'{"roomName": "' + b"x" * (10 * 1024 * 1024) + b'"}'

    response = post_chunked(server, "/api/v1/rooms", body)

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "<pre>Payload Too Large</pre>" in response.text


def test_a_chunked_body_of_exactly_the_limit_is_read(server: Process, api_key: str) -> None:
    padding = 100 * 1024 - len(b'{"roomName": "Edge", "pad": ""}')
    body = b'{"roomName": "Edge", "pad": "' + b"p" * padding + b'"}'
    assert len(body) == 100 * 1024

    response = post_chunked(server, "/api/v1/rooms", body)

    assert response.status_code == HTTPStatus.CREATED, response.text
    assert response.json()["roomName"] == "Edge"


def test_a_malformed_chunked_body_is_400(server: Process, api_key: str) -> None:
    response = post_chunked(server, "/api/v1/rooms", b'{"roomName": ')

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "Bad Request", "message": "Malformed body"}
