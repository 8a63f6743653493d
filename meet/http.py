"""What the reference derives from the request: client IP, protocol and base URL (§2.13).

The base URL is always passed explicitly: ``base_url_for(request)`` while serving a request,
``background_base_url()`` for work that has none. No request is remembered anywhere.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def client_ip(request: Any) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy (``TRUSTED_PROXIES``).

    Through trusted proxies, ``X-Forwarded-For`` is read from the right (each proxy appends the
    address it saw) and the first address that is not a trusted proxy is the client; entries
    further left were written by the client itself and are ignored. The reference trusts every
    sender and takes the left-most entry, which any client can choose.
    """
    meta = request.META
    remote = str(meta.get("REMOTE_ADDR", "") or "")
    if not _trusted_proxy(remote):
        return remote or "unknown"
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    for hop in reversed(hops):
        if not _trusted_proxy(hop):
            return hop
    return hops[0] if hops else remote


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
