"""Route labels: URL templates of every route, never values from the request."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from metrics.middleware import route_template


@pytest.mark.parametrize(
    ("route", "template"),
    [
        ("^api/v1/^rooms/?$", "/api/v1/rooms"),
        ("^api/v1/^rooms/(?P<roomId>[^/]+)/?$", "/api/v1/rooms/<roomId>"),
        (
            "^internal-api/v1/^rooms/(?P<roomId>[^/]+)/roles/(?P<secret>[^/]+)/?$",
            "/internal-api/v1/rooms/<roomId>/roles/<secret>",
        ),
        ("^health(?:/(?P<rest>.*))?$", "/health"),
        ("^api/v1/docs(?:/.*)?$", "/api/v1/docs"),
        ("^v1/openvidu-meet\\.js/?$", "/v1/openvidu-meet.js"),
        ("console/rooms/<str:room_id>/", "/console/rooms/<str:room_id>/"),
        ("^metrics/?$", "/metrics"),
    ],
)
def test_route_template(route: str, template: str) -> None:
    assert route_template(route) == template


def _routes(resolver: object, prefix: str = "") -> list[str]:
    found = []
    for pattern in resolver.url_patterns:  # type: ignore[attr-defined]
        text = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            found += _routes(pattern, text)
        else:
            found.append(text)
    return found


def test_every_route_becomes_a_clean_template() -> None:
    """No regex left in any label: only literal segments and ``<name>`` placeholders."""
    for route in _routes(get_resolver()):
        template = route_template(route)
        leftovers = set(template) & set("^$()[]*+?\\|")
        assert not leftovers, (route, template)
