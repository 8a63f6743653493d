from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from accounts.tokens import issue_token

API_KEYS = "/internal-api/v1/auth/api-keys"
PROFILE = "/internal-api/v1/users/profile"
CHANGE_PASSWORD = "/internal-api/v1/users/change-password"
UNAUTHORIZED = {"error": "Authentication Error", "message": "Unauthorized"}


def test_created_api_key_authorises_x_api_key_calls(admin_client: APIClient, store: object) -> None:
    response = admin_client.post(API_KEYS)
    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert list(body) == ["key", "creationDate"]
    assert re.fullmatch(r"ovmeet-[0-9a-f]{32}", body["key"])
    assert isinstance(body["creationDate"], int)
    assert admin_client.get(API_KEYS).json() == [body]
    assert store.get_json("api_keys.json") == [body]  # type: ignore[attr-defined]


def test_creating_a_key_replaces_the_previous_one(admin_client: APIClient) -> None:
    first = admin_client.post(API_KEYS).json()
    second = admin_client.post(API_KEYS).json()
    assert first["key"] != second["key"]
    assert admin_client.get(API_KEYS).json() == [second]


def test_listing_without_keys_is_empty(admin_client: APIClient) -> None:
    assert admin_client.get(API_KEYS).json() == []


def test_deleting_keys_is_idempotent_and_stops_api_key_access(
    admin_client: APIClient, store: object
) -> None:
    key = admin_client.post(API_KEYS).json()["key"]
    for _ in range(2):
        response = admin_client.delete(API_KEYS)
        assert response.status_code == HTTPStatus.OK
        assert response.json() == {"message": "API keys deleted successfully"}
    assert store.get_json("api_keys.json") is None  # type: ignore[attr-defined]
    response = APIClient().get(PROFILE, HTTP_X_API_KEY=key)
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_api_key_routes_need_an_admin_token(initialized: None, api_client: APIClient) -> None:
    response = api_client.post(API_KEYS)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED


def test_api_key_routes_do_not_accept_an_api_key(key_client: APIClient) -> None:
    # The chain is admin token only: an API key is no credential there.
    response = key_client.get(API_KEYS)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED


def test_profile_of_the_admin(admin_client: APIClient) -> None:
    response = admin_client.get(PROFILE)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"username": "admin", "roles": ["admin", "user"]}


def test_access_token_in_the_query_string_works_in_header_mode(
    admin_tokens: dict[str, str],
) -> None:
    response = APIClient().get(f"{PROFILE}?accessToken={admin_tokens['access']}")
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("authorization", "status", "body"),
    [
        (None, 401, UNAUTHORIZED),
        ("Token abc", 401, UNAUTHORIZED),
        ("bearer abc", 401, UNAUTHORIZED),
        ("Bearer not-a-jwt", 401, {"error": "Authentication Error", "message": "Invalid token"}),
    ],
)
def test_profile_authentication_failures(
    initialized: None, authorization: str | None, status: int, body: dict[str, str]
) -> None:
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    response = client.get(PROFILE)
    assert response.status_code == status
    assert response.json() == body


def test_token_signed_with_another_secret_is_invalid(initialized: None, settings: object) -> None:
    settings.LIVEKIT_API_SECRET = "another-secret"  # type: ignore[attr-defined]
    token = issue_token(ttl_seconds=60, metadata={"roles": ["admin"]}, identity="admin")
    settings.LIVEKIT_API_SECRET = "secret"  # type: ignore[attr-defined]
    response = APIClient().get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json() == {"error": "Authentication Error", "message": "Invalid token"}


def test_expired_token_is_invalid(initialized: None) -> None:
    token = issue_token(ttl_seconds=-1, metadata={"roles": ["admin"]}, identity="admin")
    response = APIClient().get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["message"] == "Invalid token"


def test_token_of_an_unknown_user_is_403(initialized: None) -> None:
    token = issue_token(ttl_seconds=60, metadata={"roles": ["admin"]}, identity="ghost")
    response = APIClient().get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {"error": "Authorization Error", "message": "Invalid token subject"}


def test_refresh_token_is_accepted_as_access_token_like_the_reference(
    admin_tokens: dict[str, str],
) -> None:
    response = APIClient().get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {admin_tokens['refresh']}")
    assert response.status_code == HTTPStatus.OK


def test_change_password(admin_client: APIClient, api_client: APIClient) -> None:
    response = admin_client.post(
        CHANGE_PASSWORD, {"currentPassword": "admin", "newPassword": "new-pass"}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": "Password for user 'admin' changed successfully"}
    old = api_client.post(
        "/internal-api/v1/auth/login", {"username": "admin", "password": "admin"}, format="json"
    )
    assert old.status_code == HTTPStatus.NOT_FOUND
    new = api_client.post(
        "/internal-api/v1/auth/login", {"username": "admin", "password": "new-pass"}, format="json"
    )
    assert new.status_code == HTTPStatus.OK
    # Tokens issued before the change stay valid (as in the reference).
    assert admin_client.get(PROFILE).status_code == HTTPStatus.OK


def test_change_password_with_wrong_current_password(admin_client: APIClient) -> None:
    response = admin_client.post(
        CHANGE_PASSWORD, {"currentPassword": "nope", "newPassword": "new-pass"}, format="json"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "Change Password Error",
        "message": "Invalid current password",
    }


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {},
            [
                {"field": "currentPassword", "message": "Required"},
                {"field": "newPassword", "message": "Required"},
            ],
        ),
        (
            {"currentPassword": "", "newPassword": "1234"},
            [
                {
                    "field": "newPassword",
                    "message": "New password must be at least 5 characters long",
                }
            ],
        ),
        (
            {"currentPassword": 1, "newPassword": ["a"]},
            [
                {"field": "currentPassword", "message": "Expected string, received number"},
                {"field": "newPassword", "message": "Expected string, received array"},
            ],
        ),
    ],
)
def test_change_password_validation(admin_client: APIClient, body: object, details: object) -> None:
    response = admin_client.post(CHANGE_PASSWORD, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == {
        "error": "Unprocessable Entity",
        "message": "Invalid request",
        "details": details,
    }


def test_change_password_authenticates_before_validating(
    initialized: None, api_client: APIClient
) -> None:
    response = api_client.post(CHANGE_PASSWORD, {}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
