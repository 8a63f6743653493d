"""503 bodies keep the contract's ``error``/``message`` and name no infrastructure (no host,
port, endpoint, bucket, key or driver text); that goes to the log."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import pytest
import redis as redis_library
from rest_framework.test import APIClient

from meet.storage import get_object_store
from tests.rooms.helpers import create_room, secret
from tests.services import free_port


def test_storage_down_is_a_bare_s3_503(
    initialized: None, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    settings.MEET_S3_SERVICE_ENDPOINT = f"http://127.0.0.1:{port}"
    get_object_store.cache_clear()
    from meet.redis_connection import redis

    redis().flushdb()

    with caplog.at_level(logging.WARNING):
        response = APIClient().get("/internal-api/v1/config/security")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"error": "S3 Error", "message": "S3 is not available"}
    assert f"127.0.0.1:{port}" in caplog.text  # the operator still sees where


def test_redis_down_is_a_bare_redis_503(
    initialized: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    dead = redis_library.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
    for module in ("meet.cache", "meet.locks", "meet.ratelimit", "meet.pubsub"):
        monkeypatch.setattr(f"{module}.redis", lambda: dead)

    with caplog.at_level(logging.WARNING):
        response = APIClient().post(
            "/internal-api/v1/auth/login",
            {"username": "admin", "password": "admin"},
            format="json",
        )

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"error": "Redis Error", "message": "Redis is not available"}
    assert f"127.0.0.1:{port}" in caplog.text


def test_livekit_down_is_a_bare_livekit_503(key_client: APIClient, settings: Any) -> None:
    from meet import livekit

    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{free_port()}"
    livekit.reset_client()
    room = create_room(key_client)
    try:
        response = APIClient().post(
            "/internal-api/v1/participants/token",
            {
                "roomId": room["roomId"],
                "secret": secret(room["speakerUrl"]),
                "participantName": "A",
            },
            format="json",
        )
    finally:
        livekit.reset_client()

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"error": "LiveKit Error", "message": "LiveKit is not available"}
