"""The login limit counts per client, and a client cannot pick its own address by sending
``X-Forwarded-For``: proxy headers count only when the request came through a trusted proxy
(``MEET_TRUSTED_PROXIES``, loopback by default)."""

from __future__ import annotations

import ipaddress
from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

LOGIN = "/internal-api/v1/auth/login"
ATTACKER = "203.0.113.9"
PROXY = "10.0.0.2"


def login(password: str, **extra: Any) -> Any:
    return APIClient().post(
        LOGIN, {"username": "admin", "password": password}, format="json", **extra
    )


def test_rotating_x_forwarded_for_does_not_reset_the_login_limit(initialized: None) -> None:
    for attempt in range(5):
        response = login(
            "wrong", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}"
        )
        assert response.status_code == HTTPStatus.NOT_FOUND

    sixth = login("admin", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert sixth.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert sixth.content == b"Too many login attempts, please try again later"


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(
    initialized: None, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    for _ in range(5):
        response = login("wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
        assert response.status_code == HTTPStatus.NOT_FOUND

    same_client = login("admin", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    other_client = login("admin", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.8")

    assert same_client.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert other_client.status_code == HTTPStatus.OK


def test_behind_a_trusted_proxy_entries_the_client_prepends_are_ignored(
    initialized: None, settings: Any
) -> None:
    """The proxy appends the address it saw; what the client sent stays on the left."""
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    for attempt in range(5):
        spoofed = f"192.0.2.{attempt}, 198.51.100.7"
        response = login("wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=spoofed)
        assert response.status_code == HTTPStatus.NOT_FOUND

    sixth = login("admin", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.200, 198.51.100.7")

    assert sixth.status_code == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (ATTACKER, "198.51.100.1", ATTACKER),  # not through a proxy: the header is ignored
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),  # loopback proxy (the default)
        ("::1", "198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "198.51.100.1, 127.0.0.1", "198.51.100.1"),  # chained local proxies
        ("127.0.0.1", "garbage, 198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_client_ip(remote: str, forwarded: str, expected: str) -> None:
    from django.test import RequestFactory

    from meet.http import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected
