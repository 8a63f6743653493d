"""What the reference derives from the request: client IP, protocol and base URL (§2.13)."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings

_last_base_url = threading.local()
_process_last_base_url: list[str] = []


def client_ip(request: Any) -> str:
    """``req.ip`` with ``trust proxy = true``: the left-most ``X-Forwarded-For`` entry."""
    meta = request.META
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return str(meta.get("REMOTE_ADDR", "") or "unknown")


def request_protocol(request: Any) -> str:
    forwarded = request.META.get("HTTP_X_FORWARDED_PROTO", "")
    if forwarded:
        return forwarded.split(",")[0].strip().lower()
    return "https" if request.is_secure() else "http"


def base_url_for(request: Any) -> str:
    if settings.MEET_BASE_URL:
        return str(settings.MEET_BASE_URL)
    meta = request.META
    host = meta.get("HTTP_HOST")
    if not host:
        server, port = meta.get("SERVER_NAME"), str(meta.get("SERVER_PORT", ""))
        host = (
            (server if port in ("", "80", "443") else f"{server}:{port}")
            if server
            else f"localhost:{settings.SERVER_PORT}"
        )
    return f"{request_protocol(request)}://{host}"


def remember_request(request: Any) -> None:
    url = base_url_for(request)
    _last_base_url.value = url
    if not _process_last_base_url:
        _process_last_base_url.append(url)
    else:
        _process_last_base_url[0] = url


def current_base_url() -> str:
    """The base URL of the request being served by this thread, else the last one seen by the
    process, else ``MEET_BASE_URL`` / ``http://localhost:{SERVER_PORT}`` (background work)."""
    if settings.MEET_BASE_URL:
        return str(settings.MEET_BASE_URL)
    value = getattr(_last_base_url, "value", None)
    if value:
        return str(value)
    if _process_last_base_url:
        return _process_last_base_url[0]
    return f"http://localhost:{settings.SERVER_PORT}"


def forget_request() -> None:
    _last_base_url.value = None
