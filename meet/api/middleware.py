"""Cross-cutting HTTP behaviour of the reference: CORS and the body limit."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from meet.api.exception_handler import payload_too_large

Handler = Callable[[HttpRequest], HttpResponse]

_PARSED_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "application/webhook+json",
)


class CorsMiddleware:
    """Express ``cors({origin: SERVER_CORS_ORIGIN, credentials: true})``, header for header.

    django-cors-headers cannot send ``Access-Control-Allow-Origin: *`` together with
    ``Allow-Credentials: true`` (it reflects the origin instead), which is what the reference
    sends, so this is written out here.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def _origin_headers(self, response: HttpResponse) -> None:
        origin = settings.SERVER_CORS_ORIGIN
        response["Access-Control-Allow-Origin"] = origin
        if origin != "*":
            response["Vary"] = _vary(response, "Origin")
        response["Access-Control-Allow-Credentials"] = "true"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.SERVER_CORS_ORIGIN:
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            self._origin_headers(response)
            response["Access-Control-Allow-Methods"] = "GET,HEAD,PUT,PATCH,POST,DELETE"
            requested = request.META.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
            if requested:
                response["Access-Control-Allow-Headers"] = requested
                response["Vary"] = _vary(response, "Access-Control-Request-Headers")
            response["Content-Length"] = "0"
            return response
        response = self.get_response(request)
        self._origin_headers(response)
        return response


def _vary(response: HttpResponse, value: str) -> str:
    existing = response.get("Vary")
    return f"{existing}, {value}" if existing else value


class BodyLimitMiddleware:
    """Bodies the reference would parse and that exceed 100 kB get Express' 413 page.

    A chunked body (``Transfer-Encoding: chunked``, no ``Content-Length``) is read here, up to
    the limit, and handed on as if it had had a length: Django reads ``Content-Length`` bytes
    only, so it would otherwise see an empty body (and never the limit).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type in _PARSED_TYPES:
            if _chunked(request):
                body = _read_chunked(request, settings.REQUEST_BODY_LIMIT)
                if body is None:
                    return payload_too_large()
                request._stream = io.BytesIO(body)
                request.META["CONTENT_LENGTH"] = str(len(body))
            else:
                try:
                    length = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    length = 0
                if length > settings.REQUEST_BODY_LIMIT:
                    return payload_too_large()
        return self.get_response(request)


def _chunked(request: HttpRequest) -> bool:
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not request.META.get("CONTENT_LENGTH")


def _read_chunked(request: HttpRequest, limit: int) -> bytes | None:
    """The decoded body (the server decodes the chunks into ``wsgi.input``); None past
    ``limit``."""
    stream = request.META.get("wsgi.input")
    if stream is None:
        return b""
    parts: list[bytes] = []
    size = 0
    while True:
        part = stream.read(min(64 * 1024, limit + 1 - size))
        if not part:
            return b"".join(parts)
        parts.append(part)
        size += len(part)
        if size > limit:
            return None
