"""``GET /metrics`` (Prometheus text) and ``GET /api/v1/metrics`` (a JSON summary).

Both answer exactly as an unknown path while ``MEET_METRICS_ENABLED`` is off. ``/metrics`` is
not an API route: it has its own protection (``MEET_METRICS_ALLOWED_NETWORKS``, then
``MEET_METRICS_TOKEN`` as a Bearer token) and no API key or session opens it.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import admin, api_key, chain
from meet.api.views import MeetAPIView
from meet.errors import AuthenticationError, AuthorizationError, MeetError, PathNotFoundError
from meet.http import client_ip
from meet.views import not_found
from metrics import services
from metrics.serializers import MetricsSummarySerializer


class MetricsTokenError(AuthenticationError):
    def __init__(self) -> None:
        super().__init__("A valid metrics token is required (Authorization: Bearer <token>)")


class MetricsNetworkError(AuthorizationError):
    def __init__(self) -> None:
        super().__init__("Metrics are not served to this address")


def _error(error: MeetError) -> HttpResponse:
    response = HttpResponse(
        json.dumps(error.body(), separators=(",", ":")),
        status=error.status_code,
        content_type="application/json; charset=utf-8",
    )
    if error.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _allowed_address(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in network for network in settings.MEET_METRICS_ALLOWED_NETWORKS)


def _valid_token(request: HttpRequest) -> bool:
    expected = settings.MEET_METRICS_TOKEN
    if not expected:
        return True
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and constant_time_compare(token.strip(), expected)


@csrf_exempt
def prometheus_metrics(request: HttpRequest) -> HttpResponseBase:
    if not settings.MEET_METRICS_ENABLED or request.method not in ("GET", "HEAD"):
        return not_found(request)
    if not _allowed_address(request):
        return _error(MetricsNetworkError())
    if not _valid_token(request):
        return _error(MetricsTokenError())
    body, content_type = services.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


class MetricsSummaryView(MeetAPIView):
    authentication_classes = chain(api_key, admin)
    api_key_scopes = {"GET": ("config",)}
    operations = {"get": "getting metrics"}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if not settings.MEET_METRICS_ENABLED:
            raise PathNotFoundError()  # as any unknown path, before authentication
        super().initial(request, *args, **kwargs)

    @extend_schema(
        responses={200: MetricsSummarySerializer},
        tags=["metrics"],
        summary="Summary of the backend's metrics",
        description="Not in the reference. Requests by route, webhook deliveries, collector "
        "runs, dependency health and the inventory, summed over every process. Answers 404 "
        "(as an unknown path) unless MEET_METRICS_ENABLED is on. The Prometheus format is at "
        "GET /metrics (docs/metrics.md).",
    )
    def get(self, request: Request) -> Response:
        return self.respond(MetricsSummarySerializer, services.summary())
