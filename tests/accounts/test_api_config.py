from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

WEBHOOKS = "/internal-api/v1/config/webhooks"
SECURITY = "/internal-api/v1/config/security"
APPEARANCE = "/internal-api/v1/config/rooms/appearance"
UNAUTHORIZED = {"error": "Authentication Error", "message": "Unauthorized"}


def invalid(details: list[dict[str, str]]) -> dict[str, Any]:
    return {"error": "Unprocessable Entity", "message": "Invalid request", "details": details}


# --- webhooks ---------------------------------------------------------------------------------


def test_webhooks_config_defaults(admin_client: APIClient) -> None:
    response = admin_client.get(WEBHOOKS)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"enabled": False, "url": ""}


def test_webhooks_config_round_trip_and_storage(admin_client: APIClient, store: Any) -> None:
    response = admin_client.put(
        WEBHOOKS, {"enabled": True, "url": "https://example.com/hook"}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": "Webhooks config updated successfully"}
    assert admin_client.get(WEBHOOKS).json() == {"enabled": True, "url": "https://example.com/hook"}
    stored = store.get_json("global-config.json")
    assert stored["webhooksConfig"] == {"enabled": True, "url": "https://example.com/hook"}
    assert list(stored) == ["projectId", "webhooksConfig", "securityConfig", "roomsConfig"]


def test_webhooks_config_keeps_the_url_when_omitted(admin_client: APIClient) -> None:
    admin_client.put(WEBHOOKS, {"enabled": True, "url": "http://hooks.local/x"}, format="json")
    admin_client.put(WEBHOOKS, {"enabled": False}, format="json")
    assert admin_client.get(WEBHOOKS).json() == {"enabled": False, "url": "http://hooks.local/x"}


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, [{"field": "enabled", "message": "Required"}]),
        (
            {"enabled": "true"},
            [{"field": "enabled", "message": "Expected boolean, received string"}],
        ),
        (
            {"enabled": True},
            [{"field": "url", "message": "URL is required when webhooks are enabled"}],
        ),
        (
            {"enabled": False, "url": "invalid-url"},
            [
                {"field": "url", "message": "Must be a valid URL"},
                {"field": "url", "message": "URL must start with http:// or https://"},
            ],
        ),
        (  # the refinement sees the invalid url: it is not missing (api-contract.md §5.7b)
            {"enabled": True, "url": "invalid-url"},
            [
                {"field": "url", "message": "Must be a valid URL"},
                {"field": "url", "message": "URL must start with http:// or https://"},
            ],
        ),
        (
            {"enabled": True, "url": ""},
            [
                {"field": "url", "message": "Must be a valid URL"},
                {"field": "url", "message": "URL must start with http:// or https://"},
                {"field": "url", "message": "URL is required when webhooks are enabled"},
            ],
        ),
        (
            {"enabled": False, "url": "ftp://example.com/x"},
            [{"field": "url", "message": "URL must start with http:// or https://"}],
        ),
    ],
)
def test_webhooks_config_validation(admin_client: APIClient, body: Any, details: Any) -> None:
    response = admin_client.put(WEBHOOKS, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(details)


@pytest.mark.parametrize("method", ["get", "put"])
def test_webhooks_config_needs_admin(initialized: None, method: str) -> None:
    response = getattr(APIClient(), method)(WEBHOOKS, {"enabled": False}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED


# --- security ---------------------------------------------------------------------------------


def security(mode: str = "all_users", transport: str = "header") -> dict[str, Any]:
    return {
        "authentication": {
            "authMethod": {"type": "single_user"},
            "authModeToAccessRoom": mode,
            "authTransportMode": transport,
        }
    }


def test_security_config_is_public(initialized: None) -> None:
    response = APIClient().get(SECURITY)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == security("none")


def test_security_config_round_trip(admin_client: APIClient, store: Any) -> None:
    response = admin_client.put(SECURITY, security("moderators_only"), format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": "Security config updated successfully"}
    assert APIClient().get(SECURITY).json() == security("moderators_only")
    assert store.get_json("global-config.json")["securityConfig"] == security("moderators_only")


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, [{"field": "authentication", "message": "Required"}]),
        (
            {"authentication": "x"},
            [{"field": "authentication", "message": "Expected object, received string"}],
        ),
        (
            {"authentication": {}},
            [
                {"field": "authentication.authMethod", "message": "Required"},
                {"field": "authentication.authTransportMode", "message": "Required"},
                {"field": "authentication.authModeToAccessRoom", "message": "Required"},
            ],
        ),
        (
            {
                "authentication": {
                    "authMethod": {"type": "multi"},
                    "authTransportMode": "cookie",
                    "authModeToAccessRoom": "everyone",
                }
            },
            [
                {
                    "field": "authentication.authMethod.type",
                    "message": "Invalid enum value. Expected 'single_user', received 'multi'",
                },
                {
                    "field": "authentication.authModeToAccessRoom",
                    "message": "Invalid enum value. Expected 'none' | 'moderators_only' | 'all_users', "
                    "received 'everyone'",
                },
            ],
        ),
    ],
)
def test_security_config_validation(admin_client: APIClient, body: Any, details: Any) -> None:
    response = admin_client.put(SECURITY, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(details)


def test_security_config_update_needs_admin(initialized: None) -> None:
    response = APIClient().put(SECURITY, security(), format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_security_config_unknown_keys_are_dropped(admin_client: APIClient, store: Any) -> None:
    body = security()
    body["authentication"]["extra"] = 1
    body["other"] = True
    assert admin_client.put(SECURITY, body, format="json").status_code == HTTPStatus.OK
    assert store.get_json("global-config.json")["securityConfig"] == security()


# --- rooms appearance -------------------------------------------------------------------------


def theme(**overrides: Any) -> dict[str, Any]:
    return {"name": "corporate", "enabled": True, "baseTheme": "dark", **overrides}


def test_appearance_is_public_and_empty_by_default(initialized: None) -> None:
    response = APIClient().get(APPEARANCE)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"appearance": {"themes": []}}


def test_appearance_round_trip(admin_client: APIClient, store: Any) -> None:
    body = {"appearance": {"themes": [theme(primaryColor="#112233", accentColor="#abcd")]}}
    response = admin_client.put(APPEARANCE, body, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"message": "Rooms appearance config updated successfully"}
    assert APIClient().get(APPEARANCE).json() == body
    assert store.get_json("global-config.json")["roomsConfig"] == body


def test_appearance_keeps_colours_left_out_of_the_new_theme(admin_client: APIClient) -> None:
    first = theme(primaryColor="#111111", surfaceColor="#222222", backgroundColor="#333333")
    admin_client.put(APPEARANCE, {"appearance": {"themes": [first]}}, format="json")
    second = theme(name="other", baseTheme="light", primaryColor="#444444")
    admin_client.put(APPEARANCE, {"appearance": {"themes": [second]}}, format="json")
    stored = admin_client.get(APPEARANCE).json()["appearance"]["themes"]
    assert stored == [
        {
            "name": "other",
            "enabled": True,
            "baseTheme": "light",
            "backgroundColor": "#333333",
            "primaryColor": "#444444",
            "surfaceColor": "#222222",
        }
    ]


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {"appearance": {"themes": "x"}},
            [{"field": "appearance.themes", "message": "Expected array, received string"}],
        ),
        (
            {"appearance": {"themes": []}},
            [{"field": "appearance.themes", "message": "There must be exactly one theme defined"}],
        ),
        (
            {"appearance": {"themes": [theme(), theme()]}},
            [{"field": "appearance.themes", "message": "There must be exactly one theme defined"}],
        ),
        (
            {"appearance": {"themes": [theme(name="", primaryColor="red")]}},
            [
                {"field": "appearance.themes.0.name", "message": "Theme name cannot be empty"},
                {
                    "field": "appearance.themes.0.name",
                    "message": "Theme name can only contain letters, numbers, hyphens and underscores",
                },
                {
                    "field": "appearance.themes.0.primaryColor",
                    "message": "Must be a valid hex color code (with or without alpha)",
                },
            ],
        ),
        (
            {"appearance": {"themes": [{"name": "a b" + "c" * 50}]}},
            [
                {
                    "field": "appearance.themes.0.name",
                    "message": "Theme name cannot exceed 50 characters",
                },
                {
                    "field": "appearance.themes.0.name",
                    "message": "Theme name can only contain letters, numbers, hyphens and underscores",
                },
                {"field": "appearance.themes.0.enabled", "message": "Required"},
                {"field": "appearance.themes.0.baseTheme", "message": "Required"},
            ],
        ),
    ],
)
def test_appearance_validation(admin_client: APIClient, body: Any, details: Any) -> None:
    response = admin_client.put(APPEARANCE, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid(details)


def test_appearance_update_needs_admin(initialized: None) -> None:
    response = APIClient().put(APPEARANCE, {"appearance": {"themes": [theme()]}}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
