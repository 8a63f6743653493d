"""The routes that are no app's: ``/health``, the web component and the reference's catch-all."""

from __future__ import annotations

import io

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request
from rest_framework.response import Response

from meet import frontend
from meet.api.parsers import MeetJSONParser
from meet.errors import MalformedBodyError, PathNotFoundError


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
def webcomponent(request: HttpRequest) -> HttpResponseBase:
    """``GET /v1/openvidu-meet.js``: the configured build's web-component bundle."""
    if request.method not in ("GET", "HEAD"):
        return not_found(request)
    return frontend.webcomponent_response()


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponseBase:
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
    response.renderer_context = {"request": Request(request)}  # type: ignore[attr-defined]
    return response.render()
