"""Base classes every endpoint derives from, and the routes that are not an app's."""

from __future__ import annotations

import io
import re
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RegexPattern
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from meet import frontend
from meet.api.parsers import MeetJSONParser
from meet.errors import MalformedBodyError, PathNotFoundError


class MeetAPIView(APIView):
    # An endpoint of the reference API. (Comments, not a docstring: drf-spectacular would show a
    # docstring as every endpoint's description.)
    # ``authentication_classes`` is empty by default: views set it with
    # ``accounts.authentication.chain(...)`` so no endpoint inherits a scheme by accident.
    # ``operations`` names what each method does for the ``Unexpected error while …`` 500 body.

    authentication_classes: ClassVar[list[Any]] = []
    # Per-method chains where the methods of one URL differ (e.g. GET anonymous, PUT admin).
    authentication_by_method: ClassVar[dict[str, list[Any]]] = {}
    permission_classes: ClassVar[list[Any]] = []
    operations: ClassVar[dict[str, str]] = {}

    def get_authenticators(self) -> list[Any]:
        request = getattr(self, "request", None)
        method = (getattr(request, "method", None) or "").upper()
        classes = self.authentication_by_method.get(method, self.authentication_classes)
        return [authenticator() for authenticator in classes]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Express parses JSON bodies before any route runs, so a malformed body is
        # ``400 Malformed body`` even before authentication (api-contract.md §1.1).
        if (request.content_type or "").split(";")[0].strip().lower() == "application/json":
            request.data  # noqa: B018 - parsing raises MalformedBodyError
        super().initial(request, *args, **kwargs)

    def validated(self, serializer_class: type[Serializer], data: Any) -> Any:  # type: ignore[type-arg]
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class _IgnoreCaseRegex:
    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        compiled = re.compile(str(instance._regex), re.IGNORECASE)
        instance.__dict__["regex"] = compiled
        return compiled


class CaseInsensitivePattern(RegexPattern):
    """Express matches paths case-insensitively; Django's ``RegexPattern`` has no flags."""

    regex = _IgnoreCaseRegex()


def route(template: str, view: Any, name: str | None = None) -> URLPattern:
    """An Express-style route: case-insensitive, one optional trailing slash, ``<param>``s.

    ``route("rooms/<roomId>/config", View)`` matches ``/ROOMS/abc/config/`` with
    ``roomId="abc"``.
    """
    parts = re.split(r"<(\w+)>", template)
    regex = ""
    for index, part in enumerate(parts):
        regex += _escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
    return URLPattern(
        CaseInsensitivePattern(rf"^{regex}/?$", name=name, is_endpoint=True), view, name=name
    )


def re_route(regex: str, view: Any, name: str | None = None) -> URLPattern:
    """A case-insensitive ``re_path``. Unlike an inline ``(?i:...)`` flag it stays reversible,
    which ``reverse()`` needs for every pattern of the URLconf (the console reverses its own)."""
    return URLPattern(CaseInsensitivePattern(regex, name=name, is_endpoint=True), view, name=name)


def mount(prefix: str, patterns: list[Any]) -> URLResolver:
    """Include ``patterns`` under ``prefix`` (e.g. ``api/v1/``), case-insensitively."""
    return URLResolver(CaseInsensitivePattern(rf"^{_escape(prefix)}"), patterns)


def _escape(text: str) -> str:
    """Escape regex specials but keep ``-`` and ``/`` readable (the schema shows the regex)."""
    return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", text)


def schema_paths_hook(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing: routes accept an optional trailing slash; show none."""
    result["paths"] = {
        (path.rstrip("/") or "/"): item for path, item in result.get("paths", {}).items()
    }
    return result


@csrf_exempt
def health(request: HttpRequest, rest: str = "") -> HttpResponse:
    return HttpResponse("OK", content_type="text/html; charset=utf-8")


def is_spa_path(request: HttpRequest) -> bool:
    """The reference's SPA fallback: GET/HEAD whose path contains neither ``/api/`` nor
    ``/internal-api/`` (so ``/api`` without a trailing slash is one)."""
    path = request.path
    return (
        request.method in ("GET", "HEAD") and "/api/" not in path and "/internal-api/" not in path
    )


@csrf_exempt
def webcomponent(request: HttpRequest) -> HttpResponse:
    """``GET /v1/openvidu-meet.js``: the configured build's web-component bundle."""
    if request.method not in ("GET", "HEAD"):
        return not_found(request)
    return frontend.webcomponent_response()


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """The reference's catch-all: GET/HEAD outside the APIs get the front end's ``index.html``
    (Express' 404 page when no build is configured, as the reference without its build), the
    rest ``404 {"error":"Path Not Found","message":"API path not implemented"}``."""
    if _malformed_json(request):  # Express' body parser runs before the catch-all
        return _render(request, Response(MalformedBodyError().body(), status=400))
    if is_spa_path(request):
        return frontend.index_response(request) or frontend.express_not_found()
    error = PathNotFoundError()
    response = Response(error.body(), status=404)
    return _render(request, response)


def _malformed_json(request: HttpRequest) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type != "application/json" or not request.body:
        return False
    try:
        MeetJSONParser().parse(io.BytesIO(request.body))
    except MalformedBodyError:
        return True
    return False


def _render(request: HttpRequest, response: Response) -> HttpResponse:
    from meet.api.renderers import MeetJSONRenderer

    response.accepted_renderer = MeetJSONRenderer()
    response.accepted_media_type = MeetJSONRenderer.media_type
    response.renderer_context = {"request": Request(request)}
    return response.render()
