from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import jwt
import pytest
from rest_framework.test import APIClient

LOGIN = "/internal-api/v1/auth/login"
LOGOUT = "/internal-api/v1/auth/logout"
REFRESH = "/internal-api/v1/auth/refresh"
SECURITY = "/internal-api/v1/config/security"


def set_cookie_mode(admin_client: APIClient) -> None:
    response = admin_client.put(
        SECURITY,
        {
            "authentication": {
                "authMethod": {"type": "single_user"},
                "authModeToAccessRoom": "none",
                "authTransportMode": "cookie",
            }
        },
        format="json",
    )
    assert response.status_code == HTTPStatus.OK


def login(client: APIClient, username: str = "admin", password: str = "admin", **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, format="json", **extra)


def test_login_in_header_mode_returns_both_tokens(initialized: None, api_client: APIClient) -> None:
    response = login(api_client)
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["message"] == "User 'admin' logged in successfully"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    header = jwt.get_unverified_header(body["accessToken"])
    assert header == {"alg": "HS256"}
    claims = jwt.decode(body["accessToken"], "secret", algorithms=["HS256"], issuer="devkey")
    assert list(claims) == ["metadata", "iss", "exp", "nbf", "sub"]
    assert json.loads(claims["metadata"]) == {"roles": ["admin", "user"]}
    assert claims["sub"] == "admin"
    assert claims["nbf"] == 0
    refresh = jwt.decode(body["refreshToken"], "secret", algorithms=["HS256"])
    assert refresh["exp"] - claims["exp"] == 22 * 3600
    assert not response.cookies


def test_login_in_cookie_mode_sets_cookies_and_no_tokens(admin_client: APIClient) -> None:
    set_cookie_mode(admin_client)
    client = APIClient()
    response = login(client)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": "User 'admin' logged in successfully"}
    access = response.cookies["OvMeetAccessToken"].OutputString()
    refresh = response.cookies["OvMeetRefreshToken"].OutputString()
    for attribute in ("HttpOnly", "Secure", "Partitioned", "SameSite=None"):
        assert attribute in access
        assert attribute in refresh
    assert "Max-Age=7200" in access
    assert "Path=/;" in access
    assert "Max-Age=86400" in refresh
    assert "Path=/internal-api/v1/auth;" in refresh
    # The cookie authenticates the next request; the header no longer does.
    profile = client.get("/internal-api/v1/users/profile")
    assert profile.status_code == HTTPStatus.OK
    assert profile.json() == {"username": "admin", "roles": ["admin", "user"]}


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {},
            [
                {"field": "username", "message": "Required"},
                {"field": "password", "message": "Required"},
            ],
        ),
        (
            {"username": "abc", "password": "abc"},
            [
                {"field": "username", "message": "Username must be at least 4 characters long"},
                {"field": "password", "message": "Password must be at least 4 characters long"},
            ],
        ),
        (
            {"username": 1234, "password": None},
            [
                {"field": "username", "message": "Expected string, received number"},
                {"field": "password", "message": "Expected string, received null"},
            ],
        ),
    ],
)
def test_login_with_invalid_body_is_422(
    initialized: None, api_client: APIClient, body: Any, details: Any
) -> None:
    response = api_client.post(LOGIN, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == {
        "error": "Unprocessable Entity",
        "message": "Invalid request",
        "details": details,
    }


@pytest.mark.parametrize(
    ("username", "password"), [("admin", "wrong-password"), ("nobody", "admin")]
)
def test_login_with_bad_credentials_is_404(
    initialized: None, api_client: APIClient, username: str, password: str
) -> None:
    response = login(api_client, username, password)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"error": "Login Error", "message": "Invalid username or password"}
    assert response["X-RateLimit-Limit"] == "5"


def test_login_is_rate_limited_after_five_failures(
    initialized: None, api_client: APIClient
) -> None:
    for attempt in range(5):
        response = login(api_client, password="wrong-password")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response["X-RateLimit-Remaining"] == str(4 - attempt)
    response = login(api_client)  # even the right password is refused now
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response.content == b"Too many login attempts, please try again later"
    assert response["Content-Type"].startswith("text/html")
    assert 0 < int(response["Retry-After"]) <= 300
    assert response["X-RateLimit-Remaining"] == "0"
    # Another client address has its own budget.
    other = login(api_client, HTTP_X_FORWARDED_FOR="10.9.8.7")
    assert other.status_code == HTTPStatus.OK


def test_successful_logins_do_not_count(initialized: None, api_client: APIClient) -> None:
    for _ in range(8):
        assert login(api_client).status_code == HTTPStatus.OK


def test_validation_errors_are_not_counted(initialized: None, api_client: APIClient) -> None:
    for _ in range(7):
        assert api_client.post(LOGIN, {}, format="json").status_code == 422
    assert login(api_client).status_code == HTTPStatus.OK


def test_logout_always_succeeds(api_client: APIClient, initialized: None) -> None:
    response = api_client.post(LOGOUT)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": "Logout successful"}
    assert not response.cookies


def test_logout_in_cookie_mode_clears_cookies(admin_client: APIClient) -> None:
    set_cookie_mode(admin_client)
    response = APIClient().post(LOGOUT)
    assert response.cookies["OvMeetAccessToken"].OutputString() == (
        "OvMeetAccessToken=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    )
    assert response.cookies["OvMeetRefreshToken"].OutputString() == (
        "OvMeetRefreshToken=; Path=/internal-api/v1/auth; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    )


def test_refresh_in_header_mode(admin_tokens: dict[str, str], api_client: APIClient) -> None:
    response = api_client.post(REFRESH, HTTP_X_REFRESH_TOKEN=f"Bearer {admin_tokens['refresh']}")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["message"] == "Access token for user 'admin' successfully refreshed"
    assert set(body) == {"message", "accessToken"}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "No refresh token provided"),
        ({"HTTP_X_REFRESH_TOKEN": "token-without-bearer"}, "No refresh token provided"),
        ({"HTTP_X_REFRESH_TOKEN": "Bearer not-a-jwt"}, "Invalid refresh token"),
    ],
)
def test_refresh_errors(
    initialized: None, api_client: APIClient, headers: dict[str, str], message: str
) -> None:
    response = api_client.post(REFRESH, **headers)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "Refresh Token Error", "message": message}


def test_refresh_for_unknown_subject_is_403(initialized: None, api_client: APIClient) -> None:
    from accounts.tokens import issue_token

    token = issue_token(ttl_seconds=60, metadata={"roles": ["admin"]}, identity="ghost")
    response = api_client.post(REFRESH, HTTP_X_REFRESH_TOKEN=f"Bearer {token}")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {"error": "Authorization Error", "message": "Invalid token subject"}


def test_refresh_in_cookie_mode_sets_access_cookie(admin_client: APIClient) -> None:
    set_cookie_mode(admin_client)
    client = APIClient()
    login(client)
    response = client.post(REFRESH)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": "Access token for user 'admin' successfully refreshed"}
    assert "OvMeetAccessToken" in response.cookies


def test_malformed_json_is_400(initialized: None, api_client: APIClient) -> None:
    for body in (b"{not json", b'"a string"', b"42"):
        response = api_client.post(LOGIN, body, content_type="application/json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"error": "Bad Request", "message": "Malformed body"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/rooms"),
        ("put", "/api/v1/rooms/abc/config"),
        ("post", "/internal-api/v1/users/change-password"),
        ("post", "/internal-api/v1/recordings"),
    ],
)
def test_malformed_json_is_400_before_authentication(
    initialized: None, api_client: APIClient, method: str, path: str
) -> None:
    # Express parses the body before any route (api-contract.md §1.1): no credentials needed.
    response = getattr(api_client, method)(path, b"{not json", content_type="application/json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "Bad Request", "message": "Malformed body"}


def test_form_bodies_are_accepted_for_login(initialized: None, api_client: APIClient) -> None:
    response = api_client.post(
        LOGIN, "username=admin&password=admin", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == HTTPStatus.OK


def test_bodies_of_other_types_are_ignored(initialized: None, api_client: APIClient) -> None:
    response = api_client.post(LOGIN, "username=admin", content_type="text/plain")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert [detail["message"] for detail in response.json()["details"]] == ["Required", "Required"]


def test_oversized_body_is_413(initialized: None, api_client: APIClient) -> None:
    body = json.dumps({"username": "admin", "password": "x" * 110_000})
    response = api_client.post(LOGIN, body, content_type="application/json")
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response["Content-Type"].startswith("text/html")
