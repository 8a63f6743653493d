"""The WSGI entry point keeps the server's process environment out of ``request.META``, and
remembers the route of each path it has served."""

from __future__ import annotations

import json
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
    monkeypatch.setattr(meet.wsgi, "_INHERITED", meet.wsgi._inherited_pairs(process))
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
    monkeypatch.setattr(meet.wsgi, "_INHERITED", meet.wsgi._inherited_pairs({"PATH": "/usr/bin"}))
    environ = {"PATH": "/usr/bin", "HTTP_X_FORWARDED_PROTO": "https", "REQUEST_METHOD": "GET"}
    meet.wsgi.application(environ, None)
    assert seen == {"HTTP_X_FORWARDED_PROTO": "https", "REQUEST_METHOD": "GET"}


def test_a_server_entry_equal_to_the_process_environment_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(meet.wsgi, "_django", lambda environ, start: seen.update(environ) or [])
    process = {"PATH": "/usr/bin", "SERVER_PORT": "6080"}
    monkeypatch.setattr(meet.wsgi, "_INHERITED", meet.wsgi._inherited_pairs(process))
    environ = process | {"REQUEST_METHOD": "GET", "server.extras": ["a list"]}
    meet.wsgi.application(environ, None)
    # SERVER_PORT is the request's own even when the process environment has the same value.
    assert seen == {"SERVER_PORT": "6080", "REQUEST_METHOD": "GET", "server.extras": ["a list"]}


def _environ(path: str) -> dict[str, Any]:
    import io

    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
    }


def _serve(path: str) -> tuple[str, bytes]:
    answer: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"] = status

    body = b"".join(meet.wsgi.application(_environ(path), start_response))
    return answer["status"], body


def test_the_route_of_a_path_is_resolved_once_in_a_bounded_memory() -> None:
    meet.wsgi._resolve.cache_clear()
    assert _serve("/health")[0] == "200 OK"
    assert _serve("/HEALTH/")[0] == "200 OK"  # case-insensitive, an optional slash: its own entry
    assert _serve("/health")[0] == "200 OK"
    info = meet.wsgi._resolve.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 2, 2)
    # Unknown paths match the JSON 404 catch-all: remembered too, but never more than maxsize.
    for _ in range(2):
        status, body = _serve("/api/v1/no/such/route")
        assert status == "404 Not Found"
        assert json.loads(body) == {
            "error": "Path Not Found",
            "message": "API path not implemented",
        }
    assert meet.wsgi._resolve.cache_info().maxsize == 4096
