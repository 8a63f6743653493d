"""The WSGI entry point keeps the server's process environment out of ``request.META``."""

from __future__ import annotations

from typing import Any

import pytest

import meet.wsgi


def test_process_environment_entries_are_dropped_from_the_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def django(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        return [b""]

    process = {
        "PATH": "/usr/bin",
        "MEET_REDIS_PASSWORD": "s3cret",
        "HTTP_X_FORWARDED_PROTO": "https",
        "REQUEST_METHOD": "GET",
    }
    monkeypatch.setattr(meet.wsgi, "_django", django)
    monkeypatch.setattr(meet.wsgi, "_PROCESS_ENVIRONMENT", process)
    # As granian builds it: the process environment, then the request's own entries.
    environ = process | {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/health",
        "HTTP_HOST": "meet.example.com",
        "wsgi.url_scheme": "http",
    }
    meet.wsgi.application(environ, None)
    assert seen == {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/health",
        "HTTP_HOST": "meet.example.com",
        "wsgi.url_scheme": "http",
    }


def test_a_request_header_equal_to_nothing_in_the_environment_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(meet.wsgi, "_django", lambda environ, start: seen.update(environ) or [])
    monkeypatch.setattr(meet.wsgi, "_PROCESS_ENVIRONMENT", {"PATH": "/usr/bin"})
    environ = {"PATH": "/usr/bin", "HTTP_X_FORWARDED_PROTO": "https", "REQUEST_METHOD": "GET"}
    meet.wsgi.application(environ, None)
    assert seen == {"HTTP_X_FORWARDED_PROTO": "https", "REQUEST_METHOD": "GET"}
