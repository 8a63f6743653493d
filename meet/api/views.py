"""Base classes every endpoint derives from, and the routes that are not an app's."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from meet.errors import PathNotFoundError


class MeetAPIView(APIView):
    """An endpoint of the reference API.

    ``authentication_classes`` is empty by default: views set it with
    ``accounts.authentication.chain(...)`` so no endpoint inherits a scheme by accident.
    ``operations`` names what each method does for the ``Unexpected error while …`` 500 body.
    """

    authentication_classes: ClassVar[list[Any]] = []
    permission_classes: ClassVar[list[Any]] = []
    operations: ClassVar[dict[str, str]] = {}

    def validated(self, serializer_class: type[Serializer], data: Any) -> Any:  # type: ignore[type-arg]
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def route(template: str, view: Any, name: str | None = None) -> URLPattern:
    """An Express-style route: case-insensitive, one optional trailing slash, ``<param>``s.

    ``route("rooms/<roomId>/config", View)`` matches ``/ROOMS/abc/config/`` with
    ``roomId="abc"``.
    """
    parts = re.split(r"<(\w+)>", template)
    regex = ""
    for index, part in enumerate(parts):
        regex += re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
    return re_path(rf"(?i)^{regex}/?$", view, name=name)


@csrf_exempt
def health(request: HttpRequest, rest: str = "") -> HttpResponse:
    return HttpResponse("OK", content_type="text/html; charset=utf-8")


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """The reference's catch-all: GET/HEAD outside the APIs get the front end's page, the rest
    ``404 {"error":"Path Not Found","message":"API path not implemented"}``."""
    path = request.path
    if request.method in ("GET", "HEAD") and "/api/" not in path and "/internal-api/" not in path:
        html = render_to_string("meet/frontend_fallback.html", {"path": path})
        return HttpResponse(html, content_type="text/html; charset=utf-8")
    error = PathNotFoundError()
    response = Response(error.body(), status=404)
    return _render(request, response)


def _render(request: HttpRequest, response: Response) -> HttpResponse:
    from meet.api.renderers import MeetJSONRenderer

    response.accepted_renderer = MeetJSONRenderer()
    response.accepted_media_type = MeetJSONRenderer.media_type
    response.renderer_context = {"request": Request(request)}
    return response.render()
