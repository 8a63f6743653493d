"""The precedence rules of the authentication chain (api-contract.md §2.4)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from accounts.errors import InvalidApiKeyError, NoApiKeysError
from meet.redis_connection import redis

PROFILE = "/internal-api/v1/users/profile"
ROOMS_APPEARANCE = "/internal-api/v1/config/rooms/appearance"


def test_invalid_api_key_wins_over_a_valid_admin_token(
    admin_tokens: dict[str, str], api_key: str
) -> None:
    from accounts.authentication import admin, run_chain
    from accounts.authentication import api_key as api_key_validator

    class FakeRequest:
        META = {"HTTP_X_API_KEY": "wrong", "HTTP_AUTHORIZATION": f"Bearer {admin_tokens['access']}"}
        GET: dict[str, str] = {}
        COOKIES: dict[str, str] = {}

    with pytest.raises(InvalidApiKeyError):
        run_chain(FakeRequest(), (api_key_validator, admin))


def test_valid_api_key_wins_over_a_garbage_token(api_key: str) -> None:
    from accounts.authentication import admin, run_chain
    from accounts.authentication import api_key as api_key_validator

    class FakeRequest:
        META = {"HTTP_X_API_KEY": api_key, "HTTP_AUTHORIZATION": "Bearer garbage"}
        GET: dict[str, str] = {}
        COOKIES: dict[str, str] = {}

    principal = run_chain(FakeRequest(), (api_key_validator, admin))
    assert principal.username == "api-user"
    assert principal.roles == ("app",)


def test_api_key_without_any_stored_key(initialized: None) -> None:
    from accounts.authentication import admin, run_chain
    from accounts.authentication import api_key as api_key_validator

    class FakeRequest:
        META = {"HTTP_X_API_KEY": "whatever"}
        GET: dict[str, str] = {}
        COOKIES: dict[str, str] = {}

    with pytest.raises(NoApiKeysError) as raised:
        run_chain(FakeRequest(), (api_key_validator, admin))
    assert raised.value.body() == {
        "error": "Authentication Error",
        "message": "There are no API keys configured yet. Please, create one to access the API",
    }
    assert raised.value.status_code == 401


def test_anonymous_routes_ignore_bad_tokens(initialized: None) -> None:
    response = APIClient().get(ROOMS_APPEARANCE, HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"appearance": {"themes": []}}


def test_cookie_mode_ignores_the_authorization_header(
    admin_client: APIClient, admin_tokens: dict[str, str]
) -> None:
    admin_client.put(
        "/internal-api/v1/config/security",
        {
            "authentication": {
                "authMethod": {"type": "single_user"},
                "authModeToAccessRoom": "none",
                "authTransportMode": "cookie",
            }
        },
        format="json",
    )
    response = APIClient().get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {admin_tokens['access']}")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    client = APIClient()
    client.cookies["OvMeetAccessToken"] = admin_tokens["access"]
    assert client.get(PROFILE).status_code == HTTPStatus.OK


def test_unreadable_global_config_means_header_mode(
    admin_tokens: dict[str, str], store: object
) -> None:
    store.put_bytes("global-config.json", b"not json at all")  # type: ignore[attr-defined]
    redis().delete("ov_meet:global_config")
    response = APIClient().get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {admin_tokens['access']}")
    assert response.status_code == HTTPStatus.OK
