"""Every API-key route x every scope: a named key holding only that scope is let in (anything
but 403) exactly when the route's method needs it, and gets the contract's 403 otherwise.

``EXPECTED`` is the table: ``(method, path template) -> scopes required``. A route added to the
URL configuration that accepts API keys must be added here (the walk below fails until it is),
and must declare ``api_key_scopes`` on its view (else named keys are refused: fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts import authentication, services
from accounts.domain import API_KEY_SCOPES, API_USER, Principal
from meet.api.views import MeetAPIView
from meet.errors import InsufficientPermissionsError

# To add a route: one line ``("METHOD", "/api/v1/path/{param}"): ("scope",),`` (and a sample
# for a new path parameter in SAMPLES). Admin-only routes (no API key in their chain) are not
# listed: named keys never reach them.
EXPECTED: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/api/v1/rooms"): ("rooms:read",),
    ("POST", "/api/v1/rooms"): ("rooms:write",),
    ("DELETE", "/api/v1/rooms"): ("rooms:write",),
    ("GET", "/api/v1/rooms/{roomId}"): ("rooms:read",),
    ("DELETE", "/api/v1/rooms/{roomId}"): ("rooms:write",),
    ("GET", "/api/v1/rooms/{roomId}/config"): ("rooms:read",),
    ("PUT", "/api/v1/rooms/{roomId}/config"): ("rooms:write",),
    ("PUT", "/api/v1/rooms/{roomId}/status"): ("rooms:write",),
    ("GET", "/api/v1/recordings"): ("recordings:read",),
    ("DELETE", "/api/v1/recordings"): ("recordings:write",),
    ("GET", "/api/v1/recordings/download"): ("recordings:read",),
    ("GET", "/api/v1/recordings/{recordingId}"): ("recordings:read",),
    ("DELETE", "/api/v1/recordings/{recordingId}"): ("recordings:write",),
    ("GET", "/api/v1/recordings/{recordingId}/media"): ("recordings:read",),
    ("GET", "/api/v1/recordings/{recordingId}/url"): ("recordings:read",),
    ("GET", "/api/v1/api-keys"): ("keys",),
    ("POST", "/api/v1/api-keys"): ("keys",),
    ("GET", "/api/v1/api-keys/{keyId}"): ("keys",),
    ("DELETE", "/api/v1/api-keys/{keyId}"): ("keys",),
    ("GET", "/api/v1/audit-log"): ("audit:read",),
    ("GET", "/api/v1/metrics"): ("config",),
    ("GET", "/api/v1/webhooks/signing-secret"): ("config",),
    ("PUT", "/api/v1/webhooks/signing-secret"): ("config",),
    ("DELETE", "/api/v1/webhooks/signing-secret"): ("config",),
    ("POST", "/api/v1/webhooks/signing-secret/rotate"): ("config",),
    ("GET", "/api/v1/webhooks/deliveries"): ("config",),
    ("POST", "/api/v1/webhooks/deliveries/redeliver"): ("config",),
    ("GET", "/api/v1/webhooks/deliveries/{deliveryId}"): ("config",),
    ("POST", "/api/v1/webhooks/deliveries/{deliveryId}/redeliver"): ("config",),
}

# Values for the path parameters (well-formed, so validation that runs before authentication
# passes; the resources need not exist: "allowed" only means "not 403").
SAMPLES = {
    "roomId": "scope-room",
    "recordingId": "scope-room--EG_abc--uid1",
    "keyId": "no-such-key",
    "deliveryId": "no-such-delivery",
}
FORBIDDEN = {
    "error": "Authorization Error",
    "message": "Insufficient permissions to access this resource",
}
METHODS = ("get", "post", "put", "patch", "delete")


def _template(regex: str) -> str:
    text = regex.lstrip("^").removesuffix("$").removesuffix("/?")
    return re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", r"{\1}", text).replace("\\", "")


def _walk(patterns: list[Any], prefix: str = "/") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        regex = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + _template(regex))
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None)
            if isinstance(view_class, type) and issubclass(view_class, MeetAPIView):
                yield prefix + _template(regex), view_class


def _accepts_api_key(path: str, view_class: Any, method: str) -> bool:
    """The method's chain has the API-key validator; or it has no chain (the handler runs one,
    as the recordings' GETs do) and the route is in the public API, where every such handler
    accepts API keys."""
    chain_classes = view_class.authentication_by_method.get(
        method, view_class.authentication_classes
    )
    if not chain_classes:
        return path.startswith("/api/v1/")
    return any(
        authentication.api_key in getattr(chain, "validators", ()) for chain in chain_classes
    )


def api_key_routes() -> dict[tuple[str, str], Any]:
    routes = {}
    for path, view_class in _walk(get_resolver().url_patterns):
        for method in METHODS:
            if hasattr(view_class, method) and _accepts_api_key(path, view_class, method.upper()):
                routes[(method.upper(), path)] = view_class
    return routes


def test_the_table_lists_every_api_key_route() -> None:
    assert set(api_key_routes()) == set(EXPECTED)


def test_every_api_key_route_declares_its_scopes() -> None:
    for (method, path), view_class in api_key_routes().items():
        declared = authentication.required_scopes(view_class, method)
        assert declared, f"{method} {path}: {view_class.__name__} declares no api_key_scopes"
        assert set(declared) <= set(API_KEY_SCOPES), f"{method} {path}: unknown scope"
        assert declared == EXPECTED[(method, path)], f"{method} {path}"


class _Request:
    def __init__(self, view: Any, method: str) -> None:
        self.parser_context = {"view": view}
        self.method = method


def test_a_view_that_declares_nothing_refuses_named_keys_but_not_the_reference_key() -> None:
    class Undeclared:
        pass

    class Declared:
        api_key_scopes = {"GET": ("rooms:read",)}

    named = Principal(kind="api_key", username="api-user", roles=(), api_key_scopes=API_KEY_SCOPES)
    for view, method in ((Undeclared(), "GET"), (Declared(), "POST"), (None, "GET")):
        with pytest.raises(InsufficientPermissionsError):
            authentication.check_api_key_scopes(_Request(view, method), named)
    authentication.check_api_key_scopes(_Request(Declared(), "HEAD"), named)
    authentication.check_api_key_scopes(_Request(Undeclared(), "GET"), API_USER)


@pytest.fixture(autouse=True)
def _metrics_on(settings: Any) -> None:
    """``/api/v1/metrics`` answers as an unknown path (404) while metrics are off."""
    settings.MEET_METRICS_ENABLED = True


@pytest.fixture
def scoped_keys(initialized: None) -> dict[str, str | None]:
    """One named key per scope, holding only that scope."""
    return {
        scope: services.create_named_api_key(
            name=f"only {scope}", scopes=(scope,), expires_at=None
        ).key
        for scope in API_KEY_SCOPES
    }


def _call(client: APIClient, method: str, path: str) -> Any:
    url = path.format(**SAMPLES)
    if method in ("POST", "PUT"):
        return getattr(client, method.lower())(url, {}, format="json")
    return getattr(client, method.lower())(url)


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_each_scope_opens_exactly_its_routes(
    scoped_keys: dict[str, str | None], method: str, path: str
) -> None:
    required = EXPECTED[(method, path)]
    outcomes = {}
    for scope, key in scoped_keys.items():
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=key)
        response = _call(client, method, path)
        outcomes[scope] = response.status_code
        if scope in required and len(required) == 1:
            assert response.status_code != HTTPStatus.FORBIDDEN, (scope, response.content)
        else:
            assert response.status_code == HTTPStatus.FORBIDDEN, (scope, response.content)
            assert response.json() == FORBIDDEN
    assert any(status != HTTPStatus.FORBIDDEN for status in outcomes.values()) or not required


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_a_key_with_every_scope_and_the_reference_key_are_never_refused(
    key_client: APIClient, method: str, path: str
) -> None:
    everything = services.create_named_api_key(
        name="all", scopes=API_KEY_SCOPES, expires_at=None
    ).key
    named = APIClient()
    named.credentials(HTTP_X_API_KEY=everything)
    for client in (key_client, named):
        assert _call(client, method, path).status_code != HTTPStatus.FORBIDDEN
