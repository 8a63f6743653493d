"""What the reference derives from the request: client IP, protocol and base URL (§2.13).

The base URL is always passed explicitly: ``base_url_for(request)`` while serving a request,
``background_base_url()`` for work that has none. No request is remembered anywhere.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


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


def background_base_url() -> str:
    """The base URL for links built outside a request (outgoing webhooks sent from LiveKit
    events, tasks): ``MEET_BASE_URL``, else ``http://localhost:{SERVER_PORT}``."""
    if settings.MEET_BASE_URL:
        return str(settings.MEET_BASE_URL)
    return f"http://localhost:{settings.SERVER_PORT}"
